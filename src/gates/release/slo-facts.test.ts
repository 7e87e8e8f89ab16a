import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { defaultPolicy } from '../policy/default-policy.ts';
import { passingInput } from '../policy/gate-input.fixture.ts';
import { evaluateSlo } from '../slo/evaluate-slo.ts';
import { MemoryCounterSource } from '../slo/memory-counter-source.ts';
import type { CounterSample } from '../slo/memory-counter-source.ts';
import { defineSlo } from '../slo/slo.ts';
import type { WindowBurn } from '../slo/slo-state.ts';
import { assembleGateInput } from './assemble-input.ts';
import { evaluateGate } from './evaluate-gate.ts';
import { observedSlo } from './slo-facts.ts';
import type { ObservedSlo } from './slo-facts.ts';

const NOW = new Date('2025-06-02T12:00:00Z');
const MINUTE = 60_000;

const measured = (window: string, burnRate: number): WindowBurn => ({
  window,
  total: 1000,
  errors: 1,
  coverage: 1,
  status: 'measured',
  errorRatio: burnRate / 1000,
  burnRate,
});
const unmeasured = (window: string, reason: string): WindowBurn => ({
  window,
  total: 0,
  errors: 0,
  coverage: 0,
  status: 'insufficient-data',
  reason,
});

describe('observedSlo', () => {
  it('takes the budget, and each burn rate as the lower of its alert windows', () => {
    const observed = observedSlo({
      errorBudgetRemaining: 42.5,
      alerts: {
        pageFast: { long: measured('1h', 15.125), short: measured('5m', 20) },
        pageSlow: { long: measured('6h', 3), short: measured('30m', 0.5) },
        ticket: { long: measured('3d', 9), short: measured('6h', 3) },
      },
    });
    assert.deepEqual(observed, {
      values: { error_budget_remaining: 42.5, fast_burn_rate: 15.125, slow_burn_rate: 0.5 },
      unknown: {},
    });
  });

  it('leaves out what has too little data, with the reasons of the windows', () => {
    const observed = observedSlo({
      errorBudgetRemaining: undefined,
      errorBudgetReason: 'no data in the last 30d',
      alerts: {
        pageFast: { long: measured('1h', 1), short: unmeasured('5m', '0 requests in the last 5m') },
        pageSlow: {
          long: unmeasured('6h', 'data covers 50% of the last 6h'),
          short: unmeasured('30m', 'no data in the last 30m'),
        },
        ticket: { long: measured('3d', 1), short: measured('6h', 1) },
      },
    });
    assert.deepEqual(observed, {
      values: {},
      unknown: {
        error_budget_remaining: 'no data in the last 30d',
        fast_burn_rate: '0 requests in the last 5m',
        slow_burn_rate: 'data covers 50% of the last 6h and no data in the last 30m',
      },
    });
  });

  it('pages exactly when the policy denies: fast burn above 14.4 only once both windows are', async () => {
    // 2000 requests a minute; 1 error a minute, 40 (2%) in the last `spike` minutes
    const state = async (spike: number) => {
      const samples: CounterSample[] = [];
      let [total, errors] = [0, 0];
      for (let ago = 4 * 1440; ago >= 0; ago--) {
        if (ago < 4 * 1440) [total, errors] = [total + 2000, errors + (ago < spike ? 40 : 1)];
        samples.push({ at: new Date(NOW.getTime() - ago * MINUTE), total, errors });
      }
      return evaluateSlo(defineSlo({ objective: 99.9, window: '3d' }), new MemoryCounterSource(samples), NOW);
    };
    for (const [spike, pages] of [
      [40, false],
      [45, true],
    ] as const) {
      const s = await state(spike);
      const fast = observedSlo(s).values.fast_burn_rate ?? Number.NaN;
      assert.equal(s.alerts.pageFast.status === 'burning', pages);
      assert.equal(fast > 14.4, pages, `fast burn ${fast} after a ${spike}-minute spike`);
    }
  });
});

