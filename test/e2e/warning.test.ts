/*
 * `warn-on-exit`: a run: step that exits with one of its codes ends as `warning`; the run goes on
 * and succeeds, and the warning shows in the run's output, `runway runs` and `--json`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startReceiver } from '../../src/notify/receiver.fixture.ts';
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

describe('warn-on-fail on a gate', () => {
  const JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="post-deployment" tests="2" failures="1">
    <testcase classname="slo" name="error rate below 0.01"><failure message="error rate 0.02 &gt; 0.01"/></testcase>
    <testcase classname="slo" name="health is 200"/>
  </testsuite>
</testsuites>
`;
  const gated = (url: string, warn: boolean) => `version: 1
service: { name: web }
notifications:
  team:
    webhook: { url: ${url} }
    events: [gate.warned, gate.denied, run.succeeded, run.failed]
stages:
  post-deployment:
    steps:
      - id: slo
        uses: gate/tests
        with: { files: [report.xml] }${warn ? '\n        warn-on-fail: true' : ''}
      - id: after
        run: echo "outcome \${{ steps.slo.outcome }}"
`;

  it('a failing gate with warn-on-fail is a warning: the run succeeds, says so, and tells the team', async () => {
    const hook = await startReceiver();
    try {
      const dir = project(gated(hook.url, true), { 'report.xml': JUNIT });
      const res = await runway(['run'], { cwd: dir });
      assert.equal(res.code, 0, res.stdout + res.stderr);
      assert.match(res.stdout, /post-deployment\/slo warning/);
      assert.match(res.stdout, /outcome warning/);
      assert.match(res.stdout, /post-deployment\/slo: warning, .*\(warn-on-fail\)/);
      const run = await runDetail(dir, 1);
      assert.equal(run.status, 'succeeded');
      assert.equal(run.reason, 'warnings: post-deployment/slo');
      const step = run.steps.find((s) => s.key === 'post-deployment/slo');
      assert.equal(step?.status, 'warning');
      assert.match(
        step?.reason ?? '',
        /^tests gate failed: 1 failed or errored test\(s\), none allowed \(warn-on-fail\)$/,
      );
      const list = await runway(['runs'], { cwd: dir });
      assert.match(list.stdout, /warnings: post-deployment\/slo/);
      const sent = hook.received.map(
        (r) => JSON.parse(r.body) as { event: string; title: string; text: string },
      );
      assert.deepEqual(
        sent.map((n) => n.event),
        ['gate.warned', 'run.succeeded'],
      );
      assert.match(sent[0]?.title ?? '', /^web: gate\/tests warned on run #1$/);
      assert.match(sent[0]?.text ?? '', /\(warn-on-fail\)$/);
      assert.match(sent[1]?.text ?? '', /^warning post-deployment\/slo: .*\(warn-on-fail\)$/);
    } finally {
      await hook.close();
    }
  });

  it('without warn-on-fail the same gate fails the run and is reported denied', async () => {
    const hook = await startReceiver();
    try {
      const dir = project(gated(hook.url, false), { 'report.xml': JUNIT });
      const res = await runway(['run'], { cwd: dir });
      assert.equal(res.code, 1, res.stdout + res.stderr);
      const sent = hook.received.map((r) => (JSON.parse(r.body) as { event: string }).event);
      assert.deepEqual(sent, ['gate.denied', 'run.failed']);
    } finally {
      await hook.close();
    }
  });

  it('warn-on-fail is only for gates: on a run: step or another action it is a config error', async () => {
    const dir = project(`version: 1
stages:
  s:
    steps:
      - run: exit 1
        warn-on-fail: true
      - uses: notify
        with: { message: hi }
        warn-on-fail: true
`);
    const res = await runway(['validate'], { cwd: dir });
    assert.equal(res.code, 2, res.stdout + res.stderr);
    assert.match(
      res.stderr,
      /runway\.yaml:6:9: warn-on-fail: is only for uses: gate\/\* steps — a run: step warns with warn-on-exit/,
    );
    assert.match(
      res.stderr,
      /runway\.yaml:9:9: warn-on-fail: is only for uses: gate\/\* steps — a failed notify is not a warning/,
    );
  });
});
