import { histogramQuantile } from '../../agent/metrics/histogram.ts';
import type { LatencyBucket } from './judge.ts';
import type { VersionDelta } from './window.ts';

/**
 * The q-quantile of a window's latencies in seconds: PromQL's histogram_quantile over the buckets,
 * else linear interpolation between the sorted raw samples; NaN without data.
 * @example latencyQuantile(0.95, delta) // 0.42
 */
export function latencyQuantile(q: number, delta: VersionDelta): number {
  if (delta.latencyBuckets) return bucketQuantile(q, delta.latencyBuckets, delta.requests);
  if (delta.latencySamples) return sampleQuantile(q, delta.latencySamples);
  return NaN;
}

/** histogram_quantile over cumulative buckets; without a `+Inf` bucket, `total` counts everything. */
export function bucketQuantile(q: number, buckets: readonly LatencyBucket[], total: number): number {
  const finite = buckets.filter((b) => b.le !== Infinity);
  const inf = buckets.find((b) => b.le === Infinity);
  const count = inf ? inf.count : Math.max(total, finite[finite.length - 1]?.count ?? 0);
  if (finite.length === 0) return NaN;
  return histogramQuantile(q, {
    bounds: finite.map((b) => b.le),
    cumulative: [...finite.map((b) => b.count), count],
    sum: NaN,
    count,
  });
}

/** The q-quantile of raw samples by linear interpolation (R's type 7, NumPy's default). */
export function sampleQuantile(q: number, samples: readonly number[]): number {
  const sorted = Float64Array.from(samples.filter((v) => !Number.isNaN(v))).sort();
  if (sorted.length === 0 || Number.isNaN(q)) return NaN;
  const h = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const below = sorted[lo] as number;
  const above = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return below + (h - lo) * (above - below);
}
