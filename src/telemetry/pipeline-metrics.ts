/*
 * The control plane's delivery metrics, with the names and meanings the seeds' PromQL expects:
 * pipeline runs and durations, production canaries and their rollbacks, and the state of each
 * environment's latest rollout. Pure: records in, metric families out.
 */
import type { RolloutRecord } from '../deploy/records.ts';
import { PHASES } from '../rollout/state.ts';
import type { RunRecord, RunStatus } from '../store/store.ts';
import type { Family, Sample } from './prometheus-text.ts';

/** Upper bounds (seconds) of `ci_pipeline_duration_seconds`; the seeds' target is under 25 minutes. */
export const DURATION_BUCKETS = [10, 30, 60, 120, 300, 600, 900, 1200, 1500, 1800, 2700, 3600] as const;

/** The environment whose canaries `canary_deployments_total` counts. */
export const PRODUCTION = 'production';

const RESULTS: Record<Exclude<RunStatus, 'running'>, string> = {
  succeeded: 'success',
  failed: 'failure',
  cancelled: 'cancelled',
};

/**
 * Whether a rollout is a production canary as the seeds' rollback rate means it: in production,
 * replacing a release that already served (not a first deploy), shifting traffic in more than one
 * step (not an undo, a one-step replace or a blue-green switch). A rollback rehearsal counts: its
 * rollback is a real one, and CanaryRollback should fire for it (DORA leaves rehearsals out).
 */
export function isProductionCanary(r: RolloutRecord): boolean {
  const strategy = r.state.strategy;
  if (r.environment !== PRODUCTION || r.stable === undefined) return false;
  if (strategy.kind !== 'canary') return false;
  const weights = strategy.steps.flatMap((s) => ('setWeight' in s ? [s.setWeight] : []));
  return weights.some((w) => w < 1000);
}

/** Whether a rollout ended with traffic sent back to the stable release. */
export function isRollback(r: RolloutRecord): boolean {
  return r.state.phase === 'rolled-back' || r.state.phase === 'aborted';
}

/** The metric families for these runs and rollouts (any order; newest first as the store lists them). */
export function pipelineFamilies(runs: readonly RunRecord[], rollouts: readonly RolloutRecord[]): Family[] {
  // pipeline runs by service and result
  const runCounts = new Map<string, { service: string; result: string; n: number }>();
  const durations = new Map<string, number[]>();
  for (const run of runs) {
    if (run.status === 'running') continue;
    const service = run.pipeline.service?.name ?? '';
    const result = RESULTS[run.status];
    const key = `${service}\u0000${result}`;
    const entry = runCounts.get(key) ?? { service, result, n: 0 };
    entry.n++;
    runCounts.set(key, entry);
    if (run.finishedAt === undefined) continue;
    const seconds = (Date.parse(run.finishedAt) - Date.parse(run.createdAt)) / 1000;
    if (!Number.isFinite(seconds) || seconds < 0) continue;
    durations.set(service, [...(durations.get(service) ?? []), seconds]);
  }

  // production canaries and their rollbacks
  const canaries = new Map<string, { deployments: number; rollbacks: number }>();
  for (const r of rollouts) {
    if (!isProductionCanary(r)) continue;
    const c = canaries.get(r.service) ?? { deployments: 0, rollbacks: 0 };
    c.deployments++;
    if (isRollback(r)) c.rollbacks++;
    canaries.set(r.service, c);
  }

  // the latest rollout of each environment
  const latest = new Map<string, RolloutRecord>();
  for (const r of rollouts) {
    const key = `${r.service}\u0000${r.environment}`;
    const seen = latest.get(key);
    if (!seen || seen.createdAt < r.createdAt) latest.set(key, r);
  }
  const phases: Sample[] = [];
  const weights: Sample[] = [];
  const healthFailures: Sample[] = [];
  const analyses: Sample[] = [];
  for (const r of latest.values()) {
    const at = { service: r.service, environment: r.environment };
    for (const phase of PHASES)
      phases.push({ labels: { ...at, phase }, value: r.state.phase === phase ? 1 : 0 });
    weights.push({ labels: at, value: r.state.weight / 10 });
    healthFailures.push({ labels: at, value: r.state.consecutiveHealthFailures });
    const byStatus = new Map<string, number>();
    for (const run of Object.values(r.state.analysisRuns))
      byStatus.set(run.status, (byStatus.get(run.status) ?? 0) + 1);
    for (const [status, n] of byStatus) analyses.push({ labels: { ...at, status }, value: n });
  }

  return [
    {
      name: 'ci_pipeline_runs_total',
      help: 'Finished pipeline runs by result (success, failure, cancelled).',
      type: 'counter',
      samples: [...runCounts.values()].map((c) => ({
        labels: { service: c.service, result: c.result },
        value: c.n,
      })),
    },
    {
      name: 'ci_pipeline_duration_seconds',
      help: 'Duration of finished pipeline runs, from start to finish.',
      type: 'histogram',
      samples: [...durations].flatMap(([service, list]) => histogram({ service }, list)),
    },
    {
      name: 'canary_deployments_total',
      help: 'Canary rollouts to production that replace a serving release (no first deploys, undos or staging).',
      type: 'counter',
      samples: [...canaries].map(([service, c]) => ({ labels: { service }, value: c.deployments })),
    },
    {
      name: 'canary_rollbacks_total',
      help: 'Of canary_deployments_total, those that ended rolled back or aborted.',
      type: 'counter',
      samples: [...canaries].map(([service, c]) => ({ labels: { service }, value: c.rollbacks })),
    },
    {
      name: 'runway_rollout_phase',
      help: "1 for the phase of each environment's latest rollout, 0 for the others.",
      type: 'gauge',
      samples: phases,
    },
    {
      name: 'runway_rollout_canary_weight_percent',
      help: "Traffic share of the new version in each environment's latest rollout.",
      type: 'gauge',
      samples: weights,
    },
    {
      name: 'runway_rollout_health_failures',
      help: "Consecutive failed health checks of the new version in each environment's latest rollout.",
      type: 'gauge',
      samples: healthFailures,
    },
    {
      name: 'runway_rollout_analysis_runs',
      help: "Analysis runs of each environment's latest rollout by status.",
      type: 'gauge',
      samples: analyses,
    },
  ];
}

function histogram(labels: Record<string, string>, values: readonly number[]): Sample[] {
  const samples: Sample[] = DURATION_BUCKETS.map((le) => ({
    labels: { ...labels, le: String(le) },
    value: values.filter((v) => v <= le).length,
    suffix: '_bucket',
  }));
  samples.push({ labels: { ...labels, le: '+Inf' }, value: values.length, suffix: '_bucket' });
  samples.push({ labels, value: values.reduce((a, b) => a + b, 0), suffix: '_sum' });
  samples.push({ labels, value: values.length, suffix: '_count' });
  return samples;
}
