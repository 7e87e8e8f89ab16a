/*
 * One metric inside an analysis run: when it measures next, how a measurement is judged and
 * counted, and the metric's phase from its limits. Pure; times are epoch milliseconds or ISO text.
 */
import { jsonSafe, judge } from './conditions.ts';
import { judgeScrape, type StoredSamples } from './judge-metric.ts';
import type { AnalysisPhase, Measurement, MetricQuery, RawMeasurement } from './provider.ts';
import type { ResolvedMetric } from './resolve-template.ts';

/** After an error, the next measurement comes this soon, whatever the interval (as Argo). */
export const ERROR_RETRY_INTERVAL_MS = 10_000;

/** Extra time a provider gets beyond its own timeout before a missing result counts as an error. */
export const RESULT_GRACE_MS = 10_000;

/** Timeout of providers without their own (prometheus, builtin). */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

/** A metric's measurements and counters; the counters survive measurement retention. */
export interface MetricResult {
  readonly name: string;
  readonly phase: AnalysisPhase;
  readonly dryRun: boolean;
  /** Successful, failed and inconclusive measurements (errors do not count, as in Argo). */
  readonly count: number;
  readonly successful: number;
  readonly failed: number;
  readonly inconclusive: number;
  readonly error: number;
  readonly consecutiveError: number;
  /** Failed measurements in a row (absent in runs stored before it existed: 0). */
  readonly consecutiveFailed?: number;
  /** The newest `measurementRetention` measurements, oldest first; the last may be in flight. */
  readonly measurements: readonly Measurement[];
  /** Why the metric is in its phase, once it is no longer running. */
  readonly message?: string;
  /** A judged metric: every scrape of both versions, which its judge reads (never trimmed). */
  readonly samples?: StoredSamples;
}

/** A metric before its first measurement. */
export function newMetricResult(spec: ResolvedMetric): MetricResult {
  return {
    name: spec.name,
    phase: 'running',
    dryRun: spec.dryRun,
    count: 0,
    successful: 0,
    failed: 0,
    inconclusive: 0,
    error: 0,
    consecutiveError: 0,
    measurements: [],
  };
}

/**
 * Measurements a metric takes before it is successful: `count`, else 1 without an interval, else
 * unbounded (undefined: it runs until its run ends).
 */
export function effectiveCount(spec: ResolvedMetric): number | undefined {
  if (spec.count !== undefined && spec.count > 0) return spec.count;
  return spec.intervalMs === undefined ? 1 : undefined;
}

/** The measurement waiting for its provider's answer, if any. */
export function inFlight(result: MetricResult): Measurement | undefined {
  const last = result.measurements.at(-1);
  return last?.phase === 'running' ? last : undefined;
}

/**
 * When the next measurement is due (epoch ms): `initialDelay` after the run started for the first,
 * then `interval` (or 10s after an error) after the previous one finished. Undefined when the metric
 * is done, has a measurement in flight, or has taken `count` measurements.
 */
export function nextMeasurementAt(
  spec: ResolvedMetric,
  result: MetricResult,
  runStartedAt: number,
): number | undefined {
  if (result.phase !== 'running' || inFlight(result)) return undefined;
  const last = result.measurements.at(-1);
  if (!last) return runStartedAt + spec.initialDelayMs;
  const target = effectiveCount(spec);
  if (target !== undefined && result.count >= target) return undefined;
  const finished = Date.parse(last.finishedAt);
  if (last.phase === 'error') return finished + ERROR_RETRY_INTERVAL_MS;
  return spec.intervalMs === undefined ? undefined : finished + spec.intervalMs;
}

/** When an in-flight measurement without an answer becomes an error (epoch ms). */
export function resultDeadline(spec: ResolvedMetric, result: MetricResult): number | undefined {
  const pending = inFlight(result);
  return pending ? Date.parse(pending.startedAt) + queryTimeoutMs(spec.query) + RESULT_GRACE_MS : undefined;
}

