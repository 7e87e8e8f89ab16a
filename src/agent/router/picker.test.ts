import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { WeightedPicker } from './picker.ts';

/** Per-mille weights for 1..5 backends that sum to exactly 1000, some of them 0. */
const weightsArb = fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 0, maxLength: 4 }).map((cuts) => {
  const sorted = [0, ...cuts.sort((a, b) => a - b), 1000];
  return sorted.slice(1).map((c, i) => c - (sorted[i] as number));
});

/** mulberry32, seeded: a reproducible stream in [0, 1). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('each of the 1000 tickets goes to its owner: shares are exact in 0.1 % steps', () => {
  fc.assert(
    fc.property(weightsArb, (weights) => {
      const picker = new WeightedPicker(weights);
      const counts = weights.map(() => 0);
      for (let k = 0; k < 1000; k++) counts[picker.pick((k + 0.5) / 1000)]!++;
      assert.deepEqual(counts, weights);
    }),
  );
});

test('a 0 weight is never chosen, whatever the draw', () => {
  fc.assert(
    fc.property(weightsArb, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (weights, r) => {
      assert.notEqual(weights[new WeightedPicker(weights).pick(r)], 0);
    }),
  );
});

test('over many random draws the observed shares converge to the weights', () => {
  fc.assert(
    fc.property(weightsArb, fc.integer(), (weights, seed) => {
      const picker = new WeightedPicker(weights);
      const random = seeded(seed);
      const draws = 20_000;
      const counts = weights.map(() => 0);
      for (let i = 0; i < draws; i++) counts[picker.pick(random())]!++;
      weights.forEach((w, i) => {
        const p = w / 1000;
        const tolerance = 5 * Math.sqrt((p * (1 - p)) / draws) + 1e-9;
        assert.ok(
          Math.abs(counts[i]! / draws - p) <= tolerance,
          `share ${counts[i]! / draws} for weight ${w}`,
        );
      });
    }),
    { numRuns: 30 },
  );
});

test('0.1 % is one ticket: [999, 1] sends exactly the last ticket to the canary', () => {
  const picker = new WeightedPicker([999, 1]);
  assert.equal(picker.pick(0.998999), 0);
  assert.equal(picker.pick(0.999), 1);
  assert.equal(picker.pick(0.9999999), 1);
});

test('draws outside [0, 1) are clamped, NaN goes to the first ticket', () => {
  const picker = new WeightedPicker([500, 500]);
  assert.equal(picker.pick(-1), 0);
  assert.equal(picker.pick(1), 1);
  assert.equal(picker.pick(NaN), 0);
});

test('weights that do not sum to 1000 are refused', () => {
  assert.throws(() => new WeightedPicker([500, 499]), /summing to 1000, got 500,499/);
  assert.throws(() => new WeightedPicker([1001, -1]), RangeError);
});
