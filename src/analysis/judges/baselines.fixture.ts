/* Hand-written minute-by-minute traffic for the threshold, Flagger and Argo tests. */
import type { VersionSample, WindowObservations } from './judge.ts';

/** The tests' t0 and a helper for instants after it. */
export const T0 = new Date('2026-03-10T10:00:00.000Z');
export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/** One minute of canary traffic: requests, errors, and how many took longer than 0.25 s (all ≤ 2.5 s). */
export interface Minute {
  readonly requests: number;
  readonly errors: number;
  readonly slow?: number;
}

/** Cumulative samples at t0 and at the end of every minute, histogram bounds 0.25, 0.5, 1, 2.5 s. */
export function minutes(list: readonly Minute[]): VersionSample[] {
  let requests = 0;
  let errors = 0;
  let fast = 0;
  const samples: VersionSample[] = [sample(0, 0, 0, 0)];
  list.forEach((m, i) => {
    requests += m.requests;
    errors += m.errors;
    fast += m.requests - (m.slow ?? 0);
    samples.push(sample((i + 1) * 60, requests, errors, fast));
  });
  return samples;
}

function sample(seconds: number, requests: number, errors: number, fast: number): VersionSample {
  return {
    at: at(seconds),
    requests,
    errors,
    latencyBuckets: [
      { le: 0.25, count: fast },
      { le: 0.5, count: fast },
      { le: 1, count: fast },
      { le: 2.5, count: requests },
      { le: Infinity, count: requests },
    ],
  };
}

/** Observations whose canary served `list` and whose stable version served ten times as much, cleanly. */
export function canaryServing(list: readonly Minute[]): WindowObservations {
  return {
    startedAt: T0,
    canary: minutes(list),
    stable: minutes(list.map((m) => ({ requests: 10 * m.requests, errors: 0 }))),
  };
}

/** `n` minutes of the same traffic. */
export function repeat(n: number, m: Minute): Minute[] {
  return Array.from({ length: n }, () => m);
}
