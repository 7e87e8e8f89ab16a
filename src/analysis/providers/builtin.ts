import { histogramQuantile } from '../../agent/metrics/histogram.ts';
import { deltaSnapshots, errorRate } from '../../agent/metrics/version-snapshot.ts';
import type { VersionSnapshot } from '../../agent/metrics/version-snapshot.ts';
import type { CountersValue } from '../judge-metric.ts';
import type { BuiltinMetric, MeasureContext, MetricQuery, Provider } from '../provider.ts';
import { ProviderConfigError } from './config-error.ts';
import { errorMeasurement, isError, queryFor, settle } from './measurement.ts';
import type { ErrorMeasurement } from './measurement.ts';
import { SnapshotHistory } from './snapshot-history.ts';

/** The one call of `RequestMetrics` the built-in provider needs. */
export interface SnapshotSource {
  snapshot(service?: string): readonly VersionSnapshot[];
}

/** What the built-in provider measured over its window, with the evidence behind it. */
export interface BuiltinValue {
  /** A ratio (error-rate), seconds (latency-p95/p99) or requests per second (request-rate). */
  readonly value: number;
  readonly requests: number;
  readonly windowSeconds: number;
}

/** A built-in measurement, or why there is none. */
export type BuiltinMeasurement = BuiltinValue | ErrorMeasurement;

/** Where the built-in provider reads counts, e.g. `{ metrics: requestMetrics }`. */
export interface BuiltinOptions {
  readonly metrics: SnapshotSource;
  /**
   * A live data plane (not a replay): when a measurement finds no earlier snapshot to diff against,
   * wait one window (up to 15 s) and measure that, instead of answering an error that costs
   * Argo's 10 s error retry. Uses real time, so leave it off with a virtual clock.
   */
  readonly waitForFirstWindow?: boolean;
}

/** Longest first window a live measurement waits for. */
const MAX_FIRST_WINDOW_MS = 15_000;

const QUANTILES: Partial<Record<BuiltinMetric, number>> = { 'latency-p95': 0.95, 'latency-p99': 0.99 };

/**
 * Judges a version from the local router's own counts, no Prometheus needed: each measurement diffs the
 * counters against a snapshot taken `windowMs` earlier (the first one only records a baseline). The
 * service comes from `args.service`, the version from `args['canary.version']` / `args['stable.version']`,
 * and `args.environment` picks the environment when the router labels its requests with one.
 */
export class BuiltinProvider implements Provider {
  readonly name = 'builtin';
  readonly #metrics: SnapshotSource;
  readonly #waitForFirstWindow: boolean;
  readonly #history = new SnapshotHistory();

  constructor(options: BuiltinOptions) {
    if (typeof options?.metrics?.snapshot !== 'function') {
      throw new ProviderConfigError(
        'the builtin provider needs the data plane metrics ({ metrics: { snapshot() } })',
      );
    }
    this.#metrics = options.metrics;
    this.#waitForFirstWindow = options.waitForFirstWindow ?? false;
  }

