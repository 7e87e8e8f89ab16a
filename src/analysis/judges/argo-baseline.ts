/*
 * An Argo Rollouts AnalysisRun as a judge: one measurement every `interval`, `count` of them.
 *
 * A measurement whose success condition is false is Failed; one without a value (no requests, NaN) is
 * an Error. The run fails when the Failed measurements *exceed* `failureLimit` (Argo's default 0:
 * the first failure fails), or when Errors in a row exceed `consecutiveErrorLimit` (default 4); it
 * succeeds when `count` measurements are done. The first measurement is taken one interval in, as if
 * `initialDelay` were the interval, so that it has data. Defaults follow the CompanyOS seed's
 * slo-burn-check: `[5m]` queries, error rate < 0.02 and p95 < 0.5s, five minutes at 10%.
 */
import type { Judge, Verdict, WindowObservations } from './judge.ts';
import { checkConditions, checkTimes, measure, SEED_CONDITIONS } from './threshold.ts';
import type { Measurement, ThresholdCondition } from './threshold.ts';

/** The AnalysisTemplate metric fields that matter for judging. */
export interface ArgoBaselineOptions {
  readonly name?: string;
  /** Time between measurements; default one minute. */
  readonly intervalMs?: number;
  /** Measurements in the run; default 5. */
  readonly count?: number;
  /** Failed measurements tolerated; default 0. */
  readonly failureLimit?: number;
  /** Errors in a row tolerated; default 4. */
  readonly consecutiveErrorLimit?: number;
  /** The success conditions; default the CompanyOS seed's. */
  readonly conditions?: readonly ThresholdCondition[];
  /** Each query's window, like `[5m]`; default five minutes. */
  readonly windowMs?: number;
}

/**
 * Measures every interval; fails when failures exceed failureLimit, passes after `count` measurements.
 * @example argoBaseline({ intervalMs: 60_000, count: 5, failureLimit: 0 })
 */
export function argoBaseline(options: ArgoBaselineOptions = {}): Judge {
  const intervalMs = options.intervalMs ?? 60_000;
  const count = options.count ?? 5;
  const failureLimit = options.failureLimit ?? 0;
  const consecutiveErrorLimit = options.consecutiveErrorLimit ?? 4;
  const windowMs = options.windowMs ?? 300_000;
  const conditions = checkConditions(options.conditions ?? SEED_CONDITIONS.companyOs);
  if (!(intervalMs > 0 && windowMs > 0)) throw new RangeError(`intervalMs and windowMs must be > 0`);
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`count must be ≥ 1, got ${count}`);
  if (!(Number.isInteger(failureLimit) && failureLimit >= 0)) {
    throw new RangeError(`failureLimit must be ≥ 0, got ${failureLimit}`);
  }
  if (!(Number.isInteger(consecutiveErrorLimit) && consecutiveErrorLimit >= 0)) {
    throw new RangeError(`consecutiveErrorLimit must be ≥ 0, got ${consecutiveErrorLimit}`);
  }
  const rules = Object.freeze({
    intervalMs,
    count,
    failureLimit,
    consecutiveErrorLimit,
    windowMs,
    conditions,
  });
  return Object.freeze({
    name: options.name ?? `argo-${intervalMs / 1000}s-limit${failureLimit}`,
    decide(observations: WindowObservations, now: Date): Verdict {
      const start = observations.startedAt.getTime();
      const measurements: Measurement[] = [];
      let failed = 0;
      let errorsInRow = 0;
      const evidence = () => Object.freeze({ rules, failed, errorsInRow, measurements });
      for (const t of checkTimes(start, intervalMs, now.getTime(), count)) {
        const m = measure(observations, t, windowMs, conditions);
        measurements.push(m);
        if (m.phase === 'failed') failed++;
        errorsInRow = m.phase === 'error' ? errorsInRow + 1 : 0;
        if (failed > failureLimit) {
          const reason = `${failed} failed measurements exceed failureLimit ${failureLimit}; last: ${m.message}`;
          return Object.freeze({ decision: 'fail', reason, statistic: failed, evidence: evidence() });
        }
        if (errorsInRow > consecutiveErrorLimit) {
          const reason = `${errorsInRow} errors in a row exceed consecutiveErrorLimit ${consecutiveErrorLimit}; last: ${m.message}`;
          return Object.freeze({ decision: 'fail', reason, statistic: failed, evidence: evidence() });
        }
      }
      if (measurements.length === count) {
        const reason = `${count} measurements done, ${failed} failed (failureLimit ${failureLimit})`;
        return Object.freeze({ decision: 'pass', reason, statistic: failed, evidence: evidence() });
      }
      const next = new Date(start + (measurements.length + 1) * intervalMs);
      return Object.freeze({
        decision: 'continue',
        reason: `${measurements.length} of ${count} measurements, ${failed} failed; next at ${next.toISOString()}`,
        statistic: failed,
        nextAt: next,
        evidence: evidence(),
      });
    },
  });
}
