import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_BUCKETS, Histogram } from '../agent/metrics/histogram.ts';
import type { VersionSnapshot } from '../agent/metrics/version-snapshot.ts';
import { sinceStart, trafficPoint } from './stream.ts';
import { weightsOverTime } from './views.ts';

test('weights over time: 0 at the start, then every weight-set of the history, in order', () => {
  const history = [
    { at: '2026-12-07T10:00:01Z', event: 'instances-started', detail: '2 × v2-r2 (revision 2)' },
    { at: '2026-12-07T10:00:02Z', event: 'weight-set', detail: '1% of traffic to v2-r2' },
    { at: '2026-12-07T10:00:05Z', event: 'weight-set', detail: '12.5% of traffic to v2-r2' },
    { at: '2026-12-07T10:00:09Z', event: 'rolled-back', detail: 'analysis failed' },
    { at: '2026-12-07T10:00:09Z', event: 'weight-set', detail: '0% of traffic to v2-r2' },
  ];
  assert.deepEqual(weightsOverTime(history, '2026-12-07T10:00:00Z'), [
    { at: '2026-12-07T10:00:00Z', percent: 0 },
    { at: '2026-12-07T10:00:02Z', percent: 1 },
    { at: '2026-12-07T10:00:05Z', percent: 12.5 },
    { at: '2026-12-07T10:00:09Z', percent: 0 },
  ]);
});

test('weights over time: one point per weight-set, each between 0 and 100', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 20 }), (perMille) => {
      const history = perMille.map((w, i) => ({
        at: new Date(Date.UTC(2026, 11, 7, 10, 0, i)).toISOString(),
        event: 'weight-set',
        detail: `${w / 10}% of traffic to v2`,
      }));
      const points = weightsOverTime(history, '2026-12-07T09:59:59.000Z');
      assert.equal(points.length, perMille.length + 1);
      assert.deepEqual(
        points.slice(1).map((p) => p.percent),
        perMille.map((w) => w / 10),
      );
    }),
  );
});

function snapshot(version: string, ok: number, errors: number, seconds: number): VersionSnapshot {
  const h = new Histogram(DEFAULT_BUCKETS);
  for (let i = 0; i < ok + errors; i++) h.observe(seconds);
  return {
    service: 'shop',
    version,
    total: ok + errors,
    errors,
    codes: { '200': ok, '500': errors },
    latency: h.snapshot(),
  };
}

test('a traffic point: each version’s error ratio and p95 over the second; none without requests', () => {
  const point = trafficPoint(
    [snapshot('canary', 7, 3, 0.2), snapshot('stable', 100, 0, 0.02), snapshot('idle', 0, 0, 0)],
    100,
    new Date('2026-12-07T10:00:00Z'),
  );
  assert.equal(point.weight, 100);
  assert.equal(point.versions['canary']?.errorRatio, 0.3);
  assert.equal(point.versions['stable']?.errorRatio, 0);
  assert.ok((point.versions['canary']?.p95ms ?? 0) > (point.versions['stable']?.p95ms ?? 0));
  assert.deepEqual(point.versions['idle'], { total: 0, errorRatio: null, p95ms: null });
  assert.deepEqual(sinceStart([snapshot('canary', 8, 2, 0.1)]), { canary: { total: 10, errorRatio: 0.2 } });
});
