import type { CounterSample } from './memory-counter-source.ts';

/**
 * Thins cumulative counter samples to about one per `stepMs`, losing nothing a CounterSource can
 * tell: consecutive samples kept are at most `stepMs` apart unless the data had a longer gap there
 * (which stays a gap), and both samples around every restart are kept. So the increase between any
 * two samples kept, and the time covered with a `maxGapMs` of at least `stepMs`, stay as they were;
 * only the spread of requests inside a step is averaged. Expects samples sorted by time.
 * @example thinSamples(lastMonth, 5 * 60_000)
 */
export function thinSamples<T extends CounterSample>(samples: readonly T[], stepMs: number): T[] {
  if (!Number.isFinite(stepMs) || stepMs <= 0) {
    throw new Error(`invalid step ${stepMs}, expected a positive number of milliseconds`);
  }
  const n = samples.length;
  if (n <= 2) return [...samples];
  const time = (i: number) => (samples[i] as T).at.getTime();
  const keep: boolean[] = samples.map((_, i) => i === 0 || i === n - 1);
  for (let i = 1; i < n; i++) {
    const a = samples[i - 1] as T;
    const b = samples[i] as T;
    if (b.reset || b.total < a.total || b.errors < a.errors) keep[i - 1] = keep[i] = true;
  }
  let last = 0;
  for (let i = 1; i < n - 1; i++) {
    if (!keep[i] && time(i + 1) - time(last) > stepMs) keep[i] = true;
    if (keep[i]) last = i;
  }
  return samples.filter((_, i) => keep[i]);
}
