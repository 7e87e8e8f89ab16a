import type { CounterIncrease, CounterSource } from './counter-source.ts';

/** One scrape of two cumulative counters: all requests so far, and the failed ones among them. */
export interface CounterSample {
  at: Date;
  total: number;
  errors: number;
  /** The counters restarted from zero since the previous sample, even if they did not drop. */
  reset?: boolean;
}

/** Options of the in-memory source. */
export interface MemoryCounterSourceOptions {
  /** Consecutive samples further apart than this leave the time between them uncovered (default 5 minutes). */
  maxGapMs?: number;
}

interface Sample {
  at: number;
  total: number;
  errors: number;
  reset: boolean;
}

/** Samples further apart than this leave the time between them uncovered, unless told otherwise. */
export const DEFAULT_MAX_GAP_MS = 5 * 60_000;

/**
 * A CounterSource over timestamped cumulative counter samples, reading them the way Prometheus'
 * `increase()` does: a drop of either counter, or a sample marked `reset`, is a restart from zero. Between two samples requests
 * are assumed to arrive evenly, so an interval edge between samples takes its share of the increase.
 */
export class MemoryCounterSource implements CounterSource {
  readonly #samples: readonly Sample[];
  readonly #maxGapMs: number;

  constructor(samples: Iterable<CounterSample>, options: MemoryCounterSourceOptions = {}) {
    const maxGapMs = options.maxGapMs ?? DEFAULT_MAX_GAP_MS;
    if (!Number.isFinite(maxGapMs) || maxGapMs <= 0) {
      throw new Error(`invalid maxGapMs ${maxGapMs}, expected a positive number of milliseconds`);
    }
    this.#maxGapMs = maxGapMs;
    this.#samples = Object.freeze([...samples].map(toSample).sort((a, b) => a.at - b.at));
    for (let i = 1; i < this.#samples.length; i++) {
      const at = this.#samples[i]?.at ?? 0;
      if (at === this.#samples[i - 1]?.at) {
        throw new Error(`duplicate counter sample at ${new Date(at).toISOString()}`);
      }
    }
  }

  /** Requests and errors between `from` and `to`; `undefined` when no two samples span any of it. */
  async increase(from: Date, to: Date): Promise<CounterIncrease | undefined> {
    const start = from.getTime();
    const end = to.getTime();
    if (!(start < end)) {
      throw new Error(`invalid interval ${from.toISOString()} to ${to.toISOString()}, expected from < to`);
    }
    const samples = this.#samples;
    let total = 0;
    let errors = 0;
    let coveredMs = 0;
    let spanned = false;
    for (let i = Math.max(0, lastAtOrBefore(samples, start)); i + 1 < samples.length; i++) {
      const a = samples[i] as Sample;
      const b = samples[i + 1] as Sample;
      if (a.at >= end) break;
      const span = b.at - a.at;
      const overlap = Math.min(b.at, end) - Math.max(a.at, start);
      if (span > this.#maxGapMs || overlap <= 0) continue;
      const reset = b.reset || b.total < a.total || b.errors < a.errors;
      const share = overlap / span;
      total += (reset ? b.total : b.total - a.total) * share;
      errors += (reset ? b.errors : b.errors - a.errors) * share;
      coveredMs += overlap;
      spanned = true;
    }
    return spanned ? { total, errors, coveredMs } : undefined;
  }
}

function toSample(sample: CounterSample, index: number): Sample {
  const at = sample.at.getTime();
  const { total, errors } = sample;
  if (Number.isNaN(at)) throw new Error(`counter sample ${index} has an invalid time`);
  if (!isCount(total) || !isCount(errors) || errors > total) {
    throw new Error(
      `counter sample at ${sample.at.toISOString()} has total ${total} and errors ${errors}, ` +
        `expected finite counts with 0 <= errors <= total`,
    );
  }
  return { at, total, errors, reset: sample.reset === true };
}

function isCount(value: number): boolean {
  return Number.isFinite(value) && value >= 0;
}

function lastAtOrBefore(samples: readonly Sample[], time: number): number {
  let lo = 0;
  let hi = samples.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((samples[mid]?.at ?? Infinity) <= time) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
