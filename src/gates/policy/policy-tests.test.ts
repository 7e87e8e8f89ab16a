import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../config/errors.ts';
import { openStore } from '../../store/open.ts';
import { policyFor } from '../release/policies.ts';
import { presetCalendars } from '../windows/presets.ts';
import { defaultPolicy } from './default-policy.ts';
import { passingInput } from './gate-input.fixture.ts';
import { loadPolicyTestFile, parsePolicyTestFile, policyTestFiles } from './policy-test-file.ts';
import type { PolicyTestContext } from './policy-test-file.ts';
import { compareDecision, runPolicyTests } from './policy-tests.ts';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/gate/policy-tests/', import.meta.url));
const SEED = fileURLToPath(new URL('../../../test/fixtures/gate/seed-gate-input.json', import.meta.url));
const NOW = new Date('2026-11-24T10:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'runway-policy-tests-'));
writeFileSync(join(dir, 'seed.json'), JSON.stringify(passingInput()));

const context: PolicyTestContext = {
  calendars: presetCalendars(),
  policyFor: (ref, root) => policyFor(ref === 'default' ? 'default' : { file: ref }, root),
  now: NOW,
  cwd: dir,
};
const parse = (text: string) => parsePolicyTestFile(text, 'suite.yaml', dir, context);

/** The `file:line:col: message` lines of the ConfigError `text` raises. */
function problems(text: string): string[] {
  try {
    parse(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  return assert.fail('expected a ConfigError');
}

describe('compareDecision', () => {
  const decision = defaultPolicy().decide(
    { ...passingInput(), gates: { ...passingInput().gates, security: { critical_cves: 1 } } },
    NOW,
  );

  it('matches names in any order and finds a message by substring', () => {
    const rules = decision.violations.map((v) => v.rule);
    assert.ok(rules.length > 1);
    assert.deepEqual(
      compareDecision(
        { outcome: 'deny', violations: [...rules].reverse(), message: '1 critical CVEs' },
        decision,
      ),
      [],
    );
  });

  it('says what differs, one line each', () => {
    assert.deepEqual(
      compareDecision(
        { outcome: 'allow', strategy: 'slow', violations: [], warnings: ['p2-incidents'], message: 'nope' },
        decision,
      ),
      [
        'outcome: expected allow, got deny',
        'strategy: expected slow, got tier1-progressive',
        `violations: expected [], got [${decision.violations.map((v) => v.rule).join(', ')}]`,
        'warnings: expected [p2-incidents], got []',
        `message: expected a violation message containing "nope", got ${decision.violations.map((v) => JSON.stringify(v.message)).join(', ')}`,
      ],
    );
  });

  it('leaves unmentioned fields unchecked', () => {
    assert.deepEqual(compareDecision({ outcome: 'deny' }, decision), []);
  });
});

describe('policy test files', () => {
  it('builds each input from defaults, its own input, patches and unsets', () => {
    const suite = parse(`
defaults:
  input-file: seed.json
  patch: { tier: 2 }
  at: 2026-11-21T10:00:00Z
  window: business-hours
cases:
  - name: from the defaults
    patch: { gates.security.critical_cves: 1, slo.new.deep: true }
    unset: [slo.fast_burn_rate, not.there]
    expect: { outcome: deny }
  - name: its own input and time
    input: { environment: staging }
    at: 2026-11-24T09:00:00+01:00
    in-flight: ignore
    expect: { outcome: allow }
`);
    const [first, second] = suite.cases;
    assert.equal(suite.policy.name, 'runway-default-release');
    assert.equal(first?.input['tier'], 2);
    assert.deepEqual((first?.input['gates'] as { security: unknown }).security, {
      ...passingInput().gates?.security,
      critical_cves: 1,
    });
    const slo = first?.input['slo'] as Record<string, unknown>;
    assert.equal(slo['fast_burn_rate'], undefined);
    assert.deepEqual(slo['new'], { deep: true });
    assert.equal(first?.at.toISOString(), '2026-11-21T10:00:00.000Z');
    assert.equal(first?.calendar?.name, 'business-hours');
    assert.equal(first?.inFlight, 'check');
    assert.deepEqual(first?.where, { file: 'suite.yaml', line: 8, col: 5 });
    assert.deepEqual(second?.input, { environment: 'staging', tier: 2 });
    assert.equal(second?.at.toISOString(), '2026-11-24T08:00:00.000Z');
    assert.equal(second?.inFlight, 'ignore');
  });

  it('accepts a bare list of cases, and JSON; without at and window a case runs at now', () => {
    const suite = parse(JSON.stringify([{ name: 'json', input: {}, expect: { outcome: 'deny' } }]));
    assert.equal(suite.cases.length, 1);
    assert.equal(suite.cases[0]?.at, NOW);
    assert.equal(suite.cases[0]?.calendar, undefined);
  });

  it('reports shape problems at their position, with what was expected', () => {
    assert.deepEqual(
      problems(`cases:
  - name: a
    input: {}
    expect: { outcome: maybe }
  - name: b
    input: {}
    expect: { outcome: deny, violation: [window] }
  - input: {}
    expect: { outcome: deny }
`),
      [
        'suite.yaml:4:24: cases.0.expect.outcome is "maybe" — expected "allow" or "deny"',
        'suite.yaml:7:30: unknown key "violation" (did you mean "violations"?) in cases.1.expect — expected one of: outcome, strategy, violations, warnings, message',
        'suite.yaml:8:5: cases.2 is missing "name" — it is required',
      ],
    );
    assert.match(problems('cases: [\n').join('\n'), /^suite\.yaml:2:1: invalid YAML: /);
    assert.match(problems('just text')[0] ?? '', /^suite\.yaml:1:1: a policy test file is a list of cases/);
  });

  it('reports problems of meaning: windows, times, inputs, names, policies', () => {
    assert.deepEqual(
      problems(`policy: nowhere.yaml
cases:
  - name: a
    input-file: missing.json
    window: lunch-break
    at: 2026-11-24T10:00:00Z
    expect: { outcome: deny }
  - name: a
    input: {}
    input-file: seed.json
    window: business-hours
    expect: { outcome: deny }
  - name: c
    at: 2026-02-30T10:00:00Z
    expect: { outcome: deny }
`),
      [
        'suite.yaml:1:9: policy: cannot read policy file nowhere.yaml',
        'suite.yaml:4:17: cannot read the input file missing.json: no such file',
        'suite.yaml:5:13: unknown window "lunch-break" — expected one of: business-hours (more from runway.yaml windows:, with -f)',
        'suite.yaml:8:11: case name "a" is used twice (also cases[0])',
        'suite.yaml:10:17: cases[1] has both input and input-file — give one',
        'suite.yaml:11:13: cases[1] ("a") names a window but no "at" — a window test needs a fixed time to be repeatable',
        'suite.yaml:13:5: cases[2] ("c") needs input or input-file (here or in defaults)',
        'suite.yaml:14:9: cases[2].at "2026-02-30T10:00:00Z" is not an RFC 3339 time with Z or an offset, e.g. 2026-11-24T10:00:00Z',
      ],
    );
  });

  it('refuses an input file that is not an object', () => {
    writeFileSync(join(dir, 'list.json'), '[1, 2]');
    writeFileSync(join(dir, 'broken.json'), '{"a":');
    const found = problems(`defaults: { input-file: list.json }
cases:
  - { name: a, expect: { outcome: deny } }
  - { name: b, input-file: broken.json, expect: { outcome: deny } }
`);
    assert.equal(found.length, 2);
    assert.match(found[0] ?? '', /^suite\.yaml:1:25: the input file list\.json must hold an object/);
    assert.match(found[1] ?? '', /^suite\.yaml:4:28: the input file broken\.json is not valid JSON/);
  });

  it('finds the files of a directory, not its subfolders, and never runway.yaml', () => {
    const files = policyTestFiles([FIXTURES], '/').map((f) => f.slice(FIXTURES.length));
    assert.ok(files.includes('windows.yaml'));
    assert.ok(
      files.every((f) => !f.includes('/')),
      files.join(', '),
    );
    const pipeline = policyTestFiles([join(FIXTURES, 'pipeline-windows')], '/');
    assert.deepEqual(
      pipeline.map((f) => f.slice(FIXTURES.length)),
      ['pipeline-windows/prod-calendar.yaml'],
    );
    assert.throws(() => policyTestFiles(['no/such/dir'], dir), /no such file or directory/);
  });
});

const store = await openStore(':memory:');

describe('runPolicyTests', () => {
  after(() => store.close());

  it('runs the seed fixture suites through the release gate, every case passing', async () => {
    const suites = policyTestFiles([FIXTURES], '/').map((f) => loadPolicyTestFile(f, context));
    const report = await runPolicyTests(suites, store);
    const failures = report.suites.flatMap((s) => s.cases.filter((c) => !c.ok));
    assert.deepEqual(failures, []);
    assert.equal(report.ok, true);
    assert.ok(report.passed >= 60, `only ${report.passed} cases`);
  });

  it('fails a case that expects the wrong decision, with what it got', async () => {
    const suite = parse(`
defaults: { input-file: ${JSON.stringify(SEED)}, at: 2026-11-21T10:00:00Z, window: business-hours }
cases:
  - name: right
    expect: { outcome: deny, violations: [window], message: 'outside deployment window: weekend' }
  - name: wrong
    expect: { outcome: allow }
`);
    const report = await runPolicyTests([suite], store);
    assert.equal(report.ok, false);
    assert.equal(report.passed, 1);
    assert.equal(report.failed, 1);
    const wrong = report.suites[0]?.cases[1];
    assert.deepEqual(wrong?.mismatches, ['outcome: expected allow, got deny']);
    assert.deepEqual(
      wrong?.got?.violations.map((v) => v.message),
      ['outside deployment window: weekend'],
    );
  });

  it('an environment that is not text denies, like any malformed input', async () => {
    const suite = parse(`
- name: object environment
  input-file: seed.json
  patch: { environment: { not: text } }
  expect: { outcome: deny, message: 'is not one of production, staging, development' }
`);
    const report = await runPolicyTests([suite], store);
    assert.deepEqual(report.suites[0]?.cases[0]?.mismatches, []);
    assert.equal(report.ok, true);
  });
});
