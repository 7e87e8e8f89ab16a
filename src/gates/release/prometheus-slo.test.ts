import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { MetricQuery } from '../../analysis/provider.ts';
import { prometheusSlo, type InstantQuery } from './prometheus-slo.ts';

const SOURCE = {
  address: 'http://prometheus:9090',
  'budget-remaining': 'slo:error_budget_remaining:ratio',
  'burn-fast': 'slo:error_budget_burn_rate:fast',
  'burn-slow': 'slo:error_budget_burn_rate:slow',
};
const NOW = new Date('2026-12-08T10:00:00Z');

/** Answers each query from a table, recording what was asked and when. */
function answering(table: Record<string, { value: unknown } | { error: string }>) {
  const asked: { query: string; address?: string; at: string }[] = [];
  const prometheus: InstantQuery = {
    measure(q: MetricQuery, ctx) {
      const query = q.provider.kind === 'prometheus' ? q.provider.query : '';
      asked.push({
        query,
        address: q.provider.kind === 'prometheus' ? q.provider.address : '',
        at: ctx.now.toISOString(),
      });
      return Promise.resolve(table[query] ?? { error: 'no such query' });
    },
  };
  return { prometheus, asked };
}

describe('the SLO read from Prometheus recording rules', () => {
  it('asks the three queries at the given time and turns the budget ratio into percent', async () => {
    const { prometheus, asked } = answering({
      [SOURCE['budget-remaining']]: { value: 0.625 },
      [SOURCE['burn-fast']]: { value: [2.5] },
      [SOURCE['burn-slow']]: { value: 1 },
    });
    const read = await prometheusSlo(SOURCE, prometheus, NOW);
    assert.deepEqual(read, {
      slo: { values: { error_budget_remaining: 62.5, fast_burn_rate: 2.5, slow_burn_rate: 1 }, unknown: {} },
    });
    assert.deepEqual(
      asked.map((a) => [a.query, a.address, a.at]),
      [SOURCE['budget-remaining'], SOURCE['burn-fast'], SOURCE['burn-slow']].map((q) => [
        q,
        SOURCE.address,
        NOW.toISOString(),
      ]),
    );
  });

  it('fails closed, naming every query that gave no single number', async () => {
    const { prometheus } = answering({
      [SOURCE['budget-remaining']]: { error: 'query returned no data (empty vector)' },
      [SOURCE['burn-fast']]: { value: [1, 2] },
      [SOURCE['burn-slow']]: { value: Number.NaN },
    });
    const read = await prometheusSlo(SOURCE, prometheus, NOW);
    assert.ok('error' in read);
    assert.equal(
      read.error,
      'budget-remaining (slo:error_budget_remaining:ratio): query returned no data (empty vector); ' +
        'burn-fast (slo:error_budget_burn_rate:fast): answered 2 series, not one: filter or aggregate to one; ' +
        'burn-slow (slo:error_budget_burn_rate:slow): answered NaN (a ratio of 0/0: no requests in its window?), not a number',
    );
  });

  it('any finite answers come through, the budget scaled by exactly 100', async () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
    await fc.assert(
      fc.asyncProperty(finite, finite, finite, async (budget, fast, slow) => {
        const { prometheus } = answering({
          [SOURCE['budget-remaining']]: { value: budget },
          [SOURCE['burn-fast']]: { value: fast },
          [SOURCE['burn-slow']]: { value: slow },
        });
        const read = await prometheusSlo(SOURCE, prometheus, NOW);
        assert.ok('slo' in read);
        assert.deepEqual(read.slo.values, {
          error_budget_remaining: budget * 100,
          fast_burn_rate: fast,
          slow_burn_rate: slow,
        });
      }),
      { numRuns: 200 },
    );
  });
});
