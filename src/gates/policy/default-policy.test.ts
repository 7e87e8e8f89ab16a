import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPolicy } from './default-policy.ts';
import { leafPaths, passingInput, withChanges } from './gate-input.fixture.ts';
import type { GateInput } from './gate-input.ts';
import { policyContract } from './policy.contract.ts';
import type { Decision } from './policy.ts';

const policy = defaultPolicy();
const NOW = new Date('2026-01-06T10:00:00.000Z');
const decideWith = (changes: Record<string, unknown>): Decision =>
  policy.decide(withChanges(passingInput(), changes), NOW);

const STAGING = { environment: 'staging' };
const DEVELOPMENT = { environment: 'development' };

policyContract('default CEL policy', () => ({ policy, input: passingInput() }));

describe('default policy', () => {
  it('allows a fully passing tier-1 production release with tier1-progressive', () => {
    const decision = policy.decide(passingInput(), NOW);
    assert.equal(decision.outcome, 'allow');
    assert.equal(decision.strategy, 'tier1-progressive');
    assert.deepEqual(decision.violations, []);
    assert.deepEqual(decision.warnings, []);
    assert.equal(decision.policy.name, 'runway-default-release');
  });

  const violations: [string, Record<string, unknown>, string, boolean][] = [
    [
      'build-typescript',
      { 'gates.build.typescript': 'fail' },
      'build check typescript result is fail, expected pass',
      true,
    ],
    [
      'build-compile',
      { 'gates.build.compile': 'fail' },
      'build check compile result is fail, expected pass',
      true,
    ],
    [
      'build-lint',
      { 'gates.build.lint': 'skipped' },
      'build check lint result is skipped, expected pass',
      true,
    ],
    [
      'build-format',
      { 'gates.build.format': 'fail' },
      'build check format result is fail, expected pass',
      true,
    ],
    ['unit-tests', { 'gates.quality.unit_tests': 'fail' }, 'unit tests result is fail, expected pass', true],
    [
      'integration-tests',
      { 'gates.quality.integration_tests': 'fail' },
      'integration tests result is fail, expected pass',
      true,
    ],
    [
      'golden-path',
      { 'gates.quality.golden_path': 'fail' },
      'golden path result is fail, expected pass',
      true,
    ],
    [
      'coverage',
      { 'gates.quality.coverage': 72.5 },
      'coverage 72.5% is below the tier 1 minimum of 80%',
      true,
    ],
    [
      'coverage',
      { 'gates.quality.coverage': 79.9 },
      'coverage 79.9% is below the tier 1 minimum of 80%',
      true,
    ],
    [
      'coverage',
      { tier: 2, 'gates.quality.coverage': 69.9 },
      'coverage 69.9% is below the tier 2 minimum of 70%',
      true,
    ],
    [
      'coverage',
      { tier: 3, 'gates.quality.coverage': 59 },
      'coverage 59% is below the tier 3 minimum of 60%',
      true,
    ],
    [
      'critical-cves',
      { 'gates.security.critical_cves': 1 },
      '1 critical CVEs found; the limit is 0 in every environment',
      false,
    ],
    [
      'critical-cves',
      { ...DEVELOPMENT, 'gates.security.critical_cves': 2 },
      '2 critical CVEs found; the limit is 0 in every environment',
      false,
    ],
    [
      'critical-cves',
      { 'gates.security.critical_cves': -1 },
      '-1 critical CVEs found; the limit is 0 in every environment',
      false,
    ],
    ['high-cves', { 'gates.security.high_cves': 1 }, '1 high CVEs found; the production limit is 0', true],
    [
      'high-cves',
      { ...STAGING, 'gates.security.high_cves': 6 },
      '6 high CVEs found; the staging limit is 5',
      true,
    ],
    [
      'high-cves',
      { ...DEVELOPMENT, 'gates.security.high_cves': 11 },
      '11 high CVEs found; the development limit is 10',
      true,
    ],
    [
      'secrets',
      { 'gates.security.secrets_found': 1 },
      '1 secrets found; the limit is 0 in every environment',
      false,
    ],
    [
      'image-signed',
      { 'gates.security.image_signed': false },
      'the image is not signed; a signature is required in production',
      true,
    ],
    [
      'image-signed',
      { ...STAGING, 'gates.security.image_signed': false },
      'the image is not signed; a signature is required in staging',
      true,
    ],
    [
      'slsa-level',
      { 'gates.security.slsa_level': 2 },
      'SLSA level 2 is below the production minimum of 3',
      true,
    ],
    [
      'slsa-level',
      { ...STAGING, 'gates.security.slsa_level': 1 },
      'SLSA level 1 is below the staging minimum of 2',
      true,
    ],
    [
      'slsa-level',
      { ...DEVELOPMENT, 'gates.security.slsa_level': 0 },
      'SLSA level 0 is below the development minimum of 1',
      true,
    ],
    ['fast-burn', { 'slo.fast_burn_rate': 14.5 }, 'fast burn rate 14.5 is above the limit of 14.4', true],
    ['slow-burn', { 'slo.slow_burn_rate': 6.1 }, 'slow burn rate 6.1 is above the limit of 6', true],
    ['p1-incidents', { 'slo.active_p1_incidents': 1 }, '1 active P1 incidents; the limit is 0', true],
    ['rollbacks', { 'slo.rollbacks_last_24h': 2 }, '2 rollbacks in the last 24h; the limit is 1', true],
    [
      'window',
      { window: { open: false, reason: 'Friday afternoon' } },
      'outside deployment window: Friday afternoon',
      true,
    ],
    ['window', { window: { open: false } }, 'outside deployment window: no reason given', true],
    ['tier', { tier: 1.5, 'gates.quality.coverage': 90 }, 'tier 1.5 is not one of 1, 2, 3', false],
  ];
  for (const [rule, changes, message, overridable] of violations) {
    it(`denies ${rule}: ${message}`, () => {
      const decision = decideWith(changes);
      assert.equal(decision.outcome, 'deny');
      assert.deepEqual(decision.violations.slice(0, 1), [{ rule, message, overridable }]);
      if (rule !== 'tier') assert.equal(decision.violations.length, 1, JSON.stringify(decision.violations));
    });
  }

  it('denies an error budget below 10%, naming value and limit, and picks slow', () => {
    const decision = decideWith({ 'slo.error_budget_remaining': 9.5 });
    assert.equal(decision.outcome, 'deny');
    assert.equal(decision.strategy, 'slow');
    assert.deepEqual(decision.violations, [
      {
        rule: 'error-budget',
        message: 'error budget remaining 9.5% is below the minimum of 10%',
        overridable: true,
      },
    ]);
    assert.deepEqual(decision.warnings, []);
  });

  it('denies an unknown environment without override, and cannot read its limits', () => {
    const decision = decideWith({ environment: 'qa' });
    assert.equal(decision.outcome, 'deny');
    assert.deepEqual(decision.violations[0], {
      rule: 'environment',
      message: 'environment qa is not one of production, staging, development',
      overridable: false,
    });
    const unreadable = decision.violations.filter((v) => v.message.includes('could not be evaluated'));
    assert.deepEqual(
      unreadable.map((v) => v.rule),
      ['high-cves', 'slsa-level'],
    );
  });

  const edges: [string, Record<string, unknown>][] = [
    ['coverage exactly at the tier 1 minimum', { 'gates.quality.coverage': 80 }],
    ['coverage exactly at the tier 2 minimum', { tier: 2, 'gates.quality.coverage': 70 }],
    ['coverage exactly at the tier 3 minimum', { tier: 3, 'gates.quality.coverage': 60 }],
    ['5 high CVEs in staging', { ...STAGING, 'gates.security.high_cves': 5, 'gates.security.slsa_level': 2 }],
    ['10 high CVEs in development', { ...DEVELOPMENT, 'gates.security.high_cves': 10 }],
    ['an unsigned image in development', { ...DEVELOPMENT, 'gates.security.image_signed': false }],
    ['SLSA 1 in development', { ...DEVELOPMENT, 'gates.security.slsa_level': 1 }],
    ['a fast burn rate of exactly 14.4', { 'slo.fast_burn_rate': 14.4 }],
    ['a slow burn rate of exactly 6', { 'slo.slow_burn_rate': 6 }],
    ['an error budget of exactly 25%', { 'slo.error_budget_remaining': 25 }],
  ];
  for (const [what, changes] of edges) {
    it(`allows ${what} without warnings`, () => {
      const decision = decideWith(changes);
      assert.deepEqual(decision.violations, []);
      assert.deepEqual(decision.warnings, []);
      assert.equal(decision.outcome, 'allow');
    });
  }

  const warnings: [string, Record<string, unknown>, string][] = [
    ['error-budget-low', { 'slo.error_budget_remaining': 10 }, 'error budget remaining 10% is below 25%'],
    ['error-budget-low', { 'slo.error_budget_remaining': 24.9 }, 'error budget remaining 24.9% is below 25%'],
    ['p2-incidents', { 'slo.active_p2_incidents': 1 }, '1 active P2 incidents'],
    ['recent-rollback', { 'slo.rollbacks_last_24h': 1 }, '1 rollback in the last 24h; 2 deny'],
    [
      'emergency-override',
      { emergency_override: true },
      'emergency_override is set but bypasses nothing; use an audited override with a reason',
    ],
  ];
  for (const [rule, changes, message] of warnings) {
    it(`allows with a warning ${rule}: ${message}`, () => {
      const decision = decideWith(changes);
      assert.equal(decision.outcome, 'allow');
      assert.deepEqual(decision.warnings, [{ rule, message }]);
    });
  }

  it('does not let emergency_override allow a denied release', () => {
    const decision = decideWith({ emergency_override: true, window: { open: false, reason: 'weekend' } });
    assert.equal(decision.outcome, 'deny');
    assert.equal(decision.violations[0]?.rule, 'window');
  });

  const strategies: [string, Record<string, unknown>, string][] = [
    ['tier 1', {}, 'tier1-progressive'],
    ['tier 2', { tier: 2 }, 'tier2-standard'],
    ['tier 3 (default)', { tier: 3 }, 'tier2-standard'],
    ['tier 1 with 50% budget left', { 'slo.error_budget_remaining': 50 }, 'tier1-progressive'],
    ['tier 1 with 49.9% budget left', { 'slo.error_budget_remaining': 49.9 }, 'slow'],
    ['tier 2 with 30% budget left', { tier: 2, 'slo.error_budget_remaining': 30 }, 'slow'],
  ];
  for (const [what, changes, strategy] of strategies) {
    it(`picks ${strategy} for ${what}`, () => {
      const decision = decideWith(changes);
      assert.equal(decision.outcome, 'allow');
      assert.equal(decision.strategy, strategy);
    });
  }
});