/** The metric with a new measurement in flight from `now`. */
export function startMeasurement(spec: ResolvedMetric, result: MetricResult, now: Date): MetricResult {
  const at = now.toISOString();
  const pending: Measurement = { phase: 'running', startedAt: at, finishedAt: at };
  return { ...result, measurements: retain([...result.measurements, pending], spec.measurementRetention) };
}

/**
 * Judges the provider's answer for the in-flight measurement, counts it, re-assesses the phase
 * and trims history to `measurementRetention`. A metric without a measurement in flight is returned as is.
 */
export function finishMeasurement(
  spec: ResolvedMetric,
  result: MetricResult,
  raw: RawMeasurement,
  now: Date,
): MetricResult {
  const pending = inFlight(result);
  if (!pending || result.phase !== 'running') return result;
  if (spec.judge && 'value' in raw) return finishJudged(spec, result, raw.value, pending, now);
  const verdict = judge(raw, spec);
  const measurement: Measurement = {
    phase: verdict.phase,
    ...('value' in raw && { value: jsonSafe(raw.value) }),
    startedAt: pending.startedAt,
    finishedAt: now.toISOString(),
    message: verdict.message,
  };
  const counted = count(result, verdict.phase);
  const measurements = retain([...result.measurements.slice(0, -1), measurement], spec.measurementRetention);
  const next = { ...counted, measurements };
  const { phase, message } = assessMetric(spec, next);
  return { ...next, phase, ...(message !== undefined && { message }) };
}

/**
 * A judged metric's measurement: the judge's pass is successful and its fail failed; "not yet" is
 * recorded as inconclusive but counts only toward `count` (it is no verdict, just the window going on).
 */
function finishJudged(
  spec: ResolvedMetric,
  result: MetricResult,
  value: unknown,
  pending: Measurement,
  now: Date,
): MetricResult {
  const target = effectiveCount(spec);
  const window = { bounded: target !== undefined, last: target !== undefined && result.count + 1 >= target };
  const judged = judgeScrape(spec.judge!, result.samples, value, now, window);
  if (typeof judged === 'string') return finishMeasurement(spec, result, { error: judged }, now);
  const phase = JUDGED_PHASE[judged.decision];
  const measurement: Measurement = {
    phase,
    value: jsonSafe(judged.evidence),
    startedAt: pending.startedAt,
    finishedAt: now.toISOString(),
    message: judged.message,
  };
  const counted =
    phase === 'inconclusive'
      ? { ...result, count: result.count + 1, consecutiveError: 0 }
      : count(result, phase);
  const measurements = retain([...result.measurements.slice(0, -1), measurement], spec.measurementRetention);
  const next = { ...counted, measurements, samples: judged.samples };
  const { phase: metricPhase, message } = assessMetric(spec, next);
  return { ...next, phase: metricPhase, ...(message !== undefined && { message }) };
}

const JUDGED_PHASE = { pass: 'successful', fail: 'failed', continue: 'inconclusive' } as const;

/**
 * The metric's phase from its counters, checked in Argo's order: failed when failures exceed
 * `failureLimit`, inconclusive when inconclusive measurements exceed `inconclusiveLimit`, error
 * when consecutive errors exceed `consecutiveErrorLimit`, successful when `count` is reached.
 * A phase other than running is final.
 */
