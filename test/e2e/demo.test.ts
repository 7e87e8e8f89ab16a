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
      security: 'succeeded',
      staging: 'succeeded',
      'release-gate': 'succeeded',
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
    // the supply-chain evidence the release gate read
    assert.equal(evidence['secrets.found'], 0);
    assert.equal(evidence['licenses.denied'], 0);
    assert.equal(evidence['attest.signed'], true);
    assert.equal(evidence['gate.allowed'], true);
    assert.ok(Number(evidence['coverage.lines']) >= 70, `coverage ${evidence['coverage.lines']}`);
    assert.match(run.outputs['build/bundle']?.['digest'] ?? '', /^sha256:[0-9a-f]{64}$/);
  },
);

test(
  'on a Saturday the release gate refuses production; an audited override lets it through',
  { timeout: 300_000 },
  async () => {
    const saturday = '2026-11-28T11:00:00Z';
    const refused = await runway(['demo', '--json', '--at', saturday], { cwd: REPO });
    assert.equal(refused.code, 1, refused.stdout.slice(-3000) + refused.stderr);
    const lines = refused.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    const result = lines.find((e) => e.type === 'demo.result');
    assert.match(String(result?.['gate']), /outside deployment window: weekend/);
    assert.match(String(result?.['gate']), /window opens 2026-11-30T09:00:00\.000Z/);
    assert.equal(lines.filter((e) => e.type === 'run.started').length, 1, 'no second run after a refusal');

    const grant = await runway(
      [
        'override',
        'grant',
        '-f',
        'examples/runway.yaml',
        '--service',
        'checkout-api',
        '--env',
        'production',
        '--rules',
        'window,in-flight',
        '--reason',
        'hotfix for the Saturday checkout outage',
        '--from',
        '2026-11-28T10:30:00Z',
        '--expires',
        '2h',
        '--as',
        'demo@runway.invalid',
        '--json',
      ],
      { cwd: REPO },
    );
    assert.equal(grant.code, 0, grant.stderr);
    const override = JSON.parse(grant.stdout) as { id: number };
    try {
      const allowed = await runway(['demo', '--json', '--at', saturday], { cwd: REPO });
      assert.equal(allowed.code, 0, allowed.stdout.slice(-3000) + allowed.stderr);
      const out = allowed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Line);
      const gateLog = out
        .filter((e) => e.type === 'step.output' && String(e.data?.['step']).startsWith('release-gate/'))
        .map((e) => String(e.data?.['text'] ?? e.data?.['line'] ?? ''))
        .join('');
      assert.match(
        gateLog,
        new RegExp(
          `override ${override.id} by demo@runway\\.invalid \\(hotfix for the Saturday checkout outage`,
        ),
      );
      assert.match(gateLog, /waived: .*window/);
      assert.match(gateLog, /decision \d+: allow/);
    } finally {
      await runway(['override', 'revoke', String(override.id), '-f', 'examples/runway.yaml'], { cwd: REPO });
    }
  },
);

test(
  'a production port taken by another program stops the demo with one clear line and leaves nothing running',
  { timeout: 120_000 },
  async () => {
    const { createServer } = await import('node:net');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const port = Number(
      /port: (\d+), replicas/.exec(readFileSync(join(REPO, 'examples', 'runway.yaml'), 'utf8'))?.[1],
    );
    const squatter = createServer();
    await new Promise<void>((resolve, reject) =>
      squatter.once('error', reject).listen(port, '127.0.0.1', resolve),
    );
    const store = join(mkdtempSync(join(tmpdir(), 'runway-demo-port-')), 'runway.db');
    try {
      const res = await runway(['demo', '--store', store], { cwd: REPO });
      assert.equal(res.code, 2, res.stdout + res.stderr);
      assert.doesNotMatch(res.stderr, /internal error|This is a bug|\bat .*\.ts:\d+/);
      assert.match(res.stderr, new RegExp(`port ${port} is already in use`));
      assert.match(res.stderr, /environments\.production\.target\.port/);
      const status = await runway(['serve', 'status', '--store', store], { cwd: REPO });
      assert.notEqual(status.code, 0, `no control plane left running: ${status.stdout}`);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  },
);
