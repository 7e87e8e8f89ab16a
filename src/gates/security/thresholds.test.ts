import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_LIMITS, exceeded, LIMITED, limitsFor, type Counts, type Environment } from './thresholds.ts';

const none: Counts = { critical: 0, high: 0, medium: 0, low: 0, secrets: 0 };

describe('security limits', () => {
  it('follow the seed table', () => {
    assert.deepEqual(DEFAULT_LIMITS, {
      production: { critical: 0, high: 0, secrets: 0 },
      staging: { critical: 0, high: 5, secrets: 0 },
      development: { critical: 0, high: 10, secrets: 0 },
    });
  });

  it('take overrides key by key and are frozen', () => {
    const limits = limitsFor('staging', { high: 7, medium: 20 });
    assert.deepEqual(limits, { critical: 0, high: 7, secrets: 0, medium: 20 });
    assert.ok(Object.isFrozen(limits));
  });

  it('reject an unknown environment, naming it', () => {
    assert.throws(
      () => limitsFor('prod' as Environment),
      /unknown environment "prod", expected one of: production/,
    );
  });

  it('allow high up to the limit and fail one above it, per environment', () => {
    for (const [env, limit] of [
      ['production', 0],
      ['staging', 5],
      ['development', 10],
    ] as const) {
      assert.deepEqual(exceeded({ ...none, high: limit }, limitsFor(env)), [], env);
      assert.deepEqual(exceeded({ ...none, high: limit + 1 }, limitsFor(env)), [
        `high ${limit + 1} exceeds the limit of ${limit}`,
      ]);
    }
  });

  it('fail on one critical or one secret everywhere, and never on low', () => {
    for (const env of ['production', 'staging', 'development'] as const) {
      assert.deepEqual(
        exceeded({ ...none, critical: 1, secrets: 1, low: 999, medium: 999 }, limitsFor(env)),
        ['critical 1 exceeds the limit of 0', 'secrets 1 exceeds the limit of 0'],
      );
    }
  });

  it('pass exactly when no count is above its limit', () => {
    const count = fc.nat({ max: 20 });
    fc.assert(
      fc.property(
        fc.record({ critical: count, high: count, medium: count, low: count, secrets: count }),
        fc.record({ critical: count, high: count, medium: count, secrets: count }),
        (c, l) => {
          const within = LIMITED.every((k) => c[k] <= l[k]);
          assert.equal(exceeded(c, l).length === 0, within);
        },
      ),
    );
  });
});
