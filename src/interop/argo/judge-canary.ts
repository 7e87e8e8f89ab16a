/*
 * Runway's judge for an Argo Rollouts `web` metric: the canary's and the stable version's counts
 * since their counters started, from the data plane, judged by the sequential judges of
 * src/analysis/judges (errors, and latency when a threshold is given). Stateless per request, as
 * Argo calls the metric every interval; Argo's own limits (failureLimit…) apply to the answers.
 */
import type { VersionSnapshot } from '../../agent/metrics/version-snapshot.ts';
import { allOf } from '../../analysis/judges/all-of.ts';
import type { VersionSample } from '../../analysis/judges/judge.ts';
import { sequentialErrorJudge, sequentialLatencyJudge } from '../../analysis/judges/sequential.ts';

/** What to judge: the versions (Argo's pod-template hashes) and how strictly. */
export interface CanaryQuestion {
  canary: string;
  stable: string;
  /** Requests slower than this many seconds count as bad too (a second judge); default: errors only. */
  latencySeconds?: number;
  /** Bound on failing a healthy canary; default 0.01 (split between the judges). */
  alpha?: number;
  /**
   * Also pass a canary whose own error ratio is confidently below this (an SLO's error ratio): with
   * no errors on either version there is nothing to compare, and without it the answer stays inconclusive.
   */
  errorRatio?: number;
}

/** The answer Argo reads: `verdict` pass, fail or inconclusive (not enough evidence yet). */
export interface CanaryAnswer {
  verdict: 'pass' | 'fail' | 'inconclusive';
  reason: string;
  canary: { version: string; requests: number; errors: number };
  stable: { version: string; requests: number; errors: number };
  at: string;
  evidence: Readonly<Record<string, unknown>>;
}

/** Judges the canary against the stable version from the data plane's counts at `now`. */
export function judgeCanary(
  snapshots: readonly VersionSnapshot[],
  q: CanaryQuestion,
  now: Date,
): CanaryAnswer {
  const find = (version: string) => snapshots.find((s) => s.version === version);
  const canary = find(q.canary);
  const stable = find(q.stable);
  const counts = (version: string, s: VersionSnapshot | undefined) => ({
    version,
    requests: s?.total ?? 0,
    errors: s?.errors ?? 0,
  });
  const base = { canary: counts(q.canary, canary), stable: counts(q.stable, stable), at: now.toISOString() };
  if (!canary || !stable) {
    const missing = [!canary ? `canary ${q.canary}` : '', !stable ? `stable ${q.stable}` : ''].filter(
      Boolean,
    );
    const known = snapshots.map((s) => s.version).join(', ') || 'none';
    return {
      verdict: 'inconclusive',
      reason: `no requests recorded for ${missing.join(' and ')} (versions with traffic: ${known})`,
      ...base,
      evidence: {},
    };
  }
  const alpha = q.alpha ?? 0.01;
  const judges = [
    sequentialErrorJudge({
      alpha: q.latencySeconds ? alpha / 2 : alpha,
      ...(q.errorRatio ? { acceptBelow: q.errorRatio } : {}),
    }),
  ];
  if (q.latencySeconds) {
    judges.push(sequentialLatencyJudge({ thresholdSeconds: q.latencySeconds, alpha: alpha / 2 }));
  }
  const verdict = allOf('runway', judges).decide(
    { startedAt: new Date(0), canary: [sample(canary, now)], stable: [sample(stable, now)] },
    now,
  );
  return {
    verdict: verdict.decision === 'continue' ? 'inconclusive' : verdict.decision,
    reason: verdict.reason,
    ...base,
    evidence: verdict.evidence,
  };
}

function sample(s: VersionSnapshot, at: Date): VersionSample {
  return {
    at,
    requests: s.total,
    errors: s.errors,
    latencyBuckets: [
      ...s.latency.bounds.map((le, i) => ({ le, count: s.latency.cumulative[i] ?? 0 })),
      { le: Infinity, count: s.latency.cumulative[s.latency.bounds.length] ?? s.latency.count },
    ],
  };
}
