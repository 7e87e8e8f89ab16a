import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, T0 } from './baselines.fixture.ts';
import type { VersionSample } from './judge.ts';
import { indexAt, latencyCount, versionDelta } from './window.ts';

const series: VersionSample[] = [
  {
    at: at(0),
    requests: 100,
    errors: 1,
    latencySamples: [9],
    latencyBuckets: [
      { le: 0.5, count: 90 },
      { le: Infinity, count: 100 },
    ],
  },
  {
    at: at(10),
    requests: 150,
    errors: 2,
    latencySamples: [0.1, 0.2],
    latencyBuckets: [
      { le: 0.5, count: 130 },
      { le: Infinity, count: 150 },
    ],
  },
  {
    at: at(20),
    requests: 230,
    errors: 6,
    latencySamples: [0.3],
    latencyBuckets: [
      { le: 0.5, count: 200 },
      { le: Infinity, count: 230 },
    ],
  },
];

describe('window deltas', () => {
  it('finds the newest sample at or before an instant', () => {
    assert.equal(indexAt(series, at(-1).getTime()), -1);
    assert.equal(indexAt(series, at(0).getTime()), 0);
    assert.equal(indexAt(series, at(15).getTime()), 1);
    assert.equal(indexAt(series, at(99).getTime()), 2);
  });

  it('subtracts the counters and buckets of the window’s first sample and gathers the raw latencies after it', () => {
    const d = versionDelta(series, at(0).getTime(), at(20).getTime());
    assert.equal(d.requests, 130);
    assert.equal(d.errors, 5);
    assert.deepEqual(d.latencyBuckets, [
      { le: 0.5, count: 110 },
      { le: Infinity, count: 130 },
    ]);
    assert.deepEqual(d.latencySamples, [0.1, 0.2, 0.3]);
    assert.equal(latencyCount(d), 130);
  });

  it('counts a series that starts inside the window from zero, and an empty window as nothing', () => {
    const d = versionDelta(series, T0.getTime() - 60_000, at(10).getTime());
    assert.equal(d.requests, 150);
    assert.deepEqual(d.latencySamples, [9, 0.1, 0.2]);
    assert.deepEqual(versionDelta(series, at(20).getTime(), at(30).getTime()), { requests: 0, errors: 0 });
    assert.deepEqual(versionDelta(series, at(-20).getTime(), at(-10).getTime()), { requests: 0, errors: 0 });
  });
});
