import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestMetrics } from './request-metrics.ts';
import { deltaSnapshots } from './version-snapshot.ts';

function twoEnvironments(): RequestMetrics {
  const m = new RequestMetrics([0.1, 1]);
  m.record('checkout-api', '1.0.0', 200, 0.05, 'staging');
  m.record('checkout-api', '1.0.0', 500, 0.05, 'production');
  m.record('checkout-api', '1.0.0', 200, 0.5, 'production');
  return m;
}

test('the environment label follows the seeds labels; the metric names stay the same', () => {
  const lines = twoEnvironments().render().split('\n');
  assert.ok(
    lines.includes(
      'http_requests_total{service="checkout-api",version="1.0.0",code="500",environment="production"} 1',
    ),
  );
  assert.ok(
    lines.includes(
      'http_request_duration_seconds_bucket{service="checkout-api",version="1.0.0",le="+Inf",environment="staging"} 1',
    ),
  );
  assert.ok(
    lines.includes(
      'http_request_duration_seconds_count{service="checkout-api",version="1.0.0",environment="production"} 2',
    ),
  );
});

test('the same version in two environments is two series; snapshot filters by environment', () => {
  const m = twoEnvironments();
  assert.deepEqual(
    m.snapshot('checkout-api').map((s) => [s.environment, s.total, s.errors]),
    [
      ['production', 2, 1],
      ['staging', 1, 0],
    ],
  );
  assert.deepEqual(
    m.snapshot('checkout-api', 'staging').map((s) => [s.environment, s.version, s.total]),
    [['staging', '1.0.0', 1]],
  );
  assert.deepEqual(m.snapshot('checkout-api', 'qa'), []);
});

test('deltaSnapshots keeps environments apart', () => {
  const m = twoEnvironments();
  const before = m.snapshot();
  m.record('checkout-api', '1.0.0', 200, 0.05, 'staging');
  const window = deltaSnapshots(m.snapshot(), before);
  assert.deepEqual(
    window.map((s) => [s.environment, s.total]),
    [
      ['production', 0],
      ['staging', 1],
    ],
  );
});

test('series recorded without an environment carry no environment label or field', () => {
  const m = new RequestMetrics();
  m.record('a', 'v', 200, 0.01);
  assert.ok(!m.render().includes('environment'));
  assert.ok(!('environment' in (m.snapshot()[0] ?? {})));
});
