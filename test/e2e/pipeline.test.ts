import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { alive, project, runDetail, runway, spawnRunway } from './helpers.ts';

const PIPELINE = `
version: 1
name: shop
concurrency: 2
stages:
  build:
    steps:
      - id: version
        run: |
          echo "version=1.2.3" >> "$RUNWAY_OUTPUT"
          echo "notes<<EOT" >> "$RUNWAY_OUTPUT"
          printf 'line one\\nline two\\n' >> "$RUNWAY_OUTPUT"
          echo "EOT" >> "$RUNWAY_OUTPUT"
      - id: check
        run: test "$V" = "1.2.3" && echo "got $V"
        env: { V: '\${{ steps.version.outputs.version }}' }
  lint:
    steps:
      - run: sleep 0.1
  unit:
    needs: build
    steps:
      - run: sleep 0.6 && echo "coverage.lines=83.2" >> "$RUNWAY_EVIDENCE" && echo "tests.failed=0" >> "$RUNWAY_EVIDENCE"
  integration:
    needs: build
    services:
      db:
        run: exec node -e "require('node:net').createServer(s => s.on('error', () => {}).end('PONG\\\\n')).listen(Number(process.env.DB_PORT), '127.0.0.1')"
        env: { DB_PORT: '24311' }
        ready: { tcp: 24311, timeout: 10s }
    steps:
      - name: talk to the database
        run: node -e "require('node:net').connect(24311, '127.0.0.1').on('data', d => { process.stdout.write('db said ' + d); process.exit(0) })"
      - id: flaky
        retry: 2
        run: |
          n=$(cat attempts 2>/dev/null || echo 0); echo $((n+1)) > attempts
          [ "$n" -ge 1 ]
      - run: echo "release \${{ stages.build.steps.version.outputs.version }}"
  e2e:
    needs: [unit, integration]
    if: 'ref == "refs/heads/main"'
    steps:
      - run: echo should not run
  notify:
    needs: [unit, integration]
    steps:
      - run: echo done
`;

test('a pipeline with parallel stages, a service, outputs, if: and a flaky step runs and is recorded', async () => {
  const dir = project(PIPELINE);
  const res = await runway(
    ['run', '--ref', 'refs/heads/feature', '--sha', 'abc123', '--message', 'feat: x'],
    { cwd: dir },
  );
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.match(res.stdout, /integration\/talk-to-the-database \| db said PONG/);
  assert.match(res.stdout, /build\/check \| got 1\.2\.3/);
  assert.match(res.stdout, /integration\/step-3 \| release 1\.2\.3/);

  const run = await runDetail(dir, 1);
  assert.equal(run.status, 'succeeded');
  const stage = (name: string) => run.stages.find((s) => s.name === name);
  const step = (key: string) => run.steps.find((s) => s.key === key);

  // independent stages overlapped in time
  const [lint, build] = [stage('lint'), stage('build')];
  assert.ok(lint?.startedAt && build?.startedAt && build.finishedAt);
  assert.ok(Date.parse(lint.startedAt) < Date.parse(build.finishedAt), 'lint and build ran in parallel');
  const [unit, integ] = [stage('unit'), stage('integration')];
  assert.ok(unit?.startedAt && unit.finishedAt && integ?.startedAt && integ.finishedAt);
  assert.ok(
    Date.parse(unit.startedAt) < Date.parse(integ.finishedAt) &&
      Date.parse(integ.startedAt) < Date.parse(unit.finishedAt),
  );

  // if: skipped e2e, and its steps never ran
  assert.equal(stage('e2e')?.status, 'skipped');
  assert.match(stage('e2e')?.reason ?? '', /ref == "refs\/heads\/main"/);
  assert.equal(step('e2e/step-1')?.status, 'skipped');
  assert.equal(stage('notify')?.status, 'succeeded');

  // outputs, multi-line outputs and evidence are in the store
  assert.deepEqual(run.outputs['build/version'], { version: '1.2.3', notes: 'line one\nline two' });
  assert.deepEqual(
    run.evidence.map((e) => [e.key, e.value]),
    [
      ['coverage.lines', 83.2],
      ['tests.failed', 0],
    ],
  );

  // the flaky step passed on its second attempt and is marked
  assert.equal(step('integration/flaky')?.status, 'succeeded');
  assert.equal(step('integration/flaky')?.attempts, 2);
  assert.equal(step('integration/flaky')?.flaky, true);
  assert.equal(step('build/version')?.flaky, false);
});

