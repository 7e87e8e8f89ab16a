import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { histogramQuantile } from '../../agent/metrics/histogram.ts';
import { RequestMetrics } from '../../agent/metrics/request-metrics.ts';
import type { VersionSnapshot } from '../../agent/metrics/version-snapshot.ts';
import type { BuiltinMetric, BuiltinQuery, MetricQuery } from '../provider.ts';
import { BuiltinProvider } from './builtin.ts';
import { ProviderConfigError } from './config-error.ts';
import { providerContract, testContext } from './provider.contract.ts';

const SERVICE = 'checkout-api';
const ARGS = { service: SERVICE, 'canary.version': 'v2', 'stable.version': 'v1' };
const T0 = Date.parse('2026-01-06T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

const query = (metric: BuiltinMetric, extra: Partial<BuiltinQuery> = {}): MetricQuery => ({
  metric,
  provider: { kind: 'builtin', metric, version: 'canary', windowMs: 60_000, ...extra },
});

/** Records `n` requests of `version`: `errors` of them 500, the rest 200, each taking `seconds`. */
function traffic(m: RequestMetrics, version: string, n: number, errors = 0, seconds = 0.02): void {
  for (let i = 0; i < n; i++) m.record(SERVICE, version, i < errors ? 500 : 200, seconds);
}

function setup() {
  const metrics = new RequestMetrics();
  const provider = new BuiltinProvider({ metrics });
  const measure = (
    metric: BuiltinMetric,
    seconds: number,
    extra: Partial<BuiltinQuery> = {},
    args: Record<string, string> = ARGS,
  ) => provider.measure(query(metric, extra), testContext(args, { now: at(seconds) }));
  return { metrics, provider, measure };
}

providerContract('builtin', () => ({ provider: setup().provider, query: query('error-rate'), args: ARGS }));

describe('BuiltinProvider over a real RequestMetrics', () => {
  it('records a baseline on the first measurement and has no value yet', async () => {
    const { metrics, measure } = setup();
    traffic(metrics, 'v2', 10);
    assert.deepEqual(await measure('error-rate', 0), {
      error: `no window yet for ${SERVICE}: this first measurement records the baseline`,
    });
  });

  it('measures the canary error rate from the requests inside the window only', async () => {
    const { metrics, measure } = setup();
    traffic(metrics, 'v2', 100, 90);
    traffic(metrics, 'v1', 100, 1);
    await measure('error-rate', 0);
    traffic(metrics, 'v2', 50, 5);
    traffic(metrics, 'v1', 200, 2);
    assert.deepEqual(await measure('error-rate', 30), { value: 0.1, requests: 50, windowSeconds: 30 });
    assert.deepEqual(await measure('error-rate', 30, { version: 'stable' }), {
      value: 0.01,
      requests: 200,
      windowSeconds: 30,
    });
  });

  it('estimates p95 and p99 with histogram_quantile over the bucket deltas', async () => {
    const { metrics, measure } = setup();
    traffic(metrics, 'v2', 100, 0, 8);
    await measure('latency-p95', 0);
    const window = new RequestMetrics();
    for (const [n, seconds] of [
      [90, 0.02],
      [8, 0.3],
      [2, 1.7],
    ] as const) {
      traffic(metrics, 'v2', n, 0, seconds);
      traffic(window, 'v2', n, 0, seconds);
    }
    const [expected] = window.snapshot(SERVICE) as [VersionSnapshot];
    const p95 = await measure('latency-p95', 60);
    const p99 = await measure('latency-p99', 60);
    assert.deepEqual(p95, {
      value: histogramQuantile(0.95, expected.latency),
      requests: 100,
      windowSeconds: 60,
    });
    assert.deepEqual(p99, {
      value: histogramQuantile(0.99, expected.latency),
      requests: 100,
      windowSeconds: 60,
    });
    assert.ok('value' in p95 && p95.value > 0.25 && p95.value <= 0.5, `p95 ${JSON.stringify(p95)}`);
  });

  it('measures the request rate per second of the window', async () => {
    const { metrics, measure } = setup();
    await measure('request-rate', 0);
    traffic(metrics, 'v2', 50);
    assert.deepEqual(await measure('request-rate', 10), { value: 5, requests: 50, windowSeconds: 10 });
  });

  it('answers a window without requests with an error, never a healthy value', async () => {
    const { metrics, measure } = setup();
    traffic(metrics, 'v2', 10);
    await measure('error-rate', 0);
    assert.deepEqual(await measure('error-rate', 30), {
      error: `no requests to ${SERVICE} v2 (canary) in the 30 s window`,
    });
    assert.deepEqual(await measure('error-rate', 40, { version: 'stable' }), {
      error: `no requests to ${SERVICE} v1 (stable) in the 40 s window`,
    });
  });

  it('counts a canary that appeared after the baseline from zero', async () => {
    const { metrics, measure } = setup();
    traffic(metrics, 'v1', 10);
    await measure('error-rate', 0);
    traffic(metrics, 'v2', 20, 1);
    assert.deepEqual(await measure('error-rate', 15), { value: 0.05, requests: 20, windowSeconds: 15 });
  });

  it('diffs against the newest snapshot at least windowMs old, so old traffic drops out', async () => {
    const { metrics, measure } = setup();
    await measure('error-rate', 0);
    await measure('error-rate', 0, { windowMs: 120_000 });
    traffic(metrics, 'v2', 10, 10);
    await measure('error-rate', 60);
    traffic(metrics, 'v2', 10, 0);
    await measure('error-rate', 90);
    traffic(metrics, 'v2', 10, 1);
    assert.deepEqual(await measure('error-rate', 120), { value: 0.05, requests: 20, windowSeconds: 60 });
    assert.deepEqual(await measure('error-rate', 120, { windowMs: 120_000 }), {
      value: 11 / 30,
      requests: 30,
      windowSeconds: 120,
    });
  });

  it('lets several metrics measured at the same instant share one window', async () => {
    const { metrics, measure } = setup();
    await measure('error-rate', 0);
    await measure('latency-p95', 0);
    traffic(metrics, 'v2', 40, 2);
    assert.deepEqual(await measure('error-rate', 20), { value: 0.05, requests: 40, windowSeconds: 20 });
    assert.deepEqual(await measure('request-rate', 20), { value: 2, requests: 40, windowSeconds: 20 });
  });

  it('starts the window again when the counters went backwards (data plane restart)', async () => {
    let metrics = new RequestMetrics();
    traffic(metrics, 'v2', 100);
    const provider = new BuiltinProvider({ metrics: { snapshot: (service) => metrics.snapshot(service) } });
    const measure = (seconds: number) =>
      provider.measure(query('error-rate'), testContext(ARGS, { now: at(seconds) }));
    await measure(0);
    metrics = new RequestMetrics();
    traffic(metrics, 'v2', 5);
    const restarted = await measure(30);
    assert.ok('error' in restarted);
    assert.match(restarted.error, /went backwards \(the data plane restarted\); the window starts again/);
    traffic(metrics, 'v2', 10, 1);
    assert.deepEqual(await measure(45), { value: 0.1, requests: 10, windowSeconds: 15 });
  });

  it('needs args.service and the version arg of the role it measures', async () => {
    const { measure } = setup();
    assert.deepEqual(await measure('error-rate', 0, {}, { ...ARGS, service: '' }), {
      error: 'the builtin provider needs args.service',
    });
    assert.deepEqual(await measure('error-rate', 0, { version: 'stable' }, { service: SERVICE }), {
      error: "the builtin provider needs args['stable.version'] to find the stable",
    });
  });

  it('answers a source that throws with an error measurement', async () => {
    const provider = new BuiltinProvider({
      metrics: {
        snapshot: () => {
          throw new Error('agent unreachable');
        },
      },
    });
    assert.deepEqual(await provider.measure(query('error-rate'), testContext(ARGS)), {
      error: 'builtin provider failed unexpectedly: agent unreachable',
    });
  });

  it('refuses to be built without a snapshot source', () => {
    assert.throws(() => new BuiltinProvider({} as never), ProviderConfigError);
  });

  it('args.environment picks the environment when the router labels requests with one', async () => {
    const { metrics, measure } = setup();
    const record = (env: string, n: number, errors: number) => {
      for (let i = 0; i < n; i++) metrics.record(SERVICE, 'v2', i < errors ? 500 : 200, 0.02, env);
    };
    const args = (environment?: string) => ({ ...ARGS, ...(environment && { environment }) });
    await measure('error-rate', 0, {}, args('production'));
    await measure('error-rate', 0, {}, args('staging'));
    await measure('error-rate', 0, {}, args());
    record('production', 100, 2);
    record('staging', 10, 5);
    assert.deepEqual(await measure('error-rate', 30, {}, args('production')), {
      value: 0.02,
      requests: 100,
      windowSeconds: 30,
    });
    assert.deepEqual(await measure('error-rate', 30, {}, args('staging')), {
      value: 0.5,
      requests: 10,
      windowSeconds: 30,
    });
    assert.deepEqual(await measure('error-rate', 30, {}, args()), {
      error: `${SERVICE} v2 runs in several environments (production, staging): pass args.environment to choose one`,
    });
  });
});

describe('BuiltinProvider on a live data plane (waitForFirstWindow)', () => {
  const live = (windowMs: number) => {
    const metrics = new RequestMetrics();
    const provider = new BuiltinProvider({ metrics, waitForFirstWindow: true });
    const q = (metric: BuiltinMetric) => query(metric, { windowMs });
    const measure = (metric: BuiltinMetric, now: number) =>
      provider.measure(q(metric), testContext(ARGS, { now: new Date(now) }));
    return { metrics, measure };
  };

  it('measures a whole first window instead of answering "no window yet"', async () => {
    const { metrics, measure } = live(200);
    const feed = setInterval(() => traffic(metrics, 'v2', 2, 1), 10);
    try {
      const got = await measure('error-rate', Date.now());
      assert.ok('windowSeconds' in got, JSON.stringify(got));
      assert.equal(got.value, 0.5);
      assert.equal(got.windowSeconds, 0.2);
    } finally {
      clearInterval(feed);
    }
  });

  it('two metrics due a millisecond apart each get a whole window, not a 1 ms one', async () => {
    const { metrics, measure } = live(200);
    const feed = setInterval(() => traffic(metrics, 'v2', 2), 10);
    try {
      const t = Date.now();
      const [errors, p95] = await Promise.all([measure('error-rate', t), measure('latency-p95', t + 1)]);
      assert.ok('windowSeconds' in errors && 'windowSeconds' in p95, JSON.stringify([errors, p95]));
      assert.ok(p95.windowSeconds >= 0.1, `window ${p95.windowSeconds}s`);
    } finally {
      clearInterval(feed);
    }
  });
});
