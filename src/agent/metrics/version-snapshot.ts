import type { HistogramSnapshot } from './histogram.ts';

/** Raw counts of one version of one service, what the built-in analysis provider reads instead of Prometheus. */
export interface VersionSnapshot {
  readonly service: string;
  /** Present when the requests were recorded with an environment. */
  readonly environment?: string;
  readonly version: string;
  /** Every request answered (or aborted) on this version. */
  readonly total: number;
  /** Requests whose code is 5xx. */
  readonly errors: number;
  /** Requests by status code, as in `http_requests_total{code}`. */
  readonly codes: Readonly<Record<string, number>>;
  readonly latency: HistogramSnapshot;
}

/**
 * What happened between two snapshots of the same metrics: counters of `later` minus `earlier`, per
 * service, environment and version. Counters only grow, so this is the window an analysis judges (like PromQL's
 * `increase`); a series missing from `earlier` counts from zero.
 */
export function deltaSnapshots(
  later: readonly VersionSnapshot[],
  earlier: readonly VersionSnapshot[],
): readonly VersionSnapshot[] {
  const id = (s: VersionSnapshot) => `${s.service}\u0000${s.environment ?? ''}\u0000${s.version}`;
  const before = new Map(earlier.map((s) => [id(s), s]));
  return Object.freeze(
    later.map((now) => {
      const then = before.get(id(now));
      if (!then) return now;
      const codes: Record<string, number> = {};
      for (const [code, n] of Object.entries(now.codes)) {
        const d = n - (then.codes[code] ?? 0);
        if (d > 0) codes[code] = d;
      }
      return Object.freeze({
        service: now.service,
        ...(now.environment === undefined ? {} : { environment: now.environment }),
        version: now.version,
        total: now.total - then.total,
        errors: now.errors - then.errors,
        codes: Object.freeze(codes),
        latency: Object.freeze({
          bounds: now.latency.bounds,
          cumulative: Object.freeze(
            now.latency.cumulative.map((c, i) => c - (then.latency.cumulative[i] ?? 0)),
          ),
          sum: now.latency.sum - then.latency.sum,
          count: now.latency.count - then.latency.count,
        }),
      });
    }),
  );
}

/** Share of 5xx among all requests of a snapshot (NaN when there were none). */
export function errorRate(s: VersionSnapshot): number {
  return s.total === 0 ? NaN : s.errors / s.total;
}
