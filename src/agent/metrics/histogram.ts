/** Bucket upper bounds in seconds, the Prometheus client libraries' defaults. */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** A latency histogram as the exposition format shows it: cumulative counts per upper bound. */
export interface HistogramSnapshot {
  /** Finite upper bounds, ascending; the implicit last bucket is `+Inf`. */
  readonly bounds: readonly number[];
  /** Observations ≤ each bound, then the total (the `+Inf` bucket): `bounds.length + 1` entries. */
  readonly cumulative: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** Checks that bucket bounds are finite, positive and strictly ascending; returns them frozen. */
export function validateBuckets(bounds: readonly number[]): readonly number[] {
  const ok =
    bounds.length > 0 &&
    bounds.every((b, i) => Number.isFinite(b) && b > 0 && (i === 0 || b > (bounds[i - 1] as number)));
  if (!ok) throw new RangeError(`buckets must be finite, positive and ascending, got [${bounds.join(', ')}]`);
  return Object.freeze([...bounds]);
}

/** A mutable histogram with fixed bounds; observing is a short scan and two additions. */
export class Histogram {
  readonly bounds: readonly number[];
  readonly #counts: Float64Array;
  #sum = 0;

  /** `bounds` must have been checked by validateBuckets. */
  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.#counts = new Float64Array(bounds.length + 1);
  }

  /** Adds one observation (seconds). */
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#sum += value;
  }

  /** The cumulative view, frozen. */
  snapshot(): HistogramSnapshot {
    const cumulative: number[] = [];
    let running = 0;
    for (const c of this.#counts) cumulative.push((running += c));
    return Object.freeze({
      bounds: this.bounds,
      cumulative: Object.freeze(cumulative),
      sum: this.#sum,
      count: running,
    });
  }
}

/**
 * The q-quantile estimated the way PromQL's histogram_quantile does: linear interpolation inside the
 * bucket the rank falls in; the highest finite bound when it falls in `+Inf`; NaN when empty.
 *
 * @example histogramQuantile(0.95, snapshot) // → 0.42
 */
export function histogramQuantile(q: number, h: HistogramSnapshot): number {
  if (h.count === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * h.count;
  let i = 0;
  while (i < h.bounds.length && ((h.cumulative[i] as number) < rank || h.cumulative[i] === 0)) i++;
  if (i === h.bounds.length) return h.bounds[h.bounds.length - 1] as number;
  const lower = i === 0 ? 0 : (h.bounds[i - 1] as number);
  const below = i === 0 ? 0 : (h.cumulative[i - 1] as number);
  const inBucket = (h.cumulative[i] as number) - below;
  const upper = h.bounds[i] as number;
  if (inBucket === 0) return lower;
  return lower + (upper - lower) * ((rank - below) / inBucket);
}