export function assessMetric(
  spec: ResolvedMetric,
  result: MetricResult,
): { phase: AnalysisPhase; message?: string } {
  if (result.phase !== 'running')
    return { phase: result.phase, ...(result.message && { message: result.message }) };
  const last = result.measurements.at(-1);
  if (!last || last.phase === 'running') return { phase: 'running' };
  const because = last.message ? ` (last: ${last.message})` : '';
  const inARow = result.consecutiveFailed ?? 0;
  if (spec.consecutiveFailureLimit !== undefined && inARow > spec.consecutiveFailureLimit) {
    return {
      phase: 'failed',
      message: `${plural(inARow, 'consecutive failed measurement')} ${exceed(inARow)} consecutiveFailureLimit ${spec.consecutiveFailureLimit}${because}`,
    };
  }
  if (spec.failureLimit >= 0 && result.failed > spec.failureLimit) {
    return {
      phase: 'failed',
      message: `${plural(result.failed, 'failed measurement')} ${exceed(result.failed)} failureLimit ${spec.failureLimit}${because}`,
    };
  }
  if (result.inconclusive > spec.inconclusiveLimit) {
    return {
      phase: 'inconclusive',
      message: `${plural(result.inconclusive, 'inconclusive measurement')} ${exceed(result.inconclusive)} inconclusiveLimit ${spec.inconclusiveLimit}${because}`,
    };
  }
  if (result.consecutiveError > spec.consecutiveErrorLimit) {
    return {
      phase: 'error',
      message: `${plural(result.consecutiveError, 'consecutive error')} ${exceed(result.consecutiveError)} consecutiveErrorLimit ${spec.consecutiveErrorLimit}${because}`,
    };
  }
  const target = effectiveCount(spec);
  if (target !== undefined && result.count >= target) {
    if (spec.judge && last.phase !== 'successful') {
      return {
        phase: 'inconclusive',
        message: `the window of ${target} measurements ended without a pass${because}`,
      };
    }
    return { phase: 'successful', message: `count ${target} reached (${tally(result)})` };
  }
  return { phase: 'running' };
}

/**
 * Ends a metric because its run ended: an in-flight measurement is dropped and a running metric
 * becomes successful (Argo: "run terminated"); a finished metric keeps its phase.
 */
export function endMetric(result: MetricResult, why: string): MetricResult {
  if (result.phase !== 'running') return result;
  const measurements = inFlight(result) ? result.measurements.slice(0, -1) : result.measurements;
  return { ...result, measurements, phase: 'successful', message: `${why} (${tally(result)})` };
}

/** A short count of a metric's measurements by phase, e.g. `2 successful, 1 failed`. */
export function tally(result: MetricResult): string {
  const parts = [
    [result.successful, 'successful'],
    [result.failed, 'failed'],
    [result.inconclusive, 'inconclusive'],
    [result.error, result.error === 1 ? 'error' : 'errors'],
  ] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, word]) => `${n} ${word}`);
  return shown.length > 0 ? shown.join(', ') : 'no measurements';
}

/** How long a provider may take for a query (its own timeout, else DEFAULT_QUERY_TIMEOUT_MS). */
export function queryTimeoutMs(query: MetricQuery): number {
  const p = query.provider;
  return p.kind === 'web' || p.kind === 'job' ? p.timeoutMs : DEFAULT_QUERY_TIMEOUT_MS;
}

function count(result: MetricResult, phase: Measurement['phase']): MetricResult {
  switch (phase) {
    case 'successful':
      return {
        ...result,
        successful: result.successful + 1,
        count: result.count + 1,
        consecutiveError: 0,
        consecutiveFailed: 0,
      };
    case 'failed':
      return {
        ...result,
        failed: result.failed + 1,
        count: result.count + 1,
        consecutiveError: 0,
        consecutiveFailed: (result.consecutiveFailed ?? 0) + 1,
      };
    case 'inconclusive':
      return {
        ...result,
        inconclusive: result.inconclusive + 1,
        count: result.count + 1,
        consecutiveError: 0,
        consecutiveFailed: 0,
      };
    case 'error':
      return { ...result, error: result.error + 1, consecutiveError: result.consecutiveError + 1 };
    case 'running':
      return result;
  }
}

function retain(measurements: readonly Measurement[], limit: number): readonly Measurement[] {
  return measurements.length > limit ? measurements.slice(measurements.length - limit) : measurements;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function exceed(n: number): string {
  return n === 1 ? 'exceeds' : 'exceed';
}
