import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestMetrics } from './request-metrics.ts';
import { deltaSnapshots, errorRate } from './version-snapshot.ts';

test('deltaSnapshots gives what happened in the window, like increase()', () => {
  const m = new RequestMetrics([0.1, 1]);
  m.record('s', 'stable', 200, 0.05);
  m.record('s', 'stable', 500, 0.5);
  const before = m.snapshot();
  m.record('s', 'stable', 500, 0.05);
  m.record('s', 'stable', 200, 2);
  m.record('s', 'canary', 200, 0.05);
  const window = deltaSnapshots(m.snapshot(), before);
  assert.deepEqual(
    window.map((s) => [s.version, s.total, s.errors, s.codes, s.latency.cumulative, s.latency.count]),
    [
      ['canary', 1, 0, { 200: 1 }, [1, 1, 1], 1],
      ['stable', 2, 1, { 200: 1, 500: 1 }, [1, 1, 2], 2],
    ],
  );
  assert.ok(Math.abs((window[1]?.latency.sum ?? 0) - 2.05) < 1e-12);
  assert.equal(errorRate(window[1]!), 0.5);
  assert.ok(Number.isNaN(errorRate({ ...window[1]!, total: 0, errors: 0 })));
});
