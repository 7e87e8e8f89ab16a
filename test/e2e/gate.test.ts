import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { VERIFIED_SLSA_3_STEP } from './verified-provenance.ts';
import { project, REPO, runDetail, runway } from './helpers.ts';

const SEED_INPUT = join(REPO, 'test', 'fixtures', 'gate', 'seed-gate-input.json');
const SATURDAY = '2026-11-21T10:00:00Z';
const TUESDAY = '2026-11-24T10:00:00Z';

test('the seed gate input is refused on a Saturday with the next opening, and allowed on a Tuesday', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'runway-gate-'));
  const args = [
    'gate',
    'evaluate',
    '--env',
    'production',
    '--input',
    SEED_INPUT,
    '--window',
    'business-hours',
  ];
  const sat = await runway([...args, '--at', SATURDAY], { cwd });
  assert.equal(sat.code, 1);
  assert.match(sat.stdout, /✖ deny checkout-api → production/);
  assert.match(sat.stdout, /window: outside deployment window: weekend/);
  assert.match(sat.stdout, /next opens at 2026-11-23T09:00:00\.000Z/);
  const fri = await runway([...args, '--at', '2026-11-27T12:00:00Z', '--json'], { cwd });
  const friday = JSON.parse(fri.stdout) as {
    outcome: string;
    allow: boolean;
    violations: { rule: string; message: string }[];
  };
  assert.equal(friday.outcome, 'deny');
  assert.equal(friday.allow, false, "the seed's decision field");
  assert.deepEqual(
    friday.violations.map((v) => v.message),
    ['outside deployment window: Friday afternoon'],
  );
  const tue = await runway([...args, '--at', TUESDAY, '--json'], { cwd });
  assert.equal(tue.code, 0);
  const decision = JSON.parse(tue.stdout) as {
    outcome: string;
    allow: boolean;
    strategy: string;
    inputDigest: string;
    id: number;
  };
  assert.equal(decision.outcome, 'allow');
  assert.equal(decision.allow, true);
  assert.equal(decision.strategy, 'tier1-progressive');
  assert.match(decision.inputDigest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(decision.id, 3, 'every decision is stored');
});

test('a P1 incident, opened by hand or by an Alertmanager webhook, blocks the gate until resolved', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'runway-incident-'));
  const gate = () =>
    runway(
      [
        'gate',
        'evaluate',
        '--env',
        'production',
        '--input',
        SEED_INPUT,
        '--window',
        'business-hours',
        '--at',
        TUESDAY,
        '--json',
      ],
      {
        cwd,
      },
    );
  assert.equal((await gate()).code, 0);

  const opened = await runway(
    ['incident', 'open', '--service', 'checkout-api', '--severity', 'P1', '--title', 'errors', '--json'],
    { cwd },
  );
  const { id } = JSON.parse(opened.stdout) as { id: string };
  const blocked = await gate();
  assert.equal(blocked.code, 1);
  assert.match(blocked.stdout, /1 active P1 incidents; the limit is 0/);
  assert.equal((await runway(['incident', 'resolve', id], { cwd })).code, 0);
  assert.equal((await gate()).code, 0);

  const fixtures = join(REPO, 'test', 'fixtures', 'alertmanager');
  const firing = await runway(
    [
      'incident',
      'alertmanager',
      join(fixtures, 'alertmanager-bot-firing-compact.json'),
      '--service',
      'checkout-api',
      '--json',
    ],
    { cwd },
  );
  assert.equal(firing.code, 0, firing.stderr);
  assert.deepEqual((JSON.parse(firing.stdout) as { opened: string[] }).opened.length, 1);
  assert.equal((await gate()).code, 1, 'the alert blocks the gate');
  const resolved = await runway(
    [
      'incident',
      'alertmanager',
      join(fixtures, 'alertmanager-bot-resolved-compact.json'),
      '--service',
      'checkout-api',
      '--json',
    ],
    { cwd },
  );
  assert.deepEqual((JSON.parse(resolved.stdout) as { resolved: string[] }).resolved.length, 1);
  assert.equal((await gate()).code, 0, 'resolving the alert unblocks it');

  const bad = await runway(
    ['incident', 'alertmanager', join(fixtures, 'msteams-testdata-firing-minimal.json')],
    { cwd },
  );
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /invalid Alertmanager payload: alerts\[0\]\.status/);
  const usage = await runway(['incident', 'open', '--service', 'x', '--severity', 'P9', '--title', 't'], {
    cwd,
  });
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--severity must be one of P1, P2, P3, P4, got "P9"/);
});

