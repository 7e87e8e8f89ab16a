/*
 * `rerun: N` verifies a test command is stable: it runs N times and passes only when every run
 * passes; a run failing after passes fails the step as flaky.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { project, runDetail, runway } from './helpers.ts';

const pipeline = (failOn: number) => `version: 1
stages:
  verify:
    steps:
      - id: tests
        run: 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "run $n"; [ $n -ne ${failOn} ]'
        rerun: 3
`;

describe('rerun', () => {
  it('runs a stable command three times and passes', async () => {
    const dir = project(pipeline(99));
    const res = await runway(['run'], { cwd: dir });
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /verify\/tests \| run 3/);
    const step = (await runDetail(dir, 1)).steps[0];
    assert.equal(step?.status, 'succeeded');
    assert.equal(step?.attempts, 3);
    assert.equal(step?.flaky, false);
    const log = await runway(['logs', '1', 'verify/tests'], { cwd: dir });
    assert.match(log.stdout, /── rerun 3 of 3 ──/);
  });

  it('a failure on the third run after two passes fails the step as flaky', async () => {
    const dir = project(pipeline(3));
    const res = await runway(['run'], { cwd: dir });
    assert.equal(res.code, 1, res.stdout + res.stderr);
    const step = (await runDetail(dir, 1)).steps[0];
    assert.equal(step?.status, 'failed');
    assert.equal(step?.flaky, true);
    assert.equal(step?.reason, 'flaky: run 3 of 3 failed after 2 passed (exit code 1)');
  });

  it('runway validate lists the rerun count', async () => {
    const res = await runway(['validate'], { cwd: project(pipeline(3)) });
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /tests \(run; rerun 3\)/);
  });

  it('rerun: 1 is a config error naming the field', async () => {
    const dir = project(pipeline(3).replace('rerun: 3', 'rerun: 1'));
    const res = await runway(['validate'], { cwd: dir });
    assert.equal(res.code, 2, res.stdout + res.stderr);
    assert.match(res.stderr, /runway\.yaml:7:16.*rerun/);
  });
});
