/*
 * Blast radius: what the canary cost users so far.
 *
 * - Failed requests attributable to the canary: its errors beyond what the stable version's error
 *   ratio over the same window predicts for as many requests, max(0, e_c − n_c · e_s/n_s). Without
 *   stable traffic nothing is predicted and every canary error counts.
 * - Share exposed: the canary's share of all requests, n_c / (n_c + n_s) — the share of users when
 *   routing is per request; with sticky sessions it is the share of sessions.
 */
import type { Judge, Verdict, WindowObservations } from './judge.ts';
import { versionDelta } from './window.ts';

/** The blast radius of a rollout from `startedAt` to `now`. */
export interface BlastRadius {
  readonly canaryRequests: number;
  readonly canaryErrors: number;
  readonly stableRequests: number;
  readonly stableErrors: number;
  /** Canary errors the stable version's ratio predicts. */
  readonly expectedCanaryErrors: number;
  /** Canary errors beyond the prediction, floored at 0. */
  readonly attributableFailures: number;
  /** The canary's share of all requests, 0..1. */
  readonly exposedShare: number;
}

/**
 * Failed requests attributable to the canary and the share of traffic it took, since `startedAt`.
 * @example blastRadius(obs, now).attributableFailures // 12.5
 */
export function blastRadius(observations: WindowObservations, now: Date): BlastRadius {
  const from = observations.startedAt.getTime();
  const to = now.getTime();
  const c = versionDelta(observations.canary, from, to);
  const s = versionDelta(observations.stable, from, to);
  const expected = s.requests > 0 ? (c.requests * s.errors) / s.requests : 0;
  const total = c.requests + s.requests;
  return Object.freeze({
    canaryRequests: c.requests,
    canaryErrors: c.errors,
    stableRequests: s.requests,
    stableErrors: s.errors,
    expectedCanaryErrors: expected,
    attributableFailures: Math.max(0, c.errors - expected),
    exposedShare: total > 0 ? c.requests / total : 0,
  });
}

/** Limits on the blast radius; a rollout that reaches one is rolled back. */
export interface BlastRadiusBudget {
  /** Failed requests attributable to the canary that are allowed; spent when reached. */
  readonly maxAttributableFailures?: number;
  /** Share of traffic the canary may take, 0..1; spent when exceeded. */
  readonly maxExposedShare?: number;
}

/**
 * Records the blast radius with every verdict of `judge` and, given a budget, fails once it is spent.
 * @example withBlastRadius(sequentialErrorJudge(), { maxAttributableFailures: 50 })
 */
export function withBlastRadius(judge: Judge, budget: BlastRadiusBudget = {}): Judge {
  const { maxAttributableFailures: maxFailures, maxExposedShare: maxShare } = budget;
  if (maxFailures !== undefined && !(maxFailures >= 0)) {
    throw new RangeError(`maxAttributableFailures must be ≥ 0, got ${maxFailures}`);
  }
  if (maxShare !== undefined && !(maxShare > 0 && maxShare <= 1)) {
    throw new RangeError(`maxExposedShare must be in (0, 1], got ${maxShare}`);
  }
  return Object.freeze({
    name: judge.name,
    decide(observations: WindowObservations, now: Date): Verdict {
      const radius = blastRadius(observations, now);
      const spent =
        maxFailures !== undefined && radius.attributableFailures >= maxFailures
          ? `${round(radius.attributableFailures)} failed requests attributable to the canary reached the budget of ${maxFailures}`
          : maxShare !== undefined && radius.exposedShare > maxShare
            ? `the canary took ${round(100 * radius.exposedShare)}% of requests, over the budget of ${round(100 * maxShare)}%`
            : undefined;
      const verdict = judge.decide(observations, now);
      const evidence = Object.freeze({ ...verdict.evidence, blastRadius: radius, budget });
      if (spent)
        return Object.freeze({ decision: 'fail', reason: `blast radius budget spent: ${spent}`, evidence });
      return Object.freeze({ ...verdict, evidence });
    },
  });
}

function round(x: number): string {
  return String(Number(x.toFixed(1)));
}