describe('default policy: missing or broken data denies', () => {
  const optional = new Set(['service', 'version', 'image', 'emergency_override']);
  for (const path of leafPaths(passingInput()).filter((p) => !optional.has(p))) {
    it(`denies when ${path} is missing`, () => {
      const decision = decideWith({ [path]: undefined });
      assert.equal(decision.outcome, 'deny');
      const missing = decision.violations.filter((v) => v.message.endsWith(`input.${path} is missing`));
      assert.ok(missing.length > 0, JSON.stringify(decision.violations));
      assert.match(missing[0]?.message ?? '', /^rule [a-z0-9-]+ could not be evaluated: input\./);
    });
  }

  it('keeps a never-overridable rule never overridable when its data is missing', () => {
    const decision = decideWith({ 'gates.security.critical_cves': undefined });
    assert.deepEqual(decision.violations, [
      {
        rule: 'critical-cves',
        message: 'rule critical-cves could not be evaluated: input.gates.security.critical_cves is missing',
        overridable: false,
      },
    ]);
  });

  it('denies when a whole section is missing', () => {
    for (const section of ['gates', 'slo', 'window', 'gates.security']) {
      const decision = decideWith({ [section]: undefined });
      assert.equal(decision.outcome, 'deny', section);
      assert.ok(decision.violations.every((v) => v.message.includes(`input.${section}`)));
    }
  });

  const broken: [string, Record<string, unknown>, string][] = [
    ['coverage is NaN', { 'gates.quality.coverage': Number.NaN }, 'coverage'],
    ['coverage is text', { 'gates.quality.coverage': '80' }, 'coverage'],
    ['coverage is null', { 'gates.quality.coverage': null }, 'coverage'],
    ['high CVEs are null', { 'gates.security.high_cves': null }, 'high-cves'],
    ['the build result is null', { 'gates.build.lint': null }, 'build-lint'],
    ['image_signed is the text "true"', { 'gates.security.image_signed': 'true' }, 'image-signed'],
    ['window.open is the text "true"', { 'window.open': 'true' }, 'window'],
    ['the burn rate is negative', { 'slo.fast_burn_rate': -1 }, 'fast-burn'],
  ];
  for (const [what, changes, rule] of broken) {
    it(`denies when ${what}`, () => {
      const decision = decideWith(changes);
      assert.equal(decision.outcome, 'deny');
      assert.ok(
        decision.violations.some((v) => v.rule === rule),
        JSON.stringify(decision.violations),
      );
    });
  }

  it('denies an empty input with a reason for every rule', () => {
    const decision = policy.decide({} as GateInput, NOW);
    assert.equal(decision.outcome, 'deny');
    assert.equal(decision.strategy, undefined);
    assert.ok(decision.violations.length >= 20);
    assert.ok(decision.violations.every((v) => v.message.includes('could not be evaluated')));
  });
});

