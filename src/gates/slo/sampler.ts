import type { Clock } from '../../engine/clock.ts';
import type { MetricSampleRecord, Store } from '../../store/store.ts';
import { DEFAULT_MAX_GAP_MS } from './memory-counter-source.ts';
import { toCounterSample } from './stored-counter-source.ts';
import type { SampleSeries } from './stored-counter-source.ts';
import { thinSamples } from './thin-samples.ts';

/** Cumulative counts of one version of a service, as the data plane reports them. */
export interface VersionCounts {
  readonly version: string;
  /** Requests answered. */
  readonly total: number;
  /** Requests answered with a 5xx code. */
  readonly errors: number;
}

/** Where the sampler reads counters: the per-version counts of a service in an environment. */
export interface CounterSnapshots {
  snapshot(service: string, environment: string): Promise<readonly VersionCounts[]>;
}

/** The store methods the sampler uses. */
export type SampleStore = Pick<
  Store,
  'environments' | 'recordMetricSamples' | 'metricSamples' | 'deleteMetricSamples' | 'pruneMetricSamples'
>;

/** How a sampler is wired and how it keeps its samples bounded. */
export interface SamplerOptions {
  store: SampleStore;
  counters: CounterSnapshots;
  clock: Clock;
  log: (line: string) => void;
  /** How often every environment is sampled (default 10 s). */
  intervalMs?: number;
  /** How long samples are kept (default 35 days). */
  retentionMs?: number;
  /** How long every sample is kept; older ones are thinned to one per `maxGapMs` (default 1 day). */
  fullResolutionMs?: number;
  /** How often old samples are thinned and pruned (default 1 hour). */
  compactEveryMs?: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The sampler's defaults: a sample every 10 s, every one kept for a day, thinned ones for 35 days. */
export const SAMPLER_DEFAULTS = Object.freeze({
  intervalMs: 10_000,
  retentionMs: 35 * DAY,
  fullResolutionMs: DAY,
  compactEveryMs: HOUR,
});

/**
 * One sample of a series from its per-version counts, summed over versions (the availability of
 * the service). `reset` is set when a version's counters went back, or a version vanished, since
 * `previous`: the data plane restarted even if the sum did not drop.
 */
export function sampleFrom(
  series: SampleSeries,
  at: Date,
  versions: readonly VersionCounts[],
  previous?: readonly VersionCounts[],
): MetricSampleRecord {
  let total = 0;
  let errors = 0;
  for (const v of versions) {
    if (!isCount(v.total) || !isCount(v.errors) || v.errors > v.total) {
      throw new Error(
        `version ${v.version} of ${series.service} in ${series.environment} reported total ${v.total} and errors ${v.errors}`,
      );
    }
    total += v.total;
    errors += v.errors;
  }
  const now = new Map(versions.map((v) => [v.version, v]));
  const reset = (previous ?? []).some((before) => {
    const after = now.get(before.version);
    return !after || after.total < before.total || after.errors < before.errors;
  });
  return {
    service: series.service,
    environment: series.environment,
    at: at.toISOString(),
    total,
    errors,
    ...(reset ? { reset: true } : {}),
  };
}

/**
 * Samples the request counters of every deployed service and environment from the data plane
 * and stores them, so SLOs can be computed from history the data plane itself does not keep.
 * Samples older than `fullResolutionMs` are thinned without changing any increase
 * (see thinSamples), and samples older than `retentionMs` are deleted.
 */
export class SloSampler {
  readonly intervalMs: number;
  readonly retentionMs: number;
  readonly fullResolutionMs: number;
  /** Samples further apart than this leave the time between them uncovered; also the thinning step. */
  readonly maxGapMs: number;
  readonly #o: SamplerOptions;
  readonly #compactEveryMs: number;
  readonly #previous = new Map<string, readonly VersionCounts[]>();
  readonly #failing = new Map<string, string>();
  readonly #compactedUntil = new Map<string, number>();
  #compactedAt = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(options: SamplerOptions) {
    const intervalMs = options.intervalMs ?? SAMPLER_DEFAULTS.intervalMs;
    const retentionMs = options.retentionMs ?? SAMPLER_DEFAULTS.retentionMs;
    const fullResolutionMs = options.fullResolutionMs ?? SAMPLER_DEFAULTS.fullResolutionMs;
    const compactEveryMs = options.compactEveryMs ?? SAMPLER_DEFAULTS.compactEveryMs;
    for (const [name, value] of Object.entries({ intervalMs, retentionMs, compactEveryMs })) {
      if (!Number.isFinite(value) || value <= 0) {
        throw new Error(`invalid ${name} ${value}, expected a positive number of milliseconds`);
      }
    }
    if (!Number.isFinite(fullResolutionMs) || fullResolutionMs < 0 || fullResolutionMs >= retentionMs) {
      throw new Error(
        `invalid fullResolutionMs ${fullResolutionMs}, expected 0 or more and less than retentionMs ${retentionMs}`,
      );
    }
    this.#o = options;
    this.intervalMs = intervalMs;
    this.retentionMs = retentionMs;
    this.fullResolutionMs = fullResolutionMs;
    this.#compactEveryMs = compactEveryMs;
    this.maxGapMs = Math.max(DEFAULT_MAX_GAP_MS, 3 * intervalMs);
  }

