import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluateSlo, measureBurnRate } from './evaluate-slo.ts';
import { MemoryCounterSource } from './memory-counter-source.ts';
import type { CounterSample } from './memory-counter-source.ts';
import { defineSlo } from './slo.ts';
import type { CounterSource } from './counter-source.ts';
import type { WindowBurn } from './slo-state.ts';

const NOW = new Date('2025-06-02T12:00:00Z');
const MINUTE = 60_000;
const DAY_MINUTES = 1440;
const SLO = defineSlo({ objective: 99.9, window: '30d' });

interface SeriesOptions {
  /** Requests and errors in the step that ends `ago` minutes before NOW. */
  perStep: (ago: number) => { total: number; errors: number };
  days?: number;
  stepMinutes?: number;
  /** No sample is taken `ago` minutes before NOW. */
  skip?: (ago: number) => boolean;
  /** The counters restart from zero just after the sample `ago` minutes before NOW. */
  resetAfter?: number;
}

function series({ perStep, days = 30, stepMinutes = 1, skip, resetAfter }: SeriesOptions): CounterSample[] {
  const samples: CounterSample[] = [];
  let total = 0;
  let errors = 0;
  for (let ago = days * DAY_MINUTES; ago >= 0; ago -= stepMinutes) {
    if (ago < days * DAY_MINUTES) {
      if (ago + stepMinutes === resetAfter) [total, errors] = [0, 0];
      const step = perStep(ago);
      total += step.total;
      errors += step.errors;
    }
    if (!skip?.(ago)) samples.push({ at: new Date(NOW.getTime() - ago * MINUTE), total, errors });
  }
  return samples;
}

function burn(window: WindowBurn | undefined): number {
  assert.ok(window?.status === 'measured', `window not measured: ${JSON.stringify(window)}`);
  return window.burnRate;
}

