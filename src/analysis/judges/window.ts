import type { LatencyBucket, VersionSample } from './judge.ts';

/** What one version served between two instants: counter increases and the raw latencies seen. */
export interface VersionDelta {
  readonly requests: number;
  readonly errors: number;
  /** Increase of each cumulative bucket; absent when the samples carry no histogram. */
  readonly latencyBuckets?: readonly LatencyBucket[];
  /** Raw latencies of the requests in the window; absent when the samples carry none. */
  readonly latencySamples?: readonly number[];
}

/** An empty delta: nothing served. */
export const NOTHING: VersionDelta = Object.freeze({ requests: 0, errors: 0 });

/** Index of the newest sample taken at or before `t` (epoch ms), or -1 (binary search). */
export function indexAt(series: readonly VersionSample[], t: number): number {
  let lo = 0;
  let hi = series.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((series[mid] as VersionSample).at.getTime() <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * What `series` served in (from, to]: counters of the newest sample at or before `to` minus those of
 * the newest at or before `from`. A series with no sample at or before `from` counts from zero, like
 * PromQL's `increase` over a series that is new; counters must not go backwards.
 */
export function versionDelta(series: readonly VersionSample[], from: number, to: number): VersionDelta {
  const end = indexAt(series, to);
  if (end < 0) return NOTHING;
  const start = indexAt(series, from);
  if (start >= end) return NOTHING;
  const last = series[end] as VersionSample;
  const first = start >= 0 ? (series[start] as VersionSample) : undefined;
  const latencyBuckets = last.latencyBuckets && bucketDelta(last.latencyBuckets, first?.latencyBuckets);
  let latencySamples: number[] | undefined;
  for (let i = start + 1; i <= end; i++) {
    const own = (series[i] as VersionSample).latencySamples;
    if (own) (latencySamples ??= []).push(...own);
  }
  return {
    requests: Math.max(0, last.requests - (first?.requests ?? 0)),
    errors: Math.max(0, last.errors - (first?.errors ?? 0)),
    ...(latencyBuckets && { latencyBuckets }),
    ...(latencySamples && { latencySamples }),
  };
}

/** The increase of each bucket of `later` over the bucket with the same `le` in `earlier`. */
export function bucketDelta(
  later: readonly LatencyBucket[],
  earlier: readonly LatencyBucket[] | undefined,
): readonly LatencyBucket[] {
  if (!earlier || earlier.length === 0) return later;
  const before = new Map(earlier.map((b) => [b.le, b.count]));
  return later.map((b) => ({ le: b.le, count: Math.max(0, b.count - (before.get(b.le) ?? 0)) }));
}

/** How many latencies a delta describes: the `+Inf` bucket, else the raw samples, else its requests. */
export function latencyCount(delta: VersionDelta): number {
  const buckets = delta.latencyBuckets;
  const last = buckets?.[buckets.length - 1];
  if (last && last.le === Infinity) return last.count;
  return delta.latencySamples?.length ?? delta.requests;
}