describe('default policy: SLO with insufficient data', () => {
  const REASON = 'error budget unknown: data covers 12% of the last 30d, below the 90% required';
  const unknown = (...fields: string[]) => ({
    'slo.status': 'insufficient-data',
    'slo.reason': REASON,
    ...Object.fromEntries(fields.map((f) => [`slo.${f}`, undefined])),
  });
  const ALL = ['error_budget_remaining', 'fast_burn_rate', 'slow_burn_rate'];
  const UNKNOWN = { rule: 'slo-unknown', message: REASON };

  const cases: [
    string,
    Record<string, unknown>,
    {
      outcome: 'allow' | 'deny';
      strategy?: string;
      violations: string[];
      warnings: { rule: string; message: string }[];
    },
  ][] = [
    [
      'nothing known allows with a warning and the slow strategy',
      unknown(...ALL),
      { outcome: 'allow', strategy: 'slow', violations: [], warnings: [UNKNOWN] },
    ],
    [
      'an unknown budget alone',
      unknown('error_budget_remaining'),
      { outcome: 'allow', strategy: 'slow', violations: [], warnings: [UNKNOWN] },
    ],
    [
      'unknown burn rates alone',
      unknown('fast_burn_rate', 'slow_burn_rate'),
      { outcome: 'allow', strategy: 'slow', violations: [], warnings: [UNKNOWN] },
    ],
    [
      'tier 2 in staging',
      { ...unknown(...ALL), ...STAGING, tier: 2, 'gates.security.slsa_level': 2 },
      { outcome: 'allow', strategy: 'slow', violations: [], warnings: [UNKNOWN] },
    ],
    [
      'a known fast burn above the limit still denies',
      { ...unknown('error_budget_remaining', 'slow_burn_rate'), 'slo.fast_burn_rate': 20 },
      { outcome: 'deny', strategy: 'slow', violations: ['fast-burn'], warnings: [UNKNOWN] },
    ],
    [
      'a known budget below the minimum still denies',
      { ...unknown('fast_burn_rate', 'slow_burn_rate'), 'slo.error_budget_remaining': 5 },
      { outcome: 'deny', strategy: 'slow', violations: ['error-budget'], warnings: [UNKNOWN] },
    ],
    [
      'a known low budget still warns',
      { ...unknown('fast_burn_rate'), 'slo.error_budget_remaining': 20 },
      {
        outcome: 'allow',
        strategy: 'slow',
        violations: [],
        warnings: [{ rule: 'error-budget-low', message: 'error budget remaining 20% is below 25%' }, UNKNOWN],
      },
    ],
    [
      'a budget that is text is broken, not unknown',
      { ...unknown(), 'slo.error_budget_remaining': '80' },
      {
        outcome: 'deny',
        strategy: 'slow',
        violations: ['error-budget', 'error-budget-low'],
        warnings: [UNKNOWN],
      },
    ],
    [
      'a missing budget with status measured denies',
      { 'slo.status': 'measured', 'slo.error_budget_remaining': undefined },
      { outcome: 'deny', violations: ['error-budget', 'error-budget-low', 'strategy[0]'], warnings: [] },
    ],
    [
      'a missing budget with another status denies',
      { 'slo.status': 'unknown', 'slo.error_budget_remaining': undefined },
      { outcome: 'deny', violations: ['error-budget', 'error-budget-low', 'strategy[0]'], warnings: [] },
    ],
    [
      'the status without a reason still explains itself',
      { ...unknown(...ALL), 'slo.reason': undefined },
      {
        outcome: 'allow',
        strategy: 'slow',
        violations: [],
        warnings: [{ rule: 'slo-unknown', message: 'SLO data insufficient, no reason given' }],
      },
    ],
  ];
  for (const [what, changes, expected] of cases) {
    it(what, () => {
      const decision = decideWith(changes);
      assert.equal(decision.outcome, expected.outcome, JSON.stringify(decision.violations));
      assert.equal(decision.strategy, expected.strategy);
      assert.deepEqual(
        decision.violations.map((v) => v.rule),
        expected.violations,
      );
      assert.deepEqual(decision.warnings, expected.warnings);
    });
  }

  it('denies every unknown SLO value when the status is missing, naming it', () => {
    const decision = decideWith({ ...unknown(...ALL), 'slo.status': undefined });
    assert.equal(decision.outcome, 'deny');
    const missing = decision.violations.map((v) => v.message).filter((m) => m.includes('is missing'));
    for (const field of ALL)
      assert.ok(
        missing.some((m) => m.endsWith(`input.slo.${field} is missing`)),
        field,
      );
  });
});
