import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REPO, runway } from './helpers.ts';

interface Line {
  type: string;
  runId?: number;
  data?: Record<string, unknown>;
  [key: string]: unknown;
}

test(
  'the demo takes a good change to 100% of production and rolls a faulty one back on its own',
  { timeout: 240_000 },
  async () => {
    const res = await runway(['demo', '--json'], { cwd: REPO });
    assert.equal(res.code, 0, res.stdout.slice(-4000) + res.stderr);
    const lines = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    const runs = [...new Set(lines.filter((e) => e.type === 'run.started').map((e) => e.runId))];
    assert.equal(runs.length, 2, 'two pipeline runs');
    const stages = (runId: number | undefined) =>
      Object.fromEntries(
        lines
          .filter((e) => e.type === 'stage.finished' && e.runId === runId)
          .map((e) => [e.data?.['stage'], e.data?.['status']]),
      );
    assert.deepEqual(stages(runs[0]), {
      commit: 'succeeded',
      build: 'succeeded',
      unit: 'succeeded',
      integration: 'succeeded',
      'golden-path': 'succeeded',
      e2e: 'skipped',
      staging: 'succeeded',
      canary: 'succeeded',
    });
    assert.equal(stages(runs[1])['canary'], 'failed', 'the faulty version fails its canary');

    const results = lines.filter((e) => e.type === 'demo.result');
    const first = results.find((r) => r['n'] === 1);
    const second = results.find((r) => r['n'] === 2);
    assert.match(String(first?.['stable']), /-r\d+$/, 'the new version is stable in production');
    assert.equal(second?.['rolledBack'], true);
    assert.match(String(second?.['reason']), /analysis .* failed/);
    assert.equal(second?.['stable'], first?.['stable'], 'the good version serves again');

    // production traffic flowed through both runs without a failure the rehearsal did not inject
    const traffic = lines.find((e) => e.type === 'demo.traffic') as unknown as {
      byCode: Record<string, number>;
    };
    const failures = Object.entries(traffic.byCode).filter(([code]) => code !== '200' && code !== '500');
    assert.deepEqual(failures, []);

    const detail = await runway(
      ['runs', String(runs[0]), '--json', '--store', `${REPO}/examples/.runway/runway.db`],
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
    assert.equal(evidence['rollout.phase'], 'completed');
    assert.ok(Number(evidence['coverage.lines']) >= 70, `coverage ${evidence['coverage.lines']}`);
    assert.match(run.outputs['build/bundle']?.['digest'] ?? '', /^sha256:[0-9a-f]{64}$/);
  },
);
