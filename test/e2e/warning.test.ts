/*
 * `warn-on-exit`: a run: step that exits with one of its codes ends as `warning`; the run goes on
 * and succeeds, and the warning shows in the run's output, `runway runs` and `--json`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { project, runDetail, runway } from './helpers.ts';

const pipeline = (code: number) => `version: 1
stages:
  post-deployment:
    steps:
      - id: error-rate
        run: 'echo "error rate 0.02 > 0.01"; exit ${code}'
        warn-on-exit: [3]
      - id: after
        run: echo "outcome \${{ steps['error-rate'].outcome }}"
`;

describe('warn-on-exit', () => {
  it('exit 3 listed as a warning: the step is a warning, the run succeeds and says so', async () => {
    const dir = project(pipeline(3));
    const res = await runway(['run'], { cwd: dir });
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /post-deployment\/error-rate warning/);
    assert.match(res.stdout, /outcome warning/);
    assert.match(res.stdout, /post-deployment\/error-rate: warning, exit code 3 \(warn-on-exit\)/);
    const run = await runDetail(dir, 1);
    assert.equal(run.status, 'succeeded');
    assert.equal(run.reason, 'warnings: post-deployment/error-rate');
    const step = run.steps.find((s) => s.key === 'post-deployment/error-rate');
    assert.equal(step?.status, 'warning');
    assert.equal(step?.reason, 'exit code 3 (warn-on-exit)');
    const list = await runway(['runs'], { cwd: dir });
    assert.match(list.stdout, /warnings: post-deployment\/error-rate/);
  });

  it('runway validate lists the warning exit codes', async () => {
    const res = await runway(['validate'], { cwd: project(pipeline(3)) });
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /error-rate \(run; warn-on-exit 3\)/);
  });

  it('an exit code not listed still fails the step and the run', async () => {
    const dir = project(pipeline(1));
    const res = await runway(['run'], { cwd: dir });
    assert.equal(res.code, 1, res.stdout + res.stderr);
    const run = await runDetail(dir, 1);
    assert.equal(run.steps.find((s) => s.key === 'post-deployment/error-rate')?.status, 'failed');
  });

  it('warn-on-exit on a uses: step is a config error at its line', async () => {
    const dir = project(`version: 1
stages:
  gate:
    steps:
      - uses: gate/tests
        with: { junit: report.xml }
        warn-on-exit: [3]
`);
    const res = await runway(['validate'], { cwd: dir });
    assert.equal(res.code, 2, res.stdout + res.stderr);
    assert.match(res.stderr, /runway\.yaml:7:9.*warn-on-exit: is only for run: steps/);
  });
});
