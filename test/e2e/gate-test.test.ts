/*
 * `runway gate test`: policy tests from fixture files, through the real CLI.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { project, REPO, runway } from './helpers.ts';

const cwd = join(REPO, 'test', 'fixtures', 'gate', 'policy-tests');

interface Report {
  ok: boolean;
  passed: number;
  failed: number;
  suites: {
    file: string;
    policy: { name: string };
    cases: { name: string; ok: boolean; mismatches: string[] }[];
  }[];
}

describe('runway gate test', () => {
  it('runs every suite of a directory (not its subfolders) and passes', async () => {
    const res = await runway(['gate', 'test', '.'], { cwd });
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /^windows\.yaml \(policy runway-default-release\)$/m);
    assert.match(res.stdout, /^ {2}✔ Saturday is outside the deployment window$/m);
    assert.match(res.stdout, /^ {2}✔ one critical CVE denies, and cannot be overridden$/m);
    assert.match(res.stdout, /^custom-policy\.yaml \(policy checkout-release\)$/m);
    assert.match(res.stdout, /^\d+ passed \(6 files\)$/m);
    assert.doesNotMatch(res.stdout, /✖|failing\/|malformed\//);
    assert.equal(existsSync(join(cwd, '.runway')), false, 'policy tests never create a store');

    const json = await runway(['gate', 'test', '.', '--json'], { cwd });
    const report = JSON.parse(json.stdout) as Report;
    assert.equal(report.ok, true);
    assert.equal(report.failed, 0);
    assert.ok(report.passed >= 70, `${report.passed} cases`);
    assert.deepEqual(
      report.suites.map((s) => s.file),
      [
        'build-and-quality.yaml',
        'custom-policy.yaml',
        'fail-closed.yaml',
        'security.yaml',
        'slo-and-strategy.yaml',
        'windows.yaml',
      ],
    );
  });

  it("takes the tier from runway.yaml's service when a case's input has none, as gate evaluate does", async () => {
    const input = JSON.parse(readFileSync(join(cwd, '..', 'seed-gate-input.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    delete input['tier'];
    const suite = [
      'policy: default',
      'defaults: { at: 2026-11-24T10:00:00Z, window: business-hours }',
      'cases:',
      `  - name: the seed's input without its tier is tier 2 here`,
      `    input: ${JSON.stringify(input)}`,
      '    expect: { outcome: allow, strategy: tier2-standard }',
    ].join('\n');
    const dir = project(
      'version: 1\nservice: { name: checkout-api, tier: 2 }\nstages: { noop: { steps: [ { run: "true" } ] } }\n',
    );
    mkdirSync(join(dir, 'policy-tests'));
    writeFileSync(join(dir, 'policy-tests', 'tier.yaml'), `${suite}\n`);
    const res = await runway(['gate', 'test'], { cwd: dir });
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /✔ the seed's input without its tier is tier 2 here/);
  });

  it('without a path runs policy-tests/ beside runway.yaml', async () => {
    const dir = project('version: 1\nstages: { noop: { steps: [ { run: "true" } ] } }\n');
    mkdirSync(join(dir, 'policy-tests'));
    copyFileSync(join(cwd, 'windows.yaml'), join(dir, 'policy-tests', 'windows.yaml'));
    copyFileSync(join(cwd, '..', 'seed-gate-input.json'), join(dir, 'seed-gate-input.json'));
    const res = await runway(['gate', 'test'], { cwd: dir });
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /^policy-tests\/windows\.yaml \(policy runway-default-release\)$/m);
    assert.match(res.stdout, /^11 passed \(1 file\)$/m);
  });

  it("uses the pipeline's windows with -f", async () => {
    const res = await runway(['gate', 'test', 'pipeline-windows', '-f', 'pipeline-windows/runway.yaml'], {
      cwd,
    });
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /✔ a weekday in the year-end freeze is closed with the freeze's reason/);
    const without = await runway(['gate', 'test', 'pipeline-windows'], { cwd });
    assert.equal(without.code, 2);
    assert.match(
      without.stderr,
      /^pipeline-windows\/prod-calendar\.yaml:5:11: unknown window "prod" — expected one of: business-hours/m,
    );
  });

  it('a failing case exits 1 and shows what was expected and what the gate decided', async () => {
    const res = await runway(['gate', 'test', 'failing'], { cwd });
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stdout, /^ {2}✔ Saturday is refused$/m);
    assert.match(
      res.stdout,
      /^ {2}✖ a critical CVE on a Saturday is wrongly expected to be allowed failing\/wrong-expectations\.yaml:11$/m,
    );
    assert.match(res.stdout, /^ {6}outcome: expected allow, got deny$/m);
    assert.match(res.stdout, /^ {6}violations: expected \[\], got \[critical-cves, window\]$/m);
    assert.match(res.stdout, /^ {6}got deny, strategy tier1-progressive:$/m);
    assert.match(
      res.stdout,
      /^ {8}critical-cves: 1 critical CVEs found; the limit is 0 in every environment$/m,
    );
    assert.match(res.stdout, /^ {8}window: outside deployment window: weekend$/m);
    assert.match(res.stdout, /^1 failed, 1 passed \(1 file\)$/m);

    const json = JSON.parse((await runway(['gate', 'test', 'failing', '--json'], { cwd })).stdout) as Report;
    assert.equal(json.ok, false);
    assert.deepEqual(json.suites[0]?.cases[1]?.mismatches, [
      'outcome: expected allow, got deny',
      'violations: expected [], got [critical-cves, window]',
    ]);
  });

  it('--policy tests another policy against the same cases', async () => {
    const res = await runway(
      ['gate', 'test', 'windows.yaml', '--policy', 'policies/checkout-release.yaml', '--json'],
      { cwd },
    );
    assert.equal(res.code, 1, 'the team policy wants 85% coverage, so every case now sees a violation more');
    const report = JSON.parse(res.stdout) as Report;
    assert.equal(report.suites[0]?.policy.name, 'checkout-release');
    assert.deepEqual(report.suites[0]?.cases[0]?.mismatches, [
      'violations: expected [window], got [coverage, window]',
    ]);
  });

  it('a malformed file exits 2 naming file:line:col and what was expected, and runs nothing', async () => {
    const res = await runway(['gate', 'test', 'malformed', 'failing'], { cwd });
    assert.equal(res.code, 2);
    assert.equal(res.stdout, '');
    assert.equal(
      res.stderr,
      'malformed/bad-expectations.yaml:8:24: cases.0.expect.outcome is "maybe" — expected "allow" or "deny"\n' +
        'malformed/bad-expectations.yaml:11:30: unknown key "violation" (did you mean "violations"?) in cases.1.expect — expected one of: outcome, strategy, violations, warnings, message\n',
    );
    const missing = await runway(['gate', 'test', 'no-such-suite.yaml'], { cwd });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^no-such-suite\.yaml:1:1: no such file or directory/);
    const none = await runway(['gate', 'test'], { cwd });
    assert.equal(none.code, 2);
    assert.match(
      none.stderr,
      /no policy-tests\/ beside runway\.yaml — name policy test files or directories/,
    );
  });
});
