/** One scrape of one version's counters, as a judged metric stores it. */
export interface StoredSample {
  readonly at: string;
  readonly requests: number;
  readonly errors: number;
  /** `[le, count]` pairs; `le` null is `+Inf`. */
  readonly buckets?: readonly (readonly [number | null, number])[];
}

/** Both versions' scrapes so far. */
export interface StoredSamples {
  readonly canary: readonly StoredSample[];
  readonly stable: readonly StoredSample[];
}
