/*
 * The Argo judge's counts from Prometheus instead of Runway's data plane, for pods that serve
 * outside Runway's router (Argo's, on Kubernetes): per `version` label, the current sums of
 * `http_requests_total` (all, and 5xx) and of `http_request_duration_seconds_bucket`, the names
 * the seeds' PromQL uses. The environment is not a label there, so it is not filtered on.
 */
import type { VersionSnapshot } from '../../agent/metrics/version-snapshot.ts';
import type { Labels } from '../../analysis/providers/prometheus-response.ts';
import type { MeasureContext, MetricQuery } from '../../analysis/provider.ts';
import type { CountSource } from './web-metric.ts';

/** The one call of a Prometheus provider this needs. */
export interface InstantQueries {
  measure(
    query: MetricQuery,
    ctx: MeasureContext,
  ): Promise<{ value: unknown; labels?: readonly Labels[] } | { error: string }>;
}

/** Counts per version from Prometheus; a failed query rejects with its reason. */
export class PrometheusCounts implements CountSource {
  readonly #prometheus: InstantQueries;
  readonly #now: () => Date;

  constructor(prometheus: InstantQueries, now: () => Date = () => new Date()) {
    this.#prometheus = prometheus;
    this.#now = now;
  }

  async snapshot(service: string): Promise<readonly VersionSnapshot[]> {
    const s = promString(service);
    const [totals, errors, buckets] = await Promise.all([
      this.#query(`sum by (version) (http_requests_total{service=${s}})`),
      this.#query(
        `sum by (version) (http_requests_total{service=${s},code=~"5.."}) or (sum by (version) (http_requests_total{service=${s}}) * 0)`,
      ),
      this.#query(`sum by (version, le) (http_request_duration_seconds_bucket{service=${s}})`),
    ]);
    const out: VersionSnapshot[] = [];
    for (const [version, total] of totals) {
      const mine = [...buckets].filter(([key]) => key.startsWith(`${version}\u0000`));
      const les = mine
        .map(([key, count]) => ({ le: parseLe(key.slice(version.length + 1)), count }))
        .sort((a, b) => a.le - b.le);
      const finite = les.filter((b) => Number.isFinite(b.le));
      const inf = les.find((b) => b.le === Infinity)?.count ?? total;
      const errs = errors.get(version) ?? 0;
      out.push({
        service,
        version,
        total,
        errors: errs,
        codes: { '5xx': errs },
        latency: {
          bounds: finite.map((b) => b.le),
          cumulative: [...finite.map((b) => b.count), inf],
          sum: 0,
          count: inf,
        },
      });
    }
    return out;
  }

  /** Runs one query; the answer keyed by `version` (and `\0le` when grouped by it). */
  async #query(promql: string): Promise<Map<string, number>> {
    const measured = await this.#prometheus.measure(
      { metric: 'argo-judge-counts', provider: { kind: 'prometheus', query: promql } },
      { now: this.#now(), signal: new AbortController().signal, args: {} },
    );
    if ('error' in measured) {
      // an empty vector only means no such requests yet
      if (/empty/i.test(measured.error)) return new Map();
      throw new Error(measured.error);
    }
    const values = typeof measured.value === 'number' ? [measured.value] : measured.value;
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'number'))
      throw new Error(`prometheus answered something other than numbers to ${promql}`);
    const out = new Map<string, number>();
    (values as number[]).forEach((v, i) => {
      const labels = measured.labels?.[i] ?? {};
      const version = labels['version'];
      if (version === undefined) return;
      out.set(labels['le'] === undefined ? version : `${version}\u0000${labels['le']}`, v);
    });
    return out;
  }
}

/** A PromQL string literal: the value can never end the string or the selector. */
function promString(text: string): string {
  return JSON.stringify(text);
}

function parseLe(text: string): number {
  return text === '+Inf' ? Infinity : Number(text);
}
