import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { MetricSampleRecord } from '../../store/store.ts';
import { counterSourceContract } from './counter-source.contract.ts';
import { evaluateSlo } from './evaluate-slo.ts';
import type { CounterSample } from './memory-counter-source.ts';
import { defineSlo } from './slo.ts';
import type { WindowBurn } from './slo-state.ts';
import { StoredCounterSource } from './stored-counter-source.ts';

const SERIES = { service: 'checkout-api', environment: 'production' };
const MINUTE = 60_000;
const NOW = new Date('2025-06-02T12:00:00Z');

function record(sample: CounterSample, series = SERIES): MetricSampleRecord {
  return {
    ...series,
    at: sample.at.toISOString(),
    total: sample.total,
    errors: sample.errors,
    ...(sample.reset ? { reset: true } : {}),
  };
}

counterSourceContract('StoredCounterSource over SQLite', async (samples, options) => {
  const store = new SqliteStore(':memory:');
  // other series at the same times must not leak into this one
  const noise = samples.map((s) =>
    record({ ...s, total: s.total * 7 + 1, errors: 0 }, { ...SERIES, environment: 'staging' }),
  );
  await store.recordMetricSamples([...samples.map((s) => record(s)), ...noise]);
  return new StoredCounterSource(store, SERIES, options);
});

/** One sample a minute, `minutes` back from NOW, with the requests and errors of each minute. */
function minutes(opts: {
  minutes: number;
  perMinute: (ago: number) => { total: number; errors: number };
  skip?: (ago: number) => boolean;
  restartAfter?: number;
}): MetricSampleRecord[] {
  const out: MetricSampleRecord[] = [];
  let total = 0;
  let errors = 0;
  for (let ago = opts.minutes; ago >= 0; ago--) {
    if (ago < opts.minutes) {
      if (ago + 1 === opts.restartAfter) [total, errors] = [0, 0];
      const step = opts.perMinute(ago);
      total += step.total;
      errors += step.errors;
    }
    if (!opts.skip?.(ago)) out.push(record({ at: new Date(NOW.getTime() - ago * MINUTE), total, errors }));
  }
  return out;
}

function burn(window: WindowBurn | undefined): number {
  assert.ok(window?.status === 'measured', `window not measured: ${JSON.stringify(window)}`);
  return window.burnRate;
}

function near(actual: number | undefined, expected: number, what: string): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} != ${expected}`,
  );
}

describe('StoredCounterSource', () => {
  it('reads the samples either side of the interval for its edges, and no others', async () => {
    const store = new SqliteStore(':memory:');
    const at = (m: number) => new Date(NOW.getTime() + m * MINUTE);
    await store.recordMetricSamples(
      [
        { at: at(-20), total: 0, errors: 0 },
        { at: at(-4), total: 1000, errors: 10 },
        { at: at(4), total: 1800, errors: 18 },
        { at: at(20), total: 9999, errors: 99 },
      ].map((s) => record(s)),
    );
    const source = new StoredCounterSource(store, SERIES, { maxGapMs: 10 * MINUTE });
    // 800 requests over the 8 minutes from -4 to 4: half of them fall in [-2, 2]
    assert.deepEqual(await source.increase(at(-2), at(2)), { total: 400, errors: 4, coveredMs: 4 * MINUTE });
    assert.throws(() => new StoredCounterSource(store, SERIES, { maxGapMs: -1 }), /invalid maxGapMs -1/);
    await store.close();
  });

  it('gives hand-computed burn rates over a day with a restart and a gap', async () => {
    // 200 requests a minute; 1 error a minute (0.5%), 10 a minute (5%) in the last 10 minutes;
    // the agent restarted 30 minutes ago; no samples from 139 to 121 minutes ago (a 20-minute gap)
    const store = new SqliteStore(':memory:');
    await store.recordMetricSamples(
      minutes({
        minutes: 1440,
        perMinute: (ago) => ({ total: 200, errors: ago < 10 ? 10 : 1 }),
        skip: (ago) => ago > 120 && ago < 140,
        restartAfter: 30,
      }),
    );
    const slo = defineSlo({ objective: 99, window: '1d' });
    const state = await evaluateSlo(slo, new StoredCounterSource(store, SERIES), NOW);
    near(burn(state.windows['5m']), 5, '5m'); // 50 / 1000
    near(burn(state.windows['30m']), 2, '30m'); // (100 + 20) / 6000
    near(burn(state.windows['1h']), 1.25, '1h'); // (100 + 50) / 12000
    const sixHours = state.windows['6h'];
    assert.equal(sixHours?.coverage, 340 / 360);
    assert.equal(sixHours?.total, 68_000);
    near(burn(sixHours), 430 / 68_000 / 0.01, '6h'); // (100 + 330) / 68000
    near(state.errorBudgetRemaining, 100 * (1 - 1510 / 284_000 / 0.01), 'budget'); // 46.83%
    assert.equal(state.alerts.pageFast.status, 'ok');
    assert.equal(state.alerts.pageFast.reason, 'burn 1.25× over 1h and 5× over 5m, not both above 14.4×');
    assert.equal(state.alerts.ticket.status, 'insufficient-data');
    assert.equal(state.alerts.ticket.reason, 'data covers 32.87% of the last 3d, below the 90% required'); // (1440 - 20) / 4320
    await store.close();
  });

  it('reports ten minutes of samples as too little data for the budget and the long windows', async () => {
    const store = new SqliteStore(':memory:');
    await store.recordMetricSamples(minutes({ minutes: 10, perMinute: () => ({ total: 200, errors: 1 }) }));
    const state = await evaluateSlo(
      defineSlo({ objective: 99, window: '1d' }),
      new StoredCounterSource(store, SERIES),
      NOW,
    );
    assert.equal(state.errorBudgetRemaining, undefined);
    assert.equal(state.errorBudgetReason, 'data covers 0.6944% of the last 1d, below the 90% required');
    assert.equal(state.alerts.pageFast.status, 'insufficient-data');
    assert.equal(state.alerts.pageFast.reason, 'data covers 16.67% of the last 1h, below the 90% required');
    near(burn(state.windows['5m']), 0.5, '5m');
    const none = await evaluateSlo(
      defineSlo({ objective: 99, window: '1d' }),
      new StoredCounterSource(store, { ...SERIES, environment: 'staging' }),
      NOW,
    );
    assert.equal(none.errorBudgetReason, 'no data in the last 1d');
    await store.close();
  });
});
