/*
 * A short warm-up: a canary process that has just started answers its first requests more slowly
 * (cold caches, JIT, connection pools), which is not the regression a judge is asked about.
 * `afterWarmUp` judges the window as if it began `seconds` later: what both versions served before
 * then is the baseline, not evidence. The judge's own bounds hold unchanged on the shorter window.
 */
import type { Judge, Verdict, WindowObservations } from './judge.ts';

/**
 * Wraps `judge` so that the first `seconds` of the window are not judged.
 * @example afterWarmUp(sequentialLatencyJudge({ thresholdSeconds: 0.05 }), 5)
 */
export function afterWarmUp(judge: Judge, seconds: number): Judge {
  if (!(seconds >= 0 && Number.isFinite(seconds))) {
    throw new RangeError(`warmupSeconds must be a number of seconds ≥ 0, got ${seconds}`);
  }
  if (seconds === 0) return judge;
  return Object.freeze({
    name: judge.name,
    decide(observations: WindowObservations, now: Date): Verdict {
      const from = new Date(observations.startedAt.getTime() + seconds * 1000);
      if (now.getTime() <= from.getTime()) {
        return Object.freeze({
          decision: 'continue',
          reason: `warming up: what both versions serve in the first ${seconds} s of the window is not judged (until ${from.toISOString()})`,
          nextAt: from,
          evidence: Object.freeze({
            judge: judge.name,
            warmupSeconds: seconds,
            warmUntil: from.toISOString(),
          }),
        });
      }
      return judge.decide({ ...observations, startedAt: from }, now);
    },
  });
}
