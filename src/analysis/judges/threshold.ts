/*
 * Per-measurement conditions on the canary alone — "error rate < 0.02", "p95 < 0.5s" — as the seeds'
 * AnalysisTemplates and Flagger's thresholdRange write them. The baseline judges (flagger-baseline.ts,
 * argo-baseline.ts) take such measurements at intervals. (In runway.yaml, threshold checks are a
 * metric's conditions, judged by ../conditions.ts.)
 */
import type { WindowObservations } from './judge.ts';
import { latencyQuantile } from './quantile.ts';
import { versionDelta } from './window.ts';

/** One condition on one measured value; exactly one of `below` and `atMost`. */
export interface ThresholdCondition {
  readonly metric: 'error-ratio' | 'latency';
  /** For latency: the quantile, default 0.95. */
  readonly quantile?: number;
  /** Holds when the value is strictly below this, like `successCondition: result < 0.02`. */
  readonly below?: number;
  /** Holds when the value is at most this, like Flagger's `thresholdRange: { max: 1200 }`. */
  readonly atMost?: number;
}

/** `successful`: every condition holds; `failed`: one does not; `error`: no data (Argo's phases). */
export interface Measurement {
  readonly phase: 'successful' | 'failed' | 'error';
  readonly at: string;
  readonly windowMs: number;
  readonly requests: number;
  readonly errors: number;
  readonly values: Readonly<Record<string, number>>;
  readonly message: string;
}

/** Checks conditions against the canary's window [toMs − windowMs, toMs] (clipped at `startedAt`). */
export function measure(
  observations: WindowObservations,
  toMs: number,
  windowMs: number,
  conditions: readonly ThresholdCondition[],
): Measurement {
  const fromMs = Math.max(observations.startedAt.getTime(), toMs - windowMs);
  const delta = versionDelta(observations.canary, fromMs, toMs);
  const base = {
    at: new Date(toMs).toISOString(),
    windowMs: toMs - fromMs,
    requests: delta.requests,
    errors: delta.errors,
  };
  if (delta.requests === 0) {
    return Object.freeze({
      ...base,
      phase: 'error',
      values: {},
      message: 'no requests in the window: no values',
    });
  }
  const values: Record<string, number> = {};
  const broken: string[] = [];
  for (const c of conditions) {
    const label = labelOf(c);
    const value =
      c.metric === 'error-ratio' ? delta.errors / delta.requests : latencyQuantile(c.quantile ?? 0.95, delta);
    values[label] = value;
    if (Number.isNaN(value)) {
      return Object.freeze({ ...base, phase: 'error', values, message: `${label}: no values` });
    }
    if (!holds(c, value)) broken.push(`${label} = ${round(value)}, want ${wanted(c)}`);
  }
  return Object.freeze({
    ...base,
    phase: broken.length === 0 ? 'successful' : 'failed',
    values: Object.freeze(values),
    message: broken.length === 0 ? 'every condition holds' : broken.join('; '),
  });
}

/** Checks that conditions are well formed, once, at construction. */
export function checkConditions(conditions: readonly ThresholdCondition[]): readonly ThresholdCondition[] {
  if (conditions.length === 0) throw new RangeError('at least one condition is needed');
  for (const c of conditions) {
    if (c.metric !== 'error-ratio' && c.metric !== 'latency') {
      throw new RangeError(`unknown metric ${JSON.stringify(c.metric)}: want error-ratio or latency`);
    }
    if ((c.below === undefined) === (c.atMost === undefined)) {
      throw new RangeError(`condition on ${c.metric} needs exactly one of below and atMost`);
    }
    if (c.quantile !== undefined && !(c.quantile > 0 && c.quantile < 1)) {
      throw new RangeError(`quantile must be in (0, 1), got ${c.quantile}`);
    }
  }
  return Object.freeze(conditions.map((c) => Object.freeze({ ...c })));
}

/** The seeds' threshold baselines, ready to use. */
export const SEED_CONDITIONS = Object.freeze({
  /** CompanyOS slo-burn-check: `result < 0.02` on the error rate and `result < 0.5` on p95. */
  companyOs: checkConditions([
    { metric: 'error-ratio', below: 0.02 },
    { metric: 'latency', quantile: 0.95, below: 0.5 },
  ]),
  /** DawsOS Flagger canary: success rate ≥ 99.5% (error ratio ≤ 0.5%) and p95 ≤ 1.2s. */
  dawsOs: checkConditions([
    { metric: 'error-ratio', atMost: 0.005 },
    { metric: 'latency', quantile: 0.95, atMost: 1.2 },
  ]),
});

/** The instants startedAt + k·interval (k = 1..max) that are not after `now`: when interval judges check. */
export function checkTimes(startedAtMs: number, intervalMs: number, nowMs: number, max: number): number[] {
  const times: number[] = [];
  for (let k = 1; k <= max && startedAtMs + k * intervalMs <= nowMs; k++)
    times.push(startedAtMs + k * intervalMs);
  return times;
}

function holds(c: ThresholdCondition, value: number): boolean {
  return c.below !== undefined ? value < c.below : value <= (c.atMost as number);
}

function labelOf(c: ThresholdCondition): string {
  return c.metric === 'error-ratio'
    ? 'error-ratio'
    : `latency-p${Number(((c.quantile ?? 0.95) * 100).toFixed(1))}`;
}

function wanted(c: ThresholdCondition): string {
  return c.below !== undefined ? `< ${c.below}` : `≤ ${c.atMost}`;
}

function round(x: number): string {
  return String(Number(x.toPrecision(4)));
}