test('a failing stage stops its dependents but not independent stages, and exit code is 1', async () => {
  const dir = project(`
version: 1
stages:
  a: { steps: [ { run: 'echo broken >&2; exit 3' }, { run: echo never } , { if: failure(), run: echo cleanup } ] }
  b: { steps: [ { run: echo independent } ] }
  c: { needs: a, steps: [ { run: echo never } ] }
  d: { needs: a, if: always(), steps: [ { run: echo always } ] }
  e: { needs: b, steps: [ { run: exit 1, continue-on-error: true }, { run: echo after } ] }
`);
  const res = await runway(['run', '--message', 'fix: y'], { cwd: dir });
  assert.equal(res.code, 1);
  assert.match(res.stdout, /a\/step-1: exit code 3/);
  const run = await runDetail(dir, 1);
  const status = Object.fromEntries(run.stages.map((s) => [s.name, s.status]));
  assert.deepEqual(status, { a: 'failed', b: 'succeeded', c: 'skipped', d: 'succeeded', e: 'succeeded' });
  const steps = Object.fromEntries(run.steps.map((s) => [s.key, s.status]));
  assert.equal(steps['a/step-2'], 'skipped');
  assert.equal(steps['a/step-3'], 'succeeded');
  assert.equal(steps['e/step-1'], 'failed');
  assert.equal(steps['e/step-2'], 'succeeded');
  assert.equal(run.reason, 'failed stages: a');
});

test('a step timeout kills the whole process group and fails the step', async () => {
  const dir = project(`
version: 1
stages:
  slow:
    steps:
      - timeout: 300ms
        run: |
          sleep 30 &
          echo $! > background.pid
          sleep 30
`);
  const started = Date.now();
  const res = await runway(['run', '--message', 'fix: z'], { cwd: dir });
  assert.equal(res.code, 1);
  assert.ok(Date.now() - started < 10_000, 'the timeout stopped the step promptly');
  assert.match(res.stdout, /timed out after 0\.3s/);
  const pid = Number(readFileSync(join(dir, 'background.pid'), 'utf8'));
  assert.equal(alive(pid), false, 'the background child of the step was killed too');
});

test('after a cancel only always()/cancelled() steps and stages run, and they are not killed', async () => {
  const dir = project(`
version: 1
stages:
  deploy:
    steps:
      - run: sleep 30
      - run: touch never-runs
      - if: always()
        run: sleep 0.3 && touch cleaned-up
  notify:
    needs: deploy
    if: cancelled()
    steps: [ { run: touch notified } ]
  report:
    needs: deploy
    steps: [ { run: touch reported } ]
`);
  const child = spawnRunway(['run', '--json', '--message', 'chore: c'], { cwd: dir });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve) => {
    child.stdout?.setEncoding('utf8').on('data', (c: string) => c.includes('"step.process"') && resolve());
  });
  child.kill('SIGTERM');
  assert.equal(await closed, 1);
  assert.deepEqual(readdirSync(dir).sort(), ['.runway', 'cleaned-up', 'notified', 'runway.yaml']);
  const run = await runDetail(dir, 1);
  assert.equal(run.status, 'cancelled');
  assert.deepEqual(run.steps.map((s) => [s.key, s.status]).sort(), [
    ['deploy/step-1', 'cancelled'],
    ['deploy/step-2', 'cancelled'],
    ['deploy/step-3', 'succeeded'],
    ['notify/step-1', 'succeeded'],
    ['report/step-1', 'cancelled'],
  ]);
});

test('success() looks at every earlier stage, not only direct needs; a missing working-directory fails clearly', async () => {
  const dir = project(`
version: 1
stages:
  a: { steps: [ { run: exit 1 } ] }
  b: { needs: a, steps: [ { run: echo b } ] }
  c: { needs: b, if: success(), steps: [ { run: echo c } ] }
  d: { needs: b, if: failure(), steps: [ { run: echo d } ] }
  e: { working-directory: nowhere, steps: [ { run: echo e } ] }
`);
  const res = await runway(['run', '--message', 'fix: a'], { cwd: dir });
  assert.equal(res.code, 1);
  const run = await runDetail(dir, 1);
  assert.deepEqual(Object.fromEntries(run.stages.map((s) => [s.name, s.status])), {
    a: 'failed',
    b: 'skipped',
    c: 'skipped',
    d: 'succeeded',
    e: 'failed',
  });
  assert.equal(
    run.steps.find((s) => s.key === 'e/step-1')?.reason,
    'working-directory nowhere does not exist',
  );
});
