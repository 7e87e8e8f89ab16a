/*
 * What the control plane persists about deployments: immutable releases, each environment's
 * running set and routes, and rollouts with their commands. Plain JSON, so the store writes
 * exactly what the controller reads back.
 */
import type { RouterSpec } from '../routers/kinds.ts';
import type { TargetSpec } from '../targets/registry.ts';
import type { StoredSamples } from './samples.ts';
import type { RevisionHistory } from '../rollout/revisions.ts';
import type { RolloutState } from '../rollout/state.ts';

/** How to run one version of a service: a process bundle (local target) or an OCI image. */
export interface ReleaseSpec {
  version: string;
  revision: number;
  /** Shell command that starts one instance; it reads `PORT` (empty for an image). */
  command: string;
  /** Directory the command runs in: the release's immutable copy when it has an artifact (empty for an image). */
  cwd: string;
  /** The OCI image pinned by digest, for targets that run images (kubernetes). */
  image?: { readonly type: 'image'; readonly image: string; readonly digest: string };
  env: Record<string, string>;
  replicas: number;
  /** Health path probed for readiness and liveness. */
  health: string;
  /** sha256 of the artifact tree, when the release has one. */
  digest?: string;
  readinessTimeoutMs?: number;
}

/**
 * The target of an environment that does its own traffic (an Argo Rollout): runway.yaml's
 * `target:` as resolved, kept with each of its rollouts so that a restarted control plane knows
 * what to follow.
 */
export type DelegateSpec = TargetSpec;

/** What one service in one environment should look like: the controller's desired state. */
export interface EnvironmentRecord {
  service: string;
  environment: string;
  /** Public port of the environment's router. */
  port: number;
  /** The release serving all traffic when no rollout is in progress. */
  stable?: ReleaseSpec;
  /** Versions whose instances should run, by version. */
  running: Record<string, ReleaseSpec>;
  /** Per-mille of traffic by version (sums to 1000 when anything runs). */
  weights: Record<string, number>;
  /** Version the blue-green preview port routes to. */
  preview?: string;
  previewPort?: number;
  revisions: RevisionHistory;
  /** How to run each version still in the revision history (for undo). */
  releases: Record<string, ReleaseSpec>;
  /** The rollout in progress, if any. */
  rolloutId?: string;
  /** Faults injected by version (rollback rehearsals); applied while the version runs. */
  faults?: Record<string, { errorRatio?: number; latencyMs?: number; abortRatio?: number }>;
  /** How traffic is split (runway.yaml's `router:`); the local Node router when absent. */
  router?: RouterSpec;
  /** Where releases run (runway.yaml's resolved `target:`) for targets other than local. */
  target?: TargetSpec;
  updatedAt: string;
}

/** A rollout as stored: the controller's state plus what it needs to act. */
export interface RolloutRecord {
  id: string;
  service: string;
  environment: string;
  state: RolloutState;
  canary: ReleaseSpec;
  stable?: ReleaseSpec;
  /** Raw `analysis:` templates of the pipeline that asked for the rollout. */
  analysis: Record<string, unknown>;
  /** Arguments for analysis templates (service, environment, canary, stable…). */
  args: Record<string, string>;
  /** Faults were injected into the new version (a rollback rehearsal): its rollback is not the service's. */
  rehearsal?: boolean;
  /** The target this rollout follows when it does its own traffic (`src/rollout/delegated/`). */
  delegate?: DelegateSpec;
  /** A delegated undo: the target's previous pod template is put back (`kubectl argo rollouts undo`) instead of an image set. */
  restoresPrevious?: boolean;
  /**
   * Commands passed to a delegating target whose consumption is not saved yet, each with what the
   * target showed just before it was sent (saved before the send): a control plane that resumes
   * sends one again only while the target still shows exactly that.
   */
  sending?: SentCommand[];
  /** What each finished analysis run measured and why it ended so (kept after the engine stops). */
  reports?: Record<string, AnalysisReport>;
  /** Idempotency key of the request (run id and step), so a resumed step finds its rollout. */
  key?: string;
  runId?: number;
  /**
   * Once the rollout ended: `pending` until its router reports the final split in force (read back
   * from the router itself), then `confirmed`. Only then does its end count: a step waiting on it
   * succeeds or fails. Absent on rollouts that have not ended, and on those stored before it existed.
   */
  dataPlane?: 'pending' | 'confirmed';
  createdAt: string;
  updatedAt: string;
}

/** A command on its way to a delegating target, and the target's state it was meant to change. */
export interface SentCommand {
  command: number;
  /** The target's state before the send (`stateBefore` of `src/rollout/delegated/follow.ts`). */
  before: string;
}

/** A finished analysis run, explained for people. */
export interface AnalysisReport {
  phase: string;
  message?: string;
  /** One line per metric and one for the run. */
  lines: string[];
  /** Both versions' counters as each judged metric read them, by metric (for `analysis replay`). */
  samples?: Record<string, StoredSamples>;
}

/** A command people gave a rollout, waiting for the controller to consume it. */
export interface RolloutCommandRecord {
  id: number;
  rolloutId: string;
  command: string;
  by: string;
  at: string;
  consumedAt?: string;
  /** Why the controller refused it, if it did. */
  error?: string;
}