function near(actual: number | undefined, expected: number, what = 'value'): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} != ${expected}`,
  );
}

const steady = (total: number, errors: number) => () => ({ total, errors });

describe('evaluateSlo', () => {
  it('burns at 1.0 everywhere and has 0% budget left at a steady 0.1% errors against 99.9%', async () => {
    const state = await evaluateSlo(SLO, new MemoryCounterSource(series({ perStep: steady(1000, 1) })), NOW);
    for (const name of ['30d', '3d', '6h', '1h', '30m', '5m']) near(burn(state.windows[name]), 1, name);
    near(state.errorBudgetRemaining, 0, 'budget');
    assert.equal(state.errorBudgetReason, undefined);
    for (const alert of Object.values(state.alerts)) assert.equal(alert.status, 'ok', alert.reason);
    assert.equal(state.alerts.ticket.reason, 'burn 1× over 3d and 1× over 6h, not both above 1×');
  });

  it('has 50% budget left at a steady 0.05% errors', async () => {
    const state = await evaluateSlo(SLO, new MemoryCounterSource(series({ perStep: steady(2000, 1) })), NOW);
    near(burn(state.windows['30d']), 0.5);
    near(state.errorBudgetRemaining, 50);
  });

  it('sees a 10-minute spike of 2% errors on the short windows only', async () => {
    // 2000 requests a minute, 1 error a minute (0.05%), then 40 a minute (2%) for the last 10 minutes.
    const perStep = (ago: number) => ({ total: 2000, errors: ago < 10 ? 40 : 1 });
    const state = await evaluateSlo(SLO, new MemoryCounterSource(series({ perStep })), NOW);
    near(burn(state.windows['5m']), 20, '5m'); // 200 / 10000 = 0.02
    near(burn(state.windows['30m']), 7, '30m'); // (20 + 400) / 60000 = 0.007
    near(burn(state.windows['1h']), 3.75, '1h'); // (50 + 400) / 120000 = 0.00375
    near(burn(state.windows['6h']), 750 / 720_000 / 0.001, '6h'); // (350 + 400) / 720000
    near(burn(state.windows['3d']), 4710 / 8_640_000 / 0.001, '3d'); // (4310 + 400) / 8640000
    near(state.errorBudgetRemaining, 100 * (1 - 43_590 / 86_400_000 / 0.001), 'budget'); // 49.5486…
    assert.equal(state.alerts.pageFast.status, 'ok');
    assert.equal(state.alerts.pageFast.reason, 'burn 3.75× over 1h and 20× over 5m, not both above 14.4×');
    assert.equal(state.alerts.pageSlow.status, 'ok');
    assert.equal(state.alerts.ticket.status, 'ok');
  });

  it('pages fast only once both 1h and 5m burn above 14.4', async () => {
    const spike =
      (minutes: number, endedAgo = 0) =>
      (ago: number) => ({
        total: 2000,
        errors: ago >= endedAgo && ago < endedAgo + minutes ? 40 : 1,
      });
    const evaluate = async (minutes: number, endedAgo = 0) =>
      (
        await evaluateSlo(
          SLO,
          new MemoryCounterSource(series({ perStep: spike(minutes, endedAgo), days: 4 })),
          NOW,
        )
      ).alerts.pageFast;

    const forty = await evaluate(40); // 1h: (20 + 1600) / 120000 = 0.0135
    near(burn(forty.long), 13.5, '1h after 40m');
    assert.equal(forty.status, 'ok');

    const fortyFive = await evaluate(45); // 1h: (15 + 1800) / 120000 = 0.015125
    near(burn(fortyFive.long), 15.125, '1h after 45m');
    near(burn(fortyFive.short), 20, '5m after 45m');
    assert.equal(fortyFive.status, 'burning');
    assert.equal(fortyFive.reason, 'burn 15.13× over 1h and 20× over 5m, both above 14.4×');

    const recovered = await evaluate(45, 10); // spike ended 10 minutes ago: 5m back to 0.05%
    near(burn(recovered.long), 15.125, '1h after recovery');
    near(burn(recovered.short), 0.5, '5m after recovery');
    assert.equal(recovered.status, 'ok');
  });

  it('counts across a counter reset in the middle of the window', async () => {
    const perStep = steady(1000, 1);
    const state = await evaluateSlo(SLO, new MemoryCounterSource(series({ perStep, resetAfter: 30 })), NOW);
    const hour = state.windows['1h'];
    assert.equal(hour?.total, 60_000);
    assert.equal(hour?.errors, 60);
    near(burn(hour), 1, '1h');
    near(state.errorBudgetRemaining, 0, 'budget');
  });

  it('reports a gap in the data as insufficient, not as a healthy window', async () => {
    const skip = (ago: number) => ago >= 20 && ago < 40; // 20 scrapes lost: 21 minutes uncovered
    const state = await evaluateSlo(
      SLO,
      new MemoryCounterSource(series({ perStep: steady(1000, 1), skip })),
      NOW,
    );
    const hour = state.windows['1h'];
    assert.equal(hour?.status, 'insufficient-data');
    assert.equal(hour.coverage, 39 / 60);
    assert.equal(hour.reason, 'data covers 65% of the last 1h, below the 90% required');
    assert.equal(state.alerts.pageFast.status, 'insufficient-data');
    assert.equal(state.alerts.pageFast.reason, hour.reason);
    near(burn(state.windows['5m']), 1, '5m');
    near(burn(state.windows['6h']), 1, '6h'); // 339 of 360 minutes covered
    near(state.errorBudgetRemaining, 0, 'budget');
  });

  it('reports data that stopped as insufficient on every window it no longer covers', async () => {
    const skip = (ago: number) => ago < 10;
    const state = await evaluateSlo(
      SLO,
      new MemoryCounterSource(series({ perStep: steady(1000, 0), skip })),
      NOW,
    );
    assert.equal(state.alerts.pageFast.status, 'insufficient-data');
    assert.equal(
      state.alerts.pageFast.reason,
      'data covers 83.33% of the last 1h, below the 90% required; no data in the last 5m',
    );
    assert.equal(state.alerts.pageSlow.status, 'insufficient-data'); // 30m: 20 of 30 minutes
    assert.equal(state.alerts.ticket.status, 'ok');
  });

  it('has no error budget for an SLO window mostly without data', async () => {
    const state = await evaluateSlo(
      SLO,
      new MemoryCounterSource(series({ perStep: steady(1000, 0), days: 10 })),
      NOW,
    );
    assert.equal(state.errorBudgetRemaining, undefined);
    assert.equal(state.errorBudgetReason, 'data covers 33.33% of the last 30d, below the 90% required');
    assert.equal(state.alerts.ticket.status, 'ok');
  });

  it('reports zero traffic as insufficient data, not as 100% budget left', async () => {
    const state = await evaluateSlo(SLO, new MemoryCounterSource(series({ perStep: steady(0, 0) })), NOW);
    assert.equal(state.errorBudgetRemaining, undefined);
    assert.equal(state.errorBudgetReason, '0 requests in the last 30d, fewer than the 1 required');
    for (const alert of Object.values(state.alerts)) assert.equal(alert.status, 'insufficient-data');
    assert.equal(
      state.alerts.pageFast.reason,
      '0 requests in the last 1h, fewer than the 1 required; 0 requests in the last 5m, fewer than the 1 required',
    );
  });

  it('reports no samples at all as insufficient data', async () => {
    const state = await evaluateSlo(SLO, new MemoryCounterSource([]), NOW);
    assert.equal(state.errorBudgetRemaining, undefined);
    assert.equal(state.errorBudgetReason, 'no data in the last 30d');
  });

  it('applies the configured minimum coverage and minimum requests', async () => {
    const source = new MemoryCounterSource(series({ perStep: steady(10, 0), days: 1 }));
    const strict = defineSlo({ objective: 99.9, window: '1d', minRequests: 100 });
    const fiveMinutes = await measureBurnRate(strict, source, '5m', NOW);
    assert.equal(fiveMinutes.status, 'insufficient-data');
    assert.equal(fiveMinutes.reason, '50 requests in the last 5m, fewer than the 100 required');
    assert.equal((await measureBurnRate(strict, source, '1h', NOW)).status, 'measured');

    const lenient = defineSlo({ objective: 99.9, window: '30d', minCoverage: 0.03 });
    const month = await evaluateSlo(lenient, source, NOW);
    assert.equal(month.errorBudgetRemaining, 100);
  });

  it('rejects a source that answers impossible counts, and a source that fails', async () => {
    const liar: CounterSource = { increase: async () => ({ total: 1, errors: 2, coveredMs: 0 }) };
    await assert.rejects(evaluateSlo(SLO, liar, NOW), /counter source returned total 1, errors 2/);
    const broken: CounterSource = {
      increase: async () => {
        throw new Error('prometheus unreachable');
      },
    };
    await assert.rejects(evaluateSlo(SLO, broken, NOW), /prometheus unreachable/);
    await assert.rejects(
      evaluateSlo(SLO, new MemoryCounterSource([]), new Date('nope')),
      /invalid evaluation time/,
    );
  });

  it('scales every burn rate linearly with the error ratio', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 1e-6, max: 0.01, noNaN: true }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        async (requests, ratio, k) => {
          const evaluate = (r: number) =>
            evaluateSlo(
              SLO,
              new MemoryCounterSource(series({ perStep: steady(requests, requests * r), stepMinutes: 5 })),
              NOW,
            );
          const [base, scaled] = await Promise.all([evaluate(ratio), evaluate(k * ratio)]);
          for (const [name, window] of Object.entries(base.windows)) {
            near(burn(scaled.windows[name]), k * burn(window), name);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('leaves 100% of the budget at zero errors with full coverage', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom(90, 99, 99.9, 99.99),
        async (requests, o) => {
          const slo = defineSlo({ objective: o, window: '30d' });
          const source = new MemoryCounterSource(series({ perStep: steady(requests, 0), stepMinutes: 5 }));
          const state = await evaluateSlo(slo, source, NOW);
          assert.equal(state.errorBudgetRemaining, 100);
          for (const alert of Object.values(state.alerts)) assert.equal(alert.status, 'ok');
        },
      ),
      { numRuns: 25 },
    );
  });
});
