/*
 * Seeded traffic for tests and bench/judges.ts: requests per second are Poisson, each request fails
 * with its version's error ratio and takes a log-normal latency, counted into a Prometheus histogram.
 * Both versions are sampled together every second, as one scrape of the router would.
 */
import { DEFAULT_BUCKETS } from '../../agent/metrics/histogram.ts';
import type { LatencyBucket, VersionSample, WindowObservations } from './judge.ts';

/** A small fast PRNG (sfc32, from PractRand) with a 32-bit seed: the same seed, the same stream. */
export class Random {
  #a = 0x9e3779b9;
  #b = 0x243f6a88;
  #c = 0xb7e15162;
  #d: number;
  #spare: number | undefined;

  constructor(seed: number) {
    this.#d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller, the second value kept for the next call). */
  normal(): number {
    if (this.#spare !== undefined) {
      const z = this.#spare;
      this.#spare = undefined;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.next()));
    const theta = 2 * Math.PI * this.next();
    this.#spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Poisson(λ) by inversion, in chunks of at most 500 so that e^−λ stays representable. */
  poisson(lambda: number): number {
    let total = 0;
    for (let rest = lambda; rest > 0; rest -= 500) {
      const l = Math.min(rest, 500);
      let p = Math.exp(-l);
      let cdf = p;
      const u = this.next();
      let k = 0;
      while (u > cdf && p > 0) {
        k++;
        p *= l / k;
        cdf += p;
      }
      total += k;
    }
    return total;
  }
}

/** How one version behaves. */
export interface VersionProfile {
  readonly errorRatio: number;
  /** Median latency in seconds. */
  readonly latencyMedian: number;
  /** Standard deviation of log-latency. */
  readonly latencySigma: number;
}

/** What to simulate. */
export interface TrafficOptions {
  readonly seed: number;
  readonly startedAt: Date;
  /** Total requests per second, both versions. */
  readonly requestsPerSecond: number;
  /** Share of requests sent to the canary, 0..1. */
  readonly canaryWeight: number;
  readonly canary: VersionProfile;
  readonly stable: VersionProfile;
  /** Histogram bounds; default Prometheus' defaults. */
  readonly buckets?: readonly number[];
  /** Also record every latency as a raw sample. */
  readonly rawLatencies?: boolean;
}

/** A healthy service: 0.5% errors (the DawsOS SLO), log-normal latency with median 200 ms, p95 ≈ 420 ms. */
export const HEALTHY: VersionProfile = Object.freeze({
  errorRatio: 0.005,
  latencyMedian: 0.2,
  latencySigma: 0.45,
});

class VersionStream {
  readonly samples: VersionSample[] = [];
  readonly #profile: VersionProfile;
  readonly #bounds: readonly number[];
  /** z below which a latency falls in each bucket: log(bound / median) / sigma. */
  readonly #zBounds: number[];
  readonly #counts: number[];
  #requests = 0;
  #errors = 0;

  constructor(profile: VersionProfile, bounds: readonly number[]) {
    this.#profile = profile;
    this.#bounds = bounds;
    this.#zBounds = bounds.map((b) => Math.log(b / profile.latencyMedian) / profile.latencySigma);
    this.#counts = bounds.map(() => 0);
  }

  serve(random: Random, n: number, raw: boolean): number[] | undefined {
    const latencies: number[] | undefined = raw ? [] : undefined;
    const p = this.#profile;
    for (let r = 0; r < n; r++) {
      if (random.next() < p.errorRatio) this.#errors++;
      const z = random.normal();
      let k = 0;
      while (k < this.#zBounds.length && z > (this.#zBounds[k] as number)) k++;
      if (k < this.#counts.length) this.#counts[k] = (this.#counts[k] as number) + 1;
      latencies?.push(p.latencyMedian * Math.exp(p.latencySigma * z));
    }
    this.#requests += n;
    return latencies;
  }

  sample(at: Date, latencies: number[] | undefined): void {
    const buckets: LatencyBucket[] = [];
    let cumulative = 0;
    this.#bounds.forEach((le, i) => {
      cumulative += this.#counts[i] as number;
      buckets.push({ le, count: cumulative });
    });
    buckets.push({ le: Infinity, count: this.#requests });
    this.samples.push(
      Object.freeze({
        at,
        requests: this.#requests,
        errors: this.#errors,
        latencyBuckets: Object.freeze(buckets),
        ...(latencies && { latencySamples: Object.freeze(latencies) }),
      }),
    );
  }
}

/** Simulated traffic on a canary and a stable version, one second at a time. */
export class TrafficSimulator {
  readonly observations: WindowObservations;
  readonly #options: TrafficOptions;
  readonly #random: Random;
  readonly #canary: VersionStream;
  readonly #stable: VersionStream;
  #seconds = 0;

  constructor(options: TrafficOptions) {
    this.#options = options;
    this.#random = new Random(options.seed);
    const bounds = options.buckets ?? DEFAULT_BUCKETS;
    this.#canary = new VersionStream(options.canary, bounds);
    this.#stable = new VersionStream(options.stable, bounds);
    this.observations = {
      startedAt: options.startedAt,
      canary: this.#canary.samples,
      stable: this.#stable.samples,
    };
    this.#sample();
  }

  /** The time of the latest sample. */
  get now(): Date {
    return new Date(this.#options.startedAt.getTime() + this.#seconds * 1000);
  }

  /** Simulates `seconds` more seconds, sampling both versions at the end of each. */
  advance(seconds = 1): void {
    const o = this.#options;
    for (let s = 0; s < seconds; s++) {
      const raw = o.rawLatencies ?? false;
      const c = this.#canary.serve(
        this.#random,
        this.#random.poisson(o.requestsPerSecond * o.canaryWeight),
        raw,
      );
      const st = this.#stable.serve(
        this.#random,
        this.#random.poisson(o.requestsPerSecond * (1 - o.canaryWeight)),
        raw,
      );
      this.#seconds++;
      this.#sample(c, st);
    }
  }

  #sample(canary?: number[], stable?: number[]): void {
    const at = this.now;
    const raw = this.#options.rawLatencies ?? false;
    this.#canary.sample(at, canary ?? (raw ? [] : undefined));
    this.#stable.sample(at, stable ?? (raw ? [] : undefined));
  }
}

/** A copy of `o` as it was at `now`: samples after it dropped (for checking judges ignore them). */
export function truncate(o: WindowObservations, now: Date): WindowObservations {
  const t = now.getTime();
  return {
    startedAt: o.startedAt,
    canary: o.canary.filter((s) => s.at.getTime() <= t),
    stable: o.stable.filter((s) => s.at.getTime() <= t),
  };
}

/** A row of a hand-written series: seconds after `startedAt`, cumulative requests, cumulative errors, and optionally cumulative buckets. */
export type Row = readonly [
  seconds: number,
  requests: number,
  errors: number,
  buckets?: readonly LatencyBucket[],
];

/** Hand-written cumulative samples, one per row. */
export function counters(startedAt: Date, rows: readonly Row[]): VersionSample[] {
  return rows.map(([seconds, requests, errors, buckets]) => ({
    at: new Date(startedAt.getTime() + seconds * 1000),
    requests,
    errors,
    ...(buckets && { latencyBuckets: buckets }),
  }));
}
