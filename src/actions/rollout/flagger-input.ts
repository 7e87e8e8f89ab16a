/*
 * Flagger's `analysis:` block under `uses: rollout`, pasted as Flagger writes it: interval,
 * threshold, stepWeight/maxWeight or stepWeights, and metrics with a thresholdRange. It becomes a
 * `flagger` strategy (see src/rollout/flagger.ts: a failed check holds the weight, the
 * threshold-th failed check rolls back) and one generated analysis template per metric, measured
 * once per check:
 *
 * - `request-success-rate` (Flagger's builtin, percent of non-5xx answers): the builtin provider's
 *   error-rate over the metric's `interval`, judged as `(1 - result) * 100` against the range;
 * - `request-duration` (Flagger's builtin, p99 in milliseconds): builtin latency-p99 × 1000;
 * - `request-duration-p95` (not a Flagger builtin; the DawsOS seed's name): builtin latency-p95 × 1000;
 * - any metric with `query:`: that Prometheus query, its result against the range; `{{ interval }}`
 *   in it becomes the metric's interval, as in Flagger's metric templates.
 */
import { parseDuration } from '../../engine/duration.ts';

const DURATION = { type: ['string', 'number'], description: 'a duration such as 30s or 1m' } as const;
const PERCENT = { type: 'number', exclusiveMinimum: 0, maximum: 100 } as const;

/** JSON Schema of the `analysis` input (Flagger's `spec.analysis`, the canary fields). */
export const FLAGGER_INPUT = {
  type: 'object',
  additionalProperties: false,
  required: ['interval', 'threshold', 'metrics'],
  description:
    "Flagger's analysis block: a failed check holds the weight, `threshold` failed checks roll back",
  properties: {
    interval: { ...DURATION, description: 'time between checks (and between weight steps)' },
    threshold: { type: 'integer', minimum: 1, maximum: 1000, description: 'failed checks that roll back' },
    maxWeight: PERCENT,
    stepWeight: PERCENT,
    stepWeights: { type: 'array', minItems: 1, items: PERCENT },
    metrics: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'thresholdRange'],
        properties: {
          name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
          thresholdRange: {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            properties: { min: { type: 'number' }, max: { type: 'number' } },
          },
          interval: { ...DURATION, description: 'the window the metric is measured over' },
          query: { type: 'string', minLength: 1, description: 'a Prometheus query (a custom metric)' },
        },
      },
    },
  },
} as const;

/** Flagger's builtin metrics (and the seed's p95) on Runway's builtin provider. */
const BUILTINS: Record<string, { metric: string; result: string }> = {
  'request-success-rate': { metric: 'error-rate', result: '(1.0 - result) * 100.0' },
  'request-duration': { metric: 'latency-p99', result: 'result * 1000.0' },
  'request-duration-p95': { metric: 'latency-p95', result: 'result * 1000.0' },
};

type Raw = Record<string, unknown>;

interface FlaggerMetric {
  name: string;
  thresholdRange: { min?: number; max?: number };
  interval?: string | number;
  query?: string;
}

/** The generated template's name for a metric. */
export function flaggerTemplateName(metric: string): string {
  return `flagger-${metric}`;
}

/** The `flagger` strategy input for an `analysis` block, or a message naming what is wrong. */
export function flaggerStrategy(analysis: Raw, shared: Raw): Raw | string {
  const metrics = analysis['metrics'] as FlaggerMetric[];
  const unknown = metrics.find((m) => m.query === undefined && !BUILTINS[m.name]);
  if (unknown) {
    return `analysis.metrics: "${unknown.name}" is not a builtin metric (${Object.keys(BUILTINS).join(', ')}); give it a query: to measure it with Prometheus`;
  }
  const names = metrics.map((m) => m.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) return `analysis.metrics: "${twice}" is listed twice`;
  const pick = (key: string) => (analysis[key] === undefined ? {} : { [key]: analysis[key] });
  return {
    flagger: {
      ...shared,
      ...pick('stepWeight'),
      ...pick('stepWeights'),
      ...pick('maxWeight'),
      intervalMs: parseDuration(analysis['interval'] as string | number),
      threshold: analysis['threshold'],
      templates: names.map(flaggerTemplateName),
    },
  };
}

/** The analysis templates an `analysis` block generates, by name: one measurement per check. */
export function flaggerTemplates(analysis: Raw): Record<string, Raw> {
  const metrics = (analysis['metrics'] as FlaggerMetric[] | undefined) ?? [];
  const out: Record<string, Raw> = {};
  for (const m of metrics) {
    const builtin = m.query === undefined ? BUILTINS[m.name] : undefined;
    const window = m.interval ?? analysis['interval'];
    const provider = builtin
      ? { builtin: { metric: builtin.metric, window } }
      : { prometheus: { query: withInterval(m.query ?? '', window) } };
    out[flaggerTemplateName(m.name)] = {
      metrics: [
        {
          name: m.name,
          count: 1,
          successCondition: rangeCondition(builtin?.result ?? 'result', m.thresholdRange),
          provider,
        },
      ],
    };
  }
  return out;
}

/** Flagger's `{{ interval }}` in a query: the metric's interval as written (`5m`). */
function withInterval(query: string, interval: unknown): string {
  const text = typeof interval === 'number' ? `${Math.round(interval / 1000)}s` : String(interval);
  return query.replace(/\{\{\s*interval\s*\}\}/g, text);
}

/** `value >= min && value <= max`, with CEL double literals. */
function rangeCondition(value: string, range: { min?: number; max?: number }): string {
  const parts: string[] = [];
  if (range.min !== undefined) parts.push(`${value} >= ${double(range.min)}`);
  if (range.max !== undefined) parts.push(`${value} <= ${double(range.max)}`);
  return parts.join(' && ');
}

function double(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}
