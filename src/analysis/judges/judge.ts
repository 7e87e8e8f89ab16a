/** One bucket of a cumulative latency histogram, like `http_request_duration_seconds_bucket{le}`. */
export interface LatencyBucket {
  /** Upper bound in seconds (inclusive); the last bucket may be `Infinity` (`+Inf`). */
  readonly le: number;
  /** Requests with latency ≤ `le`, counted since the counters started. */
  readonly count: number;
}

/**
 * What one version had served at one instant. Counters are cumulative and only grow, like
 * `http_requests_total`; raw latency samples are events, so each sample carries only its own.
 */
export interface VersionSample {
  readonly at: Date;
  /** Requests answered since the counters started. */
  readonly requests: number;
  /** Failed requests (5xx) among them. */
  readonly errors: number;
  /** Cumulative latency histogram, buckets in ascending `le`. */
  readonly latencyBuckets?: readonly LatencyBucket[];
  /** Latencies in seconds of the requests answered since this version's previous sample. */
  readonly latencySamples?: readonly number[];
}

/**
 * The two versions' samples since the window began, each ascending by `at` and append-only.
 * Both versions should be sampled at the same instants (one scrape of both), which is what the
 * sequential judges pair up.
 */
export interface WindowObservations {
  /** When the canary started to take traffic, or this analysis window began. */
  readonly startedAt: Date;
  /**
   * When the window ends, once that is known (its last scrape): a judge with a final look makes it
   * on the samples up to then. Absent in a window without an end (background analysis) or before.
   */
  readonly endsAt?: Date;
  readonly canary: readonly VersionSample[];
  readonly stable: readonly VersionSample[];
}

/** A judge's answer: `continue` means not enough evidence yet, so the step waits; it never passes. */
export const DECISIONS = ['pass', 'fail', 'continue'] as const;

/** One of DECISIONS. */
export type Decision = (typeof DECISIONS)[number];

/** A decision with its explanation: the reason in words, the measurements and rules behind it. */
export interface Verdict {
  readonly decision: Decision;
  readonly reason: string;
  /** The judge's main test statistic (a log-likelihood ratio, a p-value, a count of failed checks). */
  readonly statistic?: number;
  /** The earliest time the verdict can change; absent when any new sample may change it. */
  readonly nextAt?: Date;
  readonly evidence: Readonly<Record<string, unknown>>;
}

/** Decides from what both versions served up to `now`; pure: the same inputs give the same verdict. */
export interface Judge {
  readonly name: string;
  decide(observations: WindowObservations, now: Date): Verdict;
}
