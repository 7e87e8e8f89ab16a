import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultPolicy } from './default-policy.ts';
import { passingInput, withChanges } from './gate-input.fixture.ts';
import { ENVIRONMENTS, TIERS } from './gate-input.ts';

const policy = defaultPolicy();
const NOW = new Date('2026-01-06T10:00:00.000Z');

interface Numeric {
  /** +1 when a higher value is worse, -1 when a lower one is. */
  worse: 1 | -1;
  count: boolean;
  /** Values that pass. */
  good: fc.Arbitrary<number>;
  /** Values across the thresholds. */
  any: fc.Arbitrary<number>;
}

const real = (min: number, max: number) => fc.double({ min, max, noNaN: true });
const count = (good: number, max: number): Pick<Numeric, 'count' | 'good' | 'any'> => ({
  count: true,
  good: fc.constant(good),
  any: fc.nat(max),
});

const NUMERIC: Record<string, Numeric> = {
  'gates.quality.coverage': { worse: -1, count: false, good: real(80, 100), any: real(50, 100) },
  'gates.security.critical_cves': { worse: 1, ...count(0, 3) },
  'gates.security.high_cves': { worse: 1, ...count(0, 12) },
  'gates.security.secrets_found': { worse: 1, ...count(0, 3) },
  'gates.security.slsa_level': { worse: -1, ...count(3, 4) },
  'slo.error_budget_remaining': { worse: -1, count: false, good: real(50, 100), any: real(-20, 100) },
  'slo.fast_burn_rate': { worse: 1, count: false, good: real(0, 14.4), any: real(10, 20) },
  'slo.slow_burn_rate': { worse: 1, count: false, good: real(0, 6), any: real(3, 9) },
  'slo.active_p1_incidents': { worse: 1, ...count(0, 2) },
  'slo.active_p2_incidents': { worse: 1, ...count(0, 2) },
  'slo.rollbacks_last_24h': { worse: 1, ...count(0, 3) },
};
const FIELDS = Object.keys(NUMERIC);

/** The field under test ranges across its thresholds; the others mostly pass, so allows are common. */
const cases = fc.constantFrom(...FIELDS).chain((field) =>
  fc.record({
    field: fc.constant(field),
    step: real(1e-6, 10),
    input: fc
      .record({
        tier: fc.constantFrom(...TIERS),
        environment: fc.constantFrom(...ENVIRONMENTS),
        ...Object.fromEntries(
          Object.entries(NUMERIC).map(([f, n]) => [
            f,
            f === field
              ? n.any
              : fc.oneof({ arbitrary: n.good, weight: 19 }, { arbitrary: n.any, weight: 1 }),
          ]),
        ),
      })
      .map((changes) => withChanges(passingInput(), changes)),
  }),
);

describe('default policy: monotonic in every numeric input', () => {
  it('making one numeric security or SLO input strictly worse never turns deny into allow', () => {
    let allowed = 0;
    let denied = 0;
    fc.assert(
      fc.property(cases, ({ field, step, input }) => {
        const numeric = NUMERIC[field] as Numeric;
        const current = field.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], input);
        const worse = (current as number) + numeric.worse * (numeric.count ? Math.ceil(step) : step);
        fc.pre(worse !== current);
        const before = policy.decide(input, NOW);
        const after = policy.decide(withChanges(input, { [field]: worse }), NOW);
        if (before.outcome === 'allow') allowed++;
        else denied++;
        if (before.outcome === 'deny') assert.equal(after.outcome, 'deny', `${field}: ${current} → ${worse}`);
      }),
      { numRuns: 1000 },
    );
    assert.ok(
      allowed > 100 && denied > 100,
      `allowed ${allowed}, denied ${denied}: too one-sided to mean much`,
    );
  });
});