  /** Samples now, then every `intervalMs` until closed. */
  start(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setInterval(() => void this.tick(), this.intervalMs);
    this.#timer.unref();
    void this.tick();
  }

  /** One pass: samples every environment, then thins and prunes when due. Never rejects; a pass in progress is shared. */
  tick(): Promise<void> {
    this.#running ??= this.#tick()
      .catch((err: unknown) => this.#o.log(`slo sampler: ${(err as Error).message}`))
      .finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Stops sampling; resolves once a pass in progress is done. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#running;
  }

  async #tick(): Promise<void> {
    if (this.#closed) return;
    await this.sample();
    if (this.#o.clock.now().getTime() - this.#compactedAt >= this.#compactEveryMs) await this.compact();
  }

  /** Samples every stored environment once and stores the samples; returns them. */
  async sample(): Promise<MetricSampleRecord[]> {
    const { store, counters, clock } = this.#o;
    const environments = await store.environments();
    const taken = await Promise.all(
      environments.map(async ({ service, environment }) => {
        const key = seriesKey({ service, environment });
        try {
          const versions = await counters.snapshot(service, environment);
          const record = sampleFrom({ service, environment }, clock.now(), versions, this.#previous.get(key));
          this.#previous.set(key, versions);
          this.#recovered(key);
          return [record];
        } catch (err) {
          this.#failed(key, (err as Error).message);
          return [];
        }
      }),
    );
    const records = taken.flat();
    await store.recordMetricSamples(records);
    return records;
  }

  /** Deletes samples older than the retention and thins those older than the full resolution. */
  async compact(): Promise<void> {
    const { store, clock } = this.#o;
    const now = clock.now().getTime();
    this.#compactedAt = now;
    const oldest = now - this.retentionMs;
    const until = now - this.fullResolutionMs;
    await store.pruneMetricSamples(new Date(oldest).toISOString());
    for (const { service, environment } of await store.environments()) {
      const series = { service, environment };
      const key = seriesKey(series);
      const from = Math.max(oldest, this.#compactedUntil.get(key) ?? oldest);
      if (from >= until) continue;
      const records = await store.metricSamples({
        ...series,
        from: new Date(from).toISOString(),
        to: new Date(until).toISOString(),
      });
      const samples = records.map((record) => ({ ...toCounterSample(record), record }));
      const kept = new Set(thinSamples(samples, this.maxGapMs).map((s) => s.record));
      const dropped = records.filter((r) => !kept.has(r)).map((r) => r.at);
      if (dropped.length > 0) await store.deleteMetricSamples(series, dropped);
      const last = records.at(-1);
      if (last) this.#compactedUntil.set(key, Date.parse(last.at));
    }
  }

  #failed(key: string, message: string): void {
    if (this.#failing.get(key) === message) return;
    this.#failing.set(key, message);
    this.#o.log(`slo sampler: cannot read the counters of ${key}: ${message}`);
  }

  #recovered(key: string): void {
    if (!this.#failing.delete(key)) return;
    this.#o.log(`slo sampler: reading the counters of ${key} again`);
  }
}

function seriesKey(series: SampleSeries): string {
  return `${series.service}/${series.environment}`;
}

function isCount(value: number): boolean {
  return Number.isFinite(value) && value >= 0;
}
