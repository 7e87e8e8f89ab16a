import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REPO, runway } from './helpers.ts';

test('the demo runs the example pipeline end to end and records its evidence', async () => {
  const res = await runway(['demo', '--json'], { cwd: REPO });
  assert.equal(res.code, 0, res.stdout.slice(-3000) + res.stderr);
  const events = res.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; runId: number; data: Record<string, unknown> });
  const finished = events
    .filter((e) => e.type === 'stage.finished')
    .map((e) => [e.data['stage'], e.data['status']]);
  assert.deepEqual(Object.fromEntries(finished), {
    commit: 'succeeded',
    build: 'succeeded',
    unit: 'succeeded',
    integration: 'succeeded',
    'golden-path': 'succeeded',
    e2e: 'skipped',
  });
  const runId = events[0]?.runId ?? 0;
  const detail = await runway(
    ['runs', String(runId), '--json', '--store', `${REPO}/examples/.runway/runway.db`],
    {
      cwd: REPO,
    },
  );
  const run = JSON.parse(detail.stdout) as {
    evidence: { key: string; value: unknown }[];
    outputs: Record<string, Record<string, string>>;
  };
  const evidence = Object.fromEntries(run.evidence.map((e) => [e.key, e.value]));
  assert.equal(evidence['golden_path'], 'pass');
  assert.equal(evidence['tests.failed'], 0);
  assert.ok(Number(evidence['coverage.lines']) >= 70, `coverage ${evidence['coverage.lines']}`);
  assert.match(run.outputs['build/bundle']?.['digest'] ?? '', /^sha256:[0-9a-f]{64}$/);
});
