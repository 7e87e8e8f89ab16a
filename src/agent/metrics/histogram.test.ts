import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, histogramQuantile, validateBuckets } from './histogram.ts';

const h = (values: number[], bounds = [0.1, 0.5, 1]) => {
  const x = new Histogram(validateBuckets(bounds));
  for (const v of values) x.observe(v);
  return x.snapshot();
};

test('an observation equal to a bound falls in that bucket (le is inclusive)', () => {
  assert.deepEqual(h([0.1, 0.5, 1, 1.01]).cumulative, [1, 2, 3, 4]);
});

test('histogramQuantile interpolates inside the bucket like PromQL', () => {
  // 10 observations: 4 ≤ 0.1, 4 in (0.1, 0.5], 2 in (0.5, 1]
  const s = h([0.05, 0.05, 0.05, 0.05, 0.3, 0.3, 0.3, 0.3, 0.7, 0.7]);
  assert.equal(histogramQuantile(0.4, s), 0.1);
  assert.ok(Math.abs(histogramQuantile(0.6, s) - 0.3) < 1e-12);
  assert.ok(Math.abs(histogramQuantile(0.95, s) - 0.875) < 1e-12);
  assert.ok(Math.abs(histogramQuantile(0.2, s) - 0.05) < 1e-12);
});

test('histogramQuantile gives the highest finite bound for the +Inf bucket and NaN when empty', () => {
  assert.equal(histogramQuantile(0.99, h([5, 5, 5])), 1);
  assert.ok(Number.isNaN(histogramQuantile(0.5, h([]))));
  assert.equal(histogramQuantile(0, h([0.3])), 0.1);
});