describe('assembleGateInput with a measured SLO', () => {
  const facts = (explicit: Record<string, unknown>, slo: ObservedSlo) =>
    assembleGateInput({
      environment: 'production',
      evidence: {},
      incidents: { p1: 0, p2: 0 },
      explicit,
      slo,
    }).slo as Record<string, unknown>;
  const all: ObservedSlo = {
    values: { error_budget_remaining: 60, fast_burn_rate: 2, slow_burn_rate: 1 },
    unknown: {},
  };

  const cases: [string, Record<string, unknown>, ObservedSlo, Record<string, unknown>][] = [
    [
      'fills what nobody declared',
      {},
      all,
      { error_budget_remaining: 60, fast_burn_rate: 2, slow_burn_rate: 1, status: 'measured' },
    ],
    [
      'keeps the worse of declared and measured: lower budget, higher burn',
      { slo: { error_budget_remaining: 80, fast_burn_rate: 5, slow_burn_rate: 0.1 } },
      all,
      { error_budget_remaining: 60, fast_burn_rate: 5, slow_burn_rate: 1, status: 'measured' },
    ],
    [
      'keeps a declared value that is not a number, so it denies',
      { slo: { error_budget_remaining: '80', fast_burn_rate: -1, slow_burn_rate: null } },
      all,
      { error_budget_remaining: '80', fast_burn_rate: -1, slow_burn_rate: null, status: 'measured' },
    ],
    [
      'leaves an unknown number out and says why',
      {},
      {
        values: { fast_burn_rate: 2, slow_burn_rate: 1 },
        unknown: { error_budget_remaining: 'no data in the last 30d' },
      },
      {
        fast_burn_rate: 2,
        slow_burn_rate: 1,
        status: 'insufficient-data',
        reason: 'error budget unknown: no data in the last 30d',
      },
    ],
    [
      'keeps a declared number it could not check, saying so',
      { slo: { error_budget_remaining: 5, reason: 'stale' } },
      {
        values: {},
        unknown: {
          error_budget_remaining: 'no data in the last 30d',
          fast_burn_rate: 'no data in the last 1h and no data in the last 5m',
          slow_burn_rate: 'no data in the last 6h and no data in the last 30m',
        },
      },
      {
        error_budget_remaining: 5,
        status: 'insufficient-data',
        reason:
          'error budget unknown: no data in the last 30d (the declared 5 could not be checked); ' +
          'fast burn rate unknown: no data in the last 1h and no data in the last 5m; ' +
          'slow burn rate unknown: no data in the last 6h and no data in the last 30m',
      },
    ],
    [
      'replaces a declared status and reason once everything is measured',
      { slo: { status: 'insufficient-data', reason: 'stale' } },
      all,
      { error_budget_remaining: 60, fast_burn_rate: 2, slow_burn_rate: 1, status: 'measured' },
    ],
  ];
  for (const [what, explicit, slo, expected] of cases) {
    it(what, () => {
      assert.deepEqual(facts(explicit, slo), { ...expected, active_p1_incidents: 0, active_p2_incidents: 0 });
    });
  }
});

describe('evaluateGate with the SLO', () => {
  const base = {
    service: 'checkout-api',
    environment: 'production',
    tier: 1,
    evidence: {},
    policy: defaultPolicy(),
    at: NOW,
  };
  const declared = () => {
    const input = passingInput() as Record<string, unknown>;
    delete input['slo'];
    return { ...input, slo: { rollbacks_last_24h: 0 } };
  };

  it('allows a new service with a warning and the slow strategy, and stores why', async () => {
    const store = new SqliteStore(':memory:');
    const { decision, input } = await evaluateGate(store, {
      ...base,
      explicit: declared(),
      slo: {
        values: {},
        unknown: {
          error_budget_remaining: 'no data in the last 30d',
          fast_burn_rate: 'no data in the last 1h and no data in the last 5m',
          slow_burn_rate: 'no data in the last 6h and no data in the last 30m',
        },
      },
    });
    assert.equal(decision.outcome, 'allow');
    assert.equal(decision.strategy, 'slow');
    assert.deepEqual(
      decision.warnings.map((w) => w.rule),
      ['slo-unknown'],
    );
    assert.match(
      decision.warnings[0]?.message ?? '',
      /^error budget unknown: no data in the last 30d; fast burn/,
    );
    assert.equal((input as { slo: { status: string } }).slo.status, 'insufficient-data');
    assert.equal((await store.decisions())[0]?.strategy, 'slow');
    await store.close();
  });

  it('denies when the control plane could not give the SLO, unless an override waives it', async () => {
    const store = new SqliteStore(':memory:');
    const request = { ...base, explicit: passingInput() as Record<string, unknown>, sloError: 'HTTP 500' };
    const denied = await evaluateGate(store, request);
    assert.equal(denied.decision.outcome, 'deny');
    assert.deepEqual(denied.decision.violations, [
      { rule: 'slo-source', message: 'the SLO could not be read: HTTP 500', overridable: true },
    ]);
    await store.grantOverride({
      service: 'checkout-api',
      environment: 'production',
      rules: [],
      reason: 'metrics backend down during the P1 fix',
      grantedBy: 'rm@example.com',
      grantedAt: new Date(NOW.getTime() - MINUTE).toISOString(),
      expiresAt: new Date(NOW.getTime() + 60 * MINUTE).toISOString(),
    });
    const waived = await evaluateGate(store, request);
    assert.equal(waived.decision.outcome, 'allow');
    assert.deepEqual(waived.decision.overrides[0]?.waived, ['slo-source']);
    await store.close();
  });
});
