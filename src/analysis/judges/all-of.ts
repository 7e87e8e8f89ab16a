import type { Judge, Verdict, WindowObservations } from './judge.ts';

/**
 * A judge made of others: fails when any fails, passes when all pass, else continues (the worst
 * verdict decides, as the worst metric decides an Argo analysis run). Split `alpha` among the parts:
 * the chance that one of k judges fails a healthy canary is at most the sum of their alphas.
 * @example allOf('runway', [sequentialErrorJudge({ alpha: 0.005 }), sequentialLatencyJudge({ thresholdSeconds: 0.5, alpha: 0.005 })])
 */
export function allOf(name: string, judges: readonly Judge[]): Judge {
  if (judges.length === 0) throw new RangeError('allOf needs at least one judge');
  const names = judges.map((j) => j.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined)
    throw new RangeError(`judge names must be unique, ${JSON.stringify(dup)} is repeated`);
  const parts = Object.freeze([...judges]);
  return Object.freeze({
    name,
    decide(observations: WindowObservations, now: Date): Verdict {
      const verdicts = parts.map((j) => [j.name, j.decide(observations, now)] as const);
      const evidence = Object.freeze({ judges: Object.freeze(Object.fromEntries(verdicts)) });
      const failed = verdicts.filter(([, v]) => v.decision === 'fail');
      if (failed.length > 0) {
        return Object.freeze({ decision: 'fail', reason: list(failed), evidence });
      }
      const waiting = verdicts.filter(([, v]) => v.decision === 'continue');
      if (waiting.length === 0) return Object.freeze({ decision: 'pass', reason: list(verdicts), evidence });
      const times = waiting.map(([, v]) => v.nextAt?.getTime());
      const nextAt = times.every((t) => t !== undefined) ? new Date(Math.min(...times)) : undefined;
      return Object.freeze({
        decision: 'continue',
        reason: list(waiting),
        ...(nextAt && { nextAt }),
        evidence,
      });
    },
  });
}

function list(verdicts: readonly (readonly [string, Verdict])[]): string {
  return verdicts.map(([name, v]) => `${name}: ${v.reason}`).join('; ');
}