test('uses: gate/release reads the run evidence, stores the decision and stops the canary when denied', async () => {
  const yaml = (at: string) => `
version: 1
service: { name: checkout-api, tier: 2 }
stages:
  evidence:
    steps:
${VERIFIED_SLSA_3_STEP}      - uses: evidence
        with:
          gates.build.typescript: pass
          gates.build.compile: pass
          gates.build.lint: pass
          gates.build.format: pass
          gates.quality.integration_tests: pass
          gates.security.critical_cves: 0
          gates.security.high_cves: 0
          gates.security.image_signed: true
          slo.error_budget_remaining: 80
          slo.fast_burn_rate: 1
          slo.slow_burn_rate: 1
          slo.rollbacks_last_24h: 0
      - run: |
          echo "coverage.lines=74.5" >> "$RUNWAY_EVIDENCE"
          echo "tests.failed=0" >> "$RUNWAY_EVIDENCE"
          echo "golden_path=pass" >> "$RUNWAY_EVIDENCE"
          echo "secrets.found=0" >> "$RUNWAY_EVIDENCE"
  gate:
    needs: evidence
    steps:
      - id: release
        uses: gate/release
        with: { environment: production, window: business-hours, at: '${at}' }
  canary:
    needs: gate
    steps:
      - run: echo "canary with \${{ stages.gate.steps.release.outputs.strategy }}"
`;
  const denied = project(yaml(SATURDAY));
  const res = await runway(['run', '--message', 'feat: gate', '--sha', 'abc'], { cwd: denied });
  assert.equal(res.code, 1);
  assert.match(
    res.stdout,
    /release gate denied: outside deployment window: weekend \(window opens 2026-11-23T09:00:00\.000Z\)/,
  );
  const run = await runDetail(denied, 1);
  assert.equal(run.stages.find((s) => s.name === 'canary')?.status, 'skipped');
  assert.equal(run.outputs['gate/release']?.['allowed'], 'false');
  assert.equal(run.outputs['gate/release']?.['allow'], 'false', "the seed's decision field");
  assert.equal(run.outputs['gate/release']?.['approved'], 'false', "the seed's step output");

  const allowed = project(yaml(TUESDAY));
  const ok = await runway(['run', '--message', 'feat: gate', '--sha', 'abc'], { cwd: allowed });
  assert.equal(ok.code, 0, ok.stdout);
  assert.match(ok.stdout, /canary with tier2-standard/);
  const detail = await runDetail(allowed, 1);
  assert.deepEqual(
    detail.evidence.filter((e) => e.key.startsWith('gate.')).map((e) => [e.key, e.value]),
    [
      ['gate.allowed', true],
      ['gate.strategy', 'tier2-standard'],
    ],
  );
});

test('an emergency override needs the release-manager role, waives overridable rules only, and is audited', async () => {
  const dir = project(`
version: 1
service: { name: checkout-api, tier: 1 }
roles:
  release-manager: [Rita <rm@example.com>]
  developer: [dev@example.com]
windows:
  frozen:
    freezes: [{ dates: '2020-01-01..2099-12-31', reason: change freeze }]
stages: { noop: { steps: [ { run: 'true' } ] } }
`);
  const gate = (input = SEED_INPUT) =>
    runway(['gate', 'evaluate', '--env', 'production', '--input', input, '--window', 'frozen', '--json'], {
      cwd: dir,
    });
  assert.equal((await gate()).code, 1);

  const grant = ['override', 'grant', '--service', 'checkout-api', '--env', 'production', '--expires', '2h'];
  const denied = await runway(
    [...grant, '--reason', 'hotfix for the P1 checkout outage', '--as', 'dev@example.com'],
    { cwd: dir },
  );
  assert.equal(denied.code, 4);
  assert.match(denied.stderr, /dev@example.com does not hold the release-manager role/);
  const vague = await runway([...grant, '--reason', 'because', '--as', 'rm@example.com'], { cwd: dir });
  assert.equal(vague.code, 2);
  const reason = ['--reason', 'hotfix for the P1 checkout outage', '--as', 'rm@example.com'];
  const empty = await runway([...grant, ...reason, '--rules', ','], { cwd: dir });
  assert.match(empty.stderr, /--rules names no rule/);
  const never = await runway([...grant, ...reason, '--rules', 'critical-cves'], { cwd: dir });
  assert.match(never.stderr, /critical-cves cannot be overridden/);
  const granted = await runway(
    [...grant, '--reason', 'hotfix for the P1 checkout outage', '--as', 'rm@example.com', '--json'],
    { cwd: dir },
  );
  assert.equal(granted.code, 0, granted.stderr);

  const allowed = await gate();
  assert.equal(allowed.code, 0, allowed.stdout);
  const decision = JSON.parse(allowed.stdout) as {
    outcome: string;
    overrides: { grantedBy: string; waived: string[]; reason: string }[];
  };
  assert.deepEqual(
    decision.overrides.map((o) => [o.grantedBy, o.waived, o.reason]),
    [['rm@example.com', ['window'], 'hotfix for the P1 checkout outage']],
  );

  const withCves = join(mkdtempSync(join(tmpdir(), 'runway-cve-')), 'input.json');
  const seed = JSON.parse(readFileSync(SEED_INPUT, 'utf8')) as {
    gates: { security: { critical_cves: number } };
  };
  seed.gates.security.critical_cves = 1;
  writeFileSync(withCves, JSON.stringify(seed));
  const cves = JSON.parse((await gate(withCves)).stdout) as {
    outcome: string;
    violations: { rule: string }[];
  };
  assert.equal(cves.outcome, 'deny', 'critical CVEs are never overridable');
  assert.deepEqual(
    cves.violations.map((v) => v.rule),
    ['critical-cves'],
  );

  const { id } = JSON.parse(granted.stdout) as { id: number };
  assert.equal((await runway(['override', 'revoke', String(id)], { cwd: dir })).code, 0);
  assert.equal((await gate()).code, 1, 'revoked overrides no longer apply');
  const audit = JSON.parse((await runway(['override', 'list', '--all', '--json'], { cwd: dir })).stdout) as {
    revokedAt?: string;
  }[];
  assert.equal(audit.length, 1);
  assert.ok(audit[0]?.revokedAt);
});

