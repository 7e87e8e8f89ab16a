import type { MetricSampleRecord, Store } from '../../store/store.ts';
import type { CounterIncrease, CounterSource } from './counter-source.ts';
import { DEFAULT_MAX_GAP_MS, MemoryCounterSource } from './memory-counter-source.ts';
import type { CounterSample } from './memory-counter-source.ts';

/** The one store method the source reads. */
export type MetricSampleReader = Pick<Store, 'metricSamples'>;

/** Which series of stored samples: a service in an environment. */
export interface SampleSeries {
  service: string;
  environment: string;
}

/**
 * A CounterSource over the counter samples the control plane stores: each call reads the samples
 * of the interval (and `maxGapMs` either side, for its edges) and reads them as MemoryCounterSource
 * does: a drop, or a sample marked `reset`, is a restart; a gap longer than `maxGapMs` is not covered.
 * @example new StoredCounterSource(store, { service: 'checkout-api', environment: 'production' })
 */
export class StoredCounterSource implements CounterSource {
  readonly #store: MetricSampleReader;
  readonly #series: SampleSeries;
  readonly #maxGapMs: number;

  constructor(store: MetricSampleReader, series: SampleSeries, options: { maxGapMs?: number } = {}) {
    const maxGapMs = options.maxGapMs ?? DEFAULT_MAX_GAP_MS;
    if (!Number.isFinite(maxGapMs) || maxGapMs <= 0) {
      throw new Error(`invalid maxGapMs ${maxGapMs}, expected a positive number of milliseconds`);
    }
    this.#store = store;
    this.#series = { service: series.service, environment: series.environment };
    this.#maxGapMs = maxGapMs;
  }

  async increase(from: Date, to: Date): Promise<CounterIncrease | undefined> {
    if (!(from.getTime() < to.getTime())) {
      throw new Error(`invalid interval ${from.toISOString()} to ${to.toISOString()}, expected from < to`);
    }
    const records = await this.#store.metricSamples({
      ...this.#series,
      from: new Date(from.getTime() - this.#maxGapMs).toISOString(),
      to: new Date(to.getTime() + this.#maxGapMs).toISOString(),
    });
    return new MemoryCounterSource(records.map(toCounterSample), { maxGapMs: this.#maxGapMs }).increase(
      from,
      to,
    );
  }
}

/** A stored sample as a CounterSample. */
export function toCounterSample(record: MetricSampleRecord): CounterSample {
  return {
    at: new Date(record.at),
    total: record.total,
    errors: record.errors,
    ...(record.reset ? { reset: true } : {}),
  };
}
