/*
 * Flagger's analysis loop as a judge, the baseline Runway's judges are measured against.
 *
 * Flagger runs its metric checks once per `interval`, each over the metric's own window (the seed:
 * `interval: 1m` on `[1m]` queries). A check fails when a value leaves its thresholdRange or the query
 * finds no values; failed checks are counted over the whole analysis, not in a row, and the canary is
 * rolled back when the count reaches `threshold`. Passing checks advance the weight, and the canary
 * is promoted after `iterations` of them (the seed's stepWeight 20 up to 100 is five). So the fastest
 * rollback takes interval × threshold — five minutes for the seed — however bad the canary is.
 */
import type { Judge, Verdict, WindowObservations } from './judge.ts';
import { checkConditions, checkTimes, measure, SEED_CONDITIONS } from './threshold.ts';
import type { Measurement, ThresholdCondition } from './threshold.ts';

/** Flagger's `analysis:` fields that matter for judging. */
export interface FlaggerBaselineOptions {
  readonly name?: string;
  /** Time between checks; default one minute. */
  readonly intervalMs?: number;
  /** Failed checks that roll back; default 5. */
  readonly threshold?: number;
  /** Passing checks that promote; default 5. */
  readonly iterations?: number;
  /** The metric checks; default the DawsOS seed's (success rate ≥ 99.5%, p95 ≤ 1.2s). */
  readonly conditions?: readonly ThresholdCondition[];
  /** Each query's window, like `[1m]`; default the interval. */
  readonly windowMs?: number;
}

/**
 * Checks every interval; fails at the `threshold`-th failed check, passes at the `iterations`-th good one.
 * @example flaggerBaseline({ intervalMs: 60_000, threshold: 5 })
 */
export function flaggerBaseline(options: FlaggerBaselineOptions = {}): Judge {
  const intervalMs = options.intervalMs ?? 60_000;
  const threshold = options.threshold ?? 5;
  const iterations = options.iterations ?? 5;
  const windowMs = options.windowMs ?? intervalMs;
  const conditions = checkConditions(options.conditions ?? SEED_CONDITIONS.dawsOs);
  if (!(intervalMs > 0 && windowMs > 0)) throw new RangeError(`intervalMs and windowMs must be > 0`);
  if (!(Number.isInteger(threshold) && threshold >= 1))
    throw new RangeError(`threshold must be ≥ 1, got ${threshold}`);
  if (!(Number.isInteger(iterations) && iterations >= 1))
    throw new RangeError(`iterations must be ≥ 1, got ${iterations}`);
  const rules = Object.freeze({ intervalMs, threshold, iterations, windowMs, conditions });
  return Object.freeze({
    name: options.name ?? `flagger-${intervalMs / 1000}s×${threshold}`,
    decide(observations: WindowObservations, now: Date): Verdict {
      const start = observations.startedAt.getTime();
      const checks: Measurement[] = [];
      let failed = 0;
      let passed = 0;
      for (const t of checkTimes(start, intervalMs, now.getTime(), threshold + iterations - 1)) {
        const m = measure(observations, t, windowMs, conditions);
        checks.push(m);
        if (m.phase === 'successful') passed++;
        else failed++;
        const evidence = Object.freeze({ rules, failedChecks: failed, passedChecks: passed, checks });
        if (failed >= threshold) {
          const reason = `${failed} failed checks reached the threshold ${threshold}; last: ${m.message}`;
          return Object.freeze({ decision: 'fail', reason, statistic: failed, evidence });
        }
        if (passed >= iterations) {
          const reason = `${passed} checks passed (${failed} failed, threshold ${threshold})`;
          return Object.freeze({ decision: 'pass', reason, statistic: failed, evidence });
        }
      }
      const next = start + (checks.length + 1) * intervalMs;
      return Object.freeze({
        decision: 'continue',
        reason: `${passed} of ${iterations} checks passed, ${failed} of ${threshold} failed; next check at ${new Date(next).toISOString()}`,
        statistic: failed,
        nextAt: new Date(next),
        evidence: Object.freeze({ rules, failedChecks: failed, passedChecks: passed, checks }),
      });
    },
  });
}
