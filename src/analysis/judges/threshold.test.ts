import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, canaryServing } from './baselines.fixture.ts';
import { bucketQuantile, sampleQuantile } from './quantile.ts';
import { checkConditions, measure, SEED_CONDITIONS } from './threshold.ts';

describe('threshold measurement', () => {
  it('measures the error ratio and p95 of the canary over its window', () => {
    const o = canaryServing([
      { requests: 1000, errors: 10 },
      { requests: 1000, errors: 30, slow: 100 },
    ]);
    const last = measure(o, at(120).getTime(), 60_000, SEED_CONDITIONS.dawsOs);
    assert.equal(last.requests, 1000);
    assert.equal(last.values['error-ratio'], 0.03);
    // 900 requests ≤ 0.25 s, 100 in (1, 2.5]: rank 950 is half-way into the last bucket → 1.75 s
    assert.equal(last.values['latency-p95'], 1.75);
    assert.equal(last.phase, 'failed');
    assert.match(last.message, /error-ratio = 0.03, want ≤ 0.005; latency-p95 = 1.75, want ≤ 1.2/);
    const both = measure(o, at(120).getTime(), 300_000, SEED_CONDITIONS.dawsOs);
    assert.equal(both.windowMs, 120_000, 'a window reaching before startedAt is clipped');
    assert.equal(both.values['error-ratio'], 0.02);
  });

  it('tells strict conditions from inclusive ones at the boundary', () => {
    const o = canaryServing([{ requests: 1000, errors: 20 }]);
    const strict = checkConditions([{ metric: 'error-ratio', below: 0.02 }]);
    const inclusive = checkConditions([{ metric: 'error-ratio', atMost: 0.02 }]);
    assert.equal(measure(o, at(60).getTime(), 60_000, strict).phase, 'failed');
    assert.equal(measure(o, at(60).getTime(), 60_000, inclusive).phase, 'successful');
  });

  it('is an error, not a failure, when the window has no requests', () => {
    const o = canaryServing([{ requests: 0, errors: 0 }]);
    const m = measure(o, at(60).getTime(), 60_000, SEED_CONDITIONS.companyOs);
    assert.equal(m.phase, 'error');
    assert.match(m.message, /no requests in the window/);
  });

  it('reads latency quantiles like histogram_quantile, and from raw samples', () => {
    const buckets = [
      { le: 0.1, count: 4 },
      { le: 0.5, count: 8 },
      { le: 1, count: 10 },
      { le: Infinity, count: 10 },
    ];
    assert.ok(Math.abs(bucketQuantile(0.95, buckets, 10) - 0.875) < 1e-12);
    assert.ok(Math.abs(bucketQuantile(0.95, buckets.slice(0, 3), 10) - 0.875) < 1e-12);
    assert.equal(sampleQuantile(0.5, [3, 1, 2]), 2);
    assert.equal(sampleQuantile(0.95, [0, 10]), 9.5);
    assert.ok(Number.isNaN(sampleQuantile(0.5, [])));
  });

  it('refuses malformed conditions when built', () => {
    assert.throws(() => checkConditions([]), /at least one condition/);
    assert.throws(() => checkConditions([{ metric: 'error-ratio' }]), /exactly one of below and atMost/);
    assert.throws(() => checkConditions([{ metric: 'error-ratio', below: 1, atMost: 1 }]), /exactly one/);
    assert.throws(
      () => checkConditions([{ metric: 'latency', quantile: 95, below: 1 }]),
      /quantile must be in \(0, 1\), got 95/,
    );
  });
});