  /** Measures the window that ends at `ctx.now`; never rejects. */
  measure(query: MetricQuery, ctx: MeasureContext): Promise<BuiltinMeasurement | { value: CountersValue }> {
    return settle('builtin', ctx, async () => {
      const q = queryFor(query, 'builtin');
      if (isError(q)) return q;
      const service = ctx.args?.['service'];
      if (!service) return errorMeasurement('the builtin provider needs args.service');
      if (q.metric === 'counters') return this.#counters(service, ctx);
      const versionArg = `${q.version}.version`;
      const version = ctx.args[versionArg];
      if (!version)
        return errorMeasurement(`the builtin provider needs args['${versionArg}'] to find the ${q.version}`);
      if (!Number.isInteger(q.windowMs) || q.windowMs <= 0) {
        return errorMeasurement(`builtin windowMs must be a positive whole number, got ${q.windowMs}`);
      }
      let at = ctx.now.getTime();
      if (Number.isNaN(at)) return errorMeasurement('the builtin provider needs a valid time (now)');
      const environment = ctx.args['environment'];
      let current = inEnvironment(this.#metrics.snapshot(service), environment);
      const key = environment === undefined ? service : `${service}\u0000${environment}`;
      let baseline = this.#history.baseline(key, at, q.windowMs, current);
      // live: a baseline much younger than the window (another metric of the service measured a
      // moment ago) is no window at all; measure a whole one instead
      const tooShort = baseline !== undefined && at - baseline.at < q.windowMs / 2;
      if ((!baseline || tooShort) && this.#waitForFirstWindow && q.windowMs <= MAX_FIRST_WINDOW_MS) {
        // the first window of a live run: the snapshot just taken is its start
        baseline = { at, snapshot: current };
        await abortableSleep(q.windowMs, ctx.signal);
        current = inEnvironment(this.#metrics.snapshot(service), environment);
        this.#history.baseline(key, at + q.windowMs, q.windowMs, current);
        at += q.windowMs;
      }
      if (!baseline) {
        return errorMeasurement(`no window yet for ${service}: this first measurement records the baseline`);
      }
      const deltas = deltaSnapshots(current, baseline.snapshot).filter((s) => s.version === version);
      if (deltas.length > 1) {
        const where = deltas.map((s) => s.environment).join(', ');
        return errorMeasurement(
          `${service} ${version} runs in several environments (${where}): pass args.environment to choose one`,
        );
      }
      const delta = deltas[0];
      const windowSeconds = (at - baseline.at) / 1000;
      const who = `${service} ${version} (${q.version})`;
      if (delta && (delta.total < 0 || delta.latency.count < 0)) {
        this.#history.restart(key, at, current);
        return errorMeasurement(
          `counters of ${who} went backwards (the data plane restarted); the window starts again`,
        );
      }
      if (!delta || delta.total === 0) {
        return errorMeasurement(`no requests to ${who} in the ${windowSeconds} s window`);
      }
      const value = measureDelta(q.metric, delta, windowSeconds);
      if (value === undefined) return errorMeasurement(`unknown builtin metric ${JSON.stringify(q.metric)}`);
      return Object.freeze({ value, requests: delta.total, windowSeconds });
    });
  }

  /** Both versions' cumulative counters and latency buckets now, for a judge (zero before any request). */
  #counters(service: string, ctx: MeasureContext): { value: CountersValue } | ErrorMeasurement {
    const current = inEnvironment(this.#metrics.snapshot(service), ctx.args['environment']);
    const value: Record<string, CountersValue['canary']> = {};
    for (const role of ['canary', 'stable'] as const) {
      const version = ctx.args[`${role}.version`];
      if (!version) return errorMeasurement(`a judge needs args['${role}.version'] to find the ${role}`);
      const series = current.filter((s) => s.version === version);
      if (series.length > 1) {
        const where = series.map((s) => s.environment).join(', ');
        return errorMeasurement(
          `${service} ${version} runs in several environments (${where}): pass args.environment to choose one`,
        );
      }
      value[role] = countersOf(series[0]);
    }
    return { value: value as unknown as CountersValue };
  }
}

function countersOf(s: VersionSnapshot | undefined): CountersValue['canary'] {
  if (!s) return { requests: 0, errors: 0 };
  const { bounds, cumulative } = s.latency;
  const buckets = cumulative.map((count, i) => [bounds[i] ?? null, count] as const);
  return { requests: s.total, errors: s.errors, buckets };
}

/**
 * The series of `environment`: series recorded without one belong to every environment (a data
 * plane serving one), series recorded with one only to theirs.
 */
function inEnvironment(
  snapshot: readonly VersionSnapshot[],
  environment: string | undefined,
): readonly VersionSnapshot[] {
  if (environment === undefined) return snapshot;
  return snapshot.filter((s) => s.environment === undefined || s.environment === environment);
}

function measureDelta(
  metric: BuiltinMetric,
  delta: VersionSnapshot,
  windowSeconds: number,
): number | undefined {
  if (metric === 'error-rate') return errorRate(delta);
  if (metric === 'request-rate') return delta.total / windowSeconds;
  const q = QUANTILES[metric];
  return q === undefined ? undefined : histogramQuantile(q, delta.latency);
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
