/*
 * The gate's SLO numbers read from Prometheus recording rules, as the CompanyOS release gate does
 * (`slo:error_budget_remaining:ratio`, `slo:error_budget_burn_rate:fast|slow`): the budget left is a
 * ratio, multiplied by 100 into the input's percent (the seed's `jq '… * 100'`); burn rates as they are.
 */
import type { MeasureContext, MetricQuery } from '../../analysis/provider.ts';
import type { PrometheusSloSource } from '../../config/schema.ts';
import type { ObservedSlo, SloField } from './slo-facts.ts';

/** The one method of a Prometheus provider this reads with. */
export interface InstantQuery {
  measure(query: MetricQuery, ctx: MeasureContext): Promise<{ value: unknown } | { error: string }>;
}

/** Which query of the source answers each SLO field, and the factor into the gate input's unit. */
const FIELDS: readonly {
  field: SloField;
  key: Exclude<keyof PrometheusSloSource, 'address'>;
  scale: number;
}[] = [
  { field: 'error_budget_remaining', key: 'budget-remaining', scale: 100 },
  { field: 'fast_burn_rate', key: 'burn-fast', scale: 1 },
  { field: 'slow_burn_rate', key: 'burn-slow', scale: 1 },
];

/**
 * Asks the source's three queries at `now`. Every query must answer one finite number; otherwise
 * the error names the query and why (fail closed: the gate denies with rule `slo-source`).
 * @example await prometheusSlo(source, new PrometheusProvider({ address }), new Date()) // → { slo: { values: { error_budget_remaining: 62.5, … } } }
 */
export async function prometheusSlo(
  source: PrometheusSloSource,
  prometheus: InstantQuery,
  now: Date,
  signal: AbortSignal = AbortSignal.timeout(30_000),
): Promise<{ slo: ObservedSlo } | { error: string }> {
  const values: ObservedSlo['values'] = {};
  const problems: string[] = [];
  for (const { field, key, scale } of FIELDS) {
    const query = source[key];
    const answer = await prometheus.measure(
      { metric: key, provider: { kind: 'prometheus', query, address: source.address } },
      { now, signal, args: {} },
    );
    const value = 'error' in answer ? undefined : numberOf(answer.value);
    if (value === undefined) {
      const why = 'error' in answer ? answer.error : notOneNumber(answer.value);
      problems.push(`${key} (${query}): ${why}`);
    } else values[field] = value * scale;
  }
  if (problems.length > 0) return { error: problems.join('; ') };
  return { slo: { values, unknown: {} } };
}

function numberOf(value: unknown): number | undefined {
  const one = Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : value;
  return typeof one === 'number' && Number.isFinite(one) ? one : undefined;
}

function notOneNumber(value: unknown): string {
  const one = Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : value;
  if (typeof one === 'number' && Number.isNaN(one))
    return 'answered NaN (a ratio of 0/0: no requests in its window?), not a number';
  if (Array.isArray(value)) return `answered ${value.length} series, not one: filter or aggregate to one`;
  return `answered ${JSON.stringify(value)}, not one number`;
}