test('the in-flight rule refuses a rollout that would outlast the window, and says when it can start', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'runway-inflight-'));
  const args = [
    'gate',
    'evaluate',
    '--env',
    'production',
    '--input',
    SEED_INPUT,
    '--window',
    'business-hours',
    '--json',
  ];
  const late = JSON.parse((await runway([...args, '--at', '2026-11-24T15:45:00Z'], { cwd })).stdout) as {
    outcome: string;
    violations: { rule: string; message: string }[];
  };
  assert.equal(late.outcome, 'deny');
  assert.equal(late.violations[0]?.rule, 'in-flight');
  assert.match(late.violations[0]?.message ?? '', /31m00s rollout.*can start at 2026-11-25T09:00:00\.000Z/);
  const early = JSON.parse((await runway([...args, '--at', '2026-11-24T15:25:00Z'], { cwd })).stdout) as {
    outcome: string;
  };
  assert.equal(early.outcome, 'allow', 'a tier 1 rollout started at 15:25 ends at 15:56');
});

test('the gate fails closed: no window, a bad declared incident count, a rule-less policy', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'runway-closed-'));
  const evaluate = (...extra: string[]) =>
    runway(['gate', 'evaluate', '--env', 'production', '--at', TUESDAY, '--json', ...extra], { cwd });
  const noWindow = JSON.parse((await evaluate('--input', SEED_INPUT)).stdout) as {
    outcome: string;
    violations: { rule: string; message: string }[];
  };
  assert.equal(noWindow.outcome, 'deny');
  assert.match(
    noWindow.violations.map((v) => v.message).join('\n'),
    /rule window could not be evaluated: input\.window is missing/,
  );

  const seed = JSON.parse(readFileSync(SEED_INPUT, 'utf8')) as { slo: Record<string, unknown> };
  for (const bad of ['3', -1, null]) {
    seed.slo['active_p1_incidents'] = bad;
    const file = join(cwd, 'bad.json');
    writeFileSync(file, JSON.stringify(seed));
    const res = JSON.parse((await evaluate('--input', file, '--window', 'business-hours')).stdout) as {
      outcome: string;
    };
    assert.equal(res.outcome, 'deny', `active_p1_incidents ${JSON.stringify(bad)} must deny`);
  }

  writeFileSync(join(cwd, 'lenient.yaml'), 'name: lenient\n');
  const lenient = await evaluate('--input', SEED_INPUT, '--policy', join(cwd, 'lenient.yaml'));
  assert.equal(lenient.code, 2);
  assert.match(lenient.stderr, /has no deny rules/);
  const garbageTime = await runway(['gate', 'evaluate', '--env', 'production', '--at', '1'], { cwd });
  assert.equal(garbageTime.code, 2);
  assert.match(garbageTime.stderr, /--at "1" is not an ISO 8601 time/);
});
