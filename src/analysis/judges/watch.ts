/*
 * A pass that holds only until the window ends. A sequential judge stops at its first decision, so
 * a regression that starts after an early pass would never be seen. `keepWatching` starts a fresh
 * test at the scrape where the previous one passed, for as long as the window lasts: the canary is
 * failed by whichever test crosses its fail boundary first.
 *
 * Test i (1, 2, …) runs at alpha / (i·(i+1)). Each test is a likelihood-ratio martingale started at
 * a stopping time, so by Ville's inequality it fails a canary no worse than the tolerance with
 * probability at most its own alpha; their sum is alpha, so the false-rollback bound of the whole
 * window stays the configured one however many times the judge passes and starts again. The price
 * is a boundary that grows like log(i²): the tenth restart needs about 4.6 more nats of evidence.
 *
 * A pass is only as good as the evidence since it. A regression that starts after a pass may not
 * reach the new test's fail boundary before the window ends; ending that window on the old pass would
 * promote it. So while the current test's log-likelihood ratio favours the regression by more than
 * LEANING (e:1), the verdict is `continue`, not `pass`: the step waits, and a window ending there is
 * "not yet". This never fails a canary, so the false-rollback bound is untouched.
 */
import type { Judge, Verdict, WindowObservations } from './judge.ts';

/** Builds the judge of one test at the alpha it may spend. */
export type JudgeAtAlpha = (alpha: number) => Judge;

/**
 * A bound on restarts, far beyond a step's window (a test needs at least one scrape to pass): past
 * it the last test's pass is kept.
 */
const MAX_TESTS = 100_000;

/** The log-likelihood ratio above which the evidence since the last pass leans toward a regression. */
export const LEANING = 1;

/**
 * Wraps a sequential judge so that a pass is provisional: after each pass a new test watches the
 * samples after it, and any test that fails fails the canary.
 * @example keepWatching('errors', 0.01, (alpha) => sequentialErrorJudge({ alpha }))
 */
export function keepWatching(name: string, alpha: number, build: JudgeAtAlpha): Judge {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  const tests: Judge[] = [];
  const testAt = (i: number): Judge => (tests[i] ??= build(alpha / ((i + 1) * (i + 2))));
  testAt(0);
  return Object.freeze({
    name,
    decide(observations: WindowObservations, now: Date): Verdict {
      let startedAt = observations.startedAt;
      let passed: { verdict: Verdict; at: Date } | undefined;
      for (let i = 0; i < MAX_TESTS; i++) {
        const verdict = testAt(i).decide({ ...observations, startedAt }, now);
        const at = decidedAt(verdict);
        const last = i === MAX_TESTS - 1;
        if (verdict.decision === 'fail') return failed(verdict, passed?.at, i);
        if (verdict.decision === 'continue' || last || !at || at.getTime() <= startedAt.getTime()) {
          return passed ? watching(passed.verdict, passed.at, verdict, i) : verdict;
        }
        passed = { verdict, at };
        startedAt = at;
      }
      return passed?.verdict ?? testAt(0).decide(observations, now);
    },
  });
}

function decidedAt(verdict: Verdict): Date | undefined {
  const text = (verdict.evidence as { decidedAt?: unknown }).decidedAt;
  return typeof text === 'string' ? new Date(text) : undefined;
}

function failed(verdict: Verdict, passedAt: Date | undefined, i: number): Verdict {
  if (!passedAt) return verdict;
  return Object.freeze({
    ...verdict,
    reason: `${verdict.reason}; after passing at ${passedAt.toISOString()} (watch test ${i + 1})`,
    evidence: Object.freeze({ ...verdict.evidence, passedAt: passedAt.toISOString(), test: i + 1 }),
  });
}

function watching(pass: Verdict, at: Date, current: Verdict, i: number): Verdict {
  const leaning = current.statistic !== undefined && current.statistic > LEANING;
  const since = `watching since ${at.toISOString()}: ${current.reason}`;
  return Object.freeze({
    decision: leaning ? 'continue' : 'pass',
    reason: leaning
      ? `the evidence since the pass leans toward a regression (log LR ${current.statistic?.toFixed(2)} > ${LEANING}), so the pass no longer holds; ${since}`
      : `${pass.reason}; ${since}`,
    ...(pass.statistic !== undefined && { statistic: pass.statistic }),
    evidence: Object.freeze({
      ...pass.evidence,
      passedAt: at.toISOString(),
      test: i + 1,
      watching: current.evidence,
    }),
  });
}
