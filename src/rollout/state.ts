/*
 * The persisted state of one rollout: plain JSON data (times are ISO-8601 strings), so what the
 * store writes is exactly what `reconcile` reads back.
 */
import type { AnalysisRef, Strategy } from './strategy.ts';

/** Rollout phases. `aborted` stopped before the new version got traffic; `rolled-back` moved traffic back. */
export const PHASES = [
  'progressing',
  'paused',
  'analysing',
  'promoted',
  'aborted',
  'rolled-back',
  'completed',
] as const;
/** One of PHASES. */
export type Phase = (typeof PHASES)[number];

/** Phases a rollout does not leave on its own (`retry` restarts the failed ones). */
export const TERMINAL_PHASES: readonly Phase[] = ['aborted', 'rolled-back', 'completed'];

/** Why a rollout is paused: a pause step, a person, an inconclusive analysis, or a blue-green switch. */
export const PAUSE_REASONS = ['pause-step', 'manual', 'inconclusive', 'awaiting-promotion'] as const;
/** One of PAUSE_REASONS. */
export type PauseReason = (typeof PAUSE_REASONS)[number];

/** Verdicts an analysis run reports, as Argo Rollouts names them. */
export const ANALYSIS_PHASES = ['running', 'successful', 'failed', 'inconclusive', 'error'] as const;
/** One of ANALYSIS_PHASES. */
export type AnalysisPhase = (typeof ANALYSIS_PHASES)[number];

/** What started an analysis run. */
export type AnalysisKind = 'step' | 'background' | 'pre-promotion' | 'post-promotion';

/** An analysis run the rollout started; `stopped` means the rollout no longer needed it. */
export interface AnalysisRunRecord {
  runId: string;
  kind: AnalysisKind;
  attempt: number;
  analysis: AnalysisRef;
  stepIndex?: number;
  startedAt: string;
  status: AnalysisPhase | 'stopped';
  finishedAt?: string;
}

/** A release of the service. */
export interface VersionRef {
  version: string;
  revision: number;
}

/** Things that happen to a rollout, in the order they happen. */
export const HISTORY_EVENTS = [
  'created',
  'instances-started',
  'weight-set',
  'paused',
  'resumed',
  'analysis-started',
  'analysis-finished',
  'health-check-failed',
  'health-check-passed',
  'command',
  'promoted',
  'aborted',
  'rolled-back',
  'completed',
  'retried',
  'instances-stopped',
] as const;
/** One of HISTORY_EVENTS. */
export type HistoryEvent = (typeof HISTORY_EVENTS)[number];

/** One line of a rollout's history; `at` never goes backwards. */
export interface HistoryEntry {
  at: string;
  event: HistoryEvent;
  detail: string;
}

/** A version to stop at `at` (after the scale-down delay); `done` once the stop was issued. */
export interface ScaleDown {
  version: string;
  at: string;
  done: boolean;
}

/** Everything the controller knows about one rollout. */
export interface RolloutState {
  id: string;
  service: string;
  environment: string;
  /** The revision this rollout deploys (the canary's). */
  revision: number;
  strategy: Strategy;
  /** Instances of the new version to run. */
  replicas: number;
  phase: Phase;
  /** Index into the strategy's plan (plan.ts): the canary steps, or blue-green's stages. */
  stepIndex: number;
  stable: VersionRef;
  canary: VersionRef;
  /** Per-mille of traffic the new version should get. */
  weight: number;
  pausedAt?: string;
  pauseReason?: PauseReason;
  stepStartedAt: string;
  startedAt: string;
  /** Last time the rollout moved: a step done, instances became ready, a resume. */
  lastProgressAt: string;
  abortReason?: string;
  finishedAt?: string;
  history: HistoryEntry[];
  consecutiveHealthFailures: number;
  /** Failed checks this attempt, counted against the strategy's `failedCheckThreshold`. */
  failedChecks?: number;
  /** Ready instances of the new version at the last look. */
  canaryReadyInstances: number;
  analysisRuns: Record<string, AnalysisRunRecord>;
  /** The run of the current analysis step, once started. */
  stepRunId?: string;
  backgroundRunId?: string;
  /** 1, plus one per `retry`; part of every analysis run id. */
  attempt: number;
  /** When start-instances for the new version was issued (this attempt). */
  canaryStartedAt?: string;
  /** `now` of the last observations whose events (commands, a health sample) were consumed. */
  observedAt?: string;
  scaleDowns: ScaleDown[];
}

/** What it takes to start a rollout. */
export interface NewRollout {
  id: string;
  service: string;
  environment: string;
  stable: VersionRef;
  canary: VersionRef;
  strategy: Strategy;
  replicas: number;
}

/** A rollout that has not acted yet; the first `reconcile` starts the new version's instances. */
export function newRollout(input: NewRollout, now: Date): RolloutState {
  if (input.stable.version === input.canary.version) {
    throw new Error(`nothing to roll out: version ${input.canary.version} is already stable`);
  }
  if (!Number.isInteger(input.replicas) || input.replicas < 1) {
    throw new Error(`replicas must be a positive integer, got ${input.replicas}`);
  }
  const at = now.toISOString();
  return {
    id: input.id,
    service: input.service,
    environment: input.environment,
    revision: input.canary.revision,
    strategy: input.strategy,
    replicas: input.replicas,
    phase: 'progressing',
    stepIndex: 0,
    stable: { ...input.stable },
    canary: { ...input.canary },
    weight: 0,
    stepStartedAt: at,
    startedAt: at,
    lastProgressAt: at,
    history: [
      {
        at,
        event: 'created',
        detail: `${input.service} ${input.stable.version} → ${input.canary.version} in ${input.environment} (${input.strategy.kind})`,
      },
    ],
    consecutiveHealthFailures: 0,
    canaryReadyInstances: 0,
    analysisRuns: {},
    attempt: 1,
    scaleDowns: [],
  };
}

/** Whether the rollout has stopped moving on its own. */
export function isTerminal(phase: Phase): boolean {
  return TERMINAL_PHASES.includes(phase);
}
