/*
 * A deployment record: one change to an environment, as DORA counts them. The store writes it
 * from the rollout that made the change (in the same transaction), links the incident that
 * followed it and the fix deploy that repaired it.
 */

/** The environment DORA measures and incidents are linked to. */
export const DORA_ENVIRONMENT = 'production';

/** How a deployment ended; `in-progress` until its rollout finishes. */
export const DEPLOYMENT_OUTCOMES = ['in-progress', 'succeeded', 'rolled-back', 'aborted'] as const;
/** One of DEPLOYMENT_OUTCOMES. */
export type DeploymentOutcome = (typeof DEPLOYMENT_OUTCOMES)[number];

/** What kind of change it was: the first release there, a progressive rollout, a one-step replace, a rehearsal with injected faults. */
export const DEPLOYMENT_KINDS = ['first', 'progressive', 'replace', 'rehearsal'] as const;
/** One of DEPLOYMENT_KINDS. */
export type DeploymentKind = (typeof DEPLOYMENT_KINDS)[number];

/** One change to an environment. Times are ISO 8601. */
export interface DeploymentRecord {
  /** The rollout that made the change. */
  id: string;
  service: string;
  environment: string;
  version: string;
  /** sha256 of the release artifact, when it has one. */
  digest?: string;
  runId?: number;
  /** The commit deployed, and the one deployed there before: the change is the git range `previousSha..sha`. */
  sha?: string;
  previousSha?: string;
  /** Conventional Commit type of the run's commit message (feat, fix, revert…), when it has one. */
  changeType?: string;
  committedAt?: string;
  startedAt: string;
  finishedAt?: string;
  outcome: DeploymentOutcome;
  kind: DeploymentKind;
  /** Why it rolled back or was aborted. */
  reason?: string;
  /** The incident that followed it (opened within 24 h of its end, for the same service). */
  incidentId?: string;
  /** The fix deploy (a `fix:` or `revert:` commit within 24 h) that repaired it. */
  fixedBy?: string;
}

/** Counts and medians of finished deployments to one environment over a window, for DORA. */
export interface DeploymentStats {
  /** Finished deployments, rehearsals left out. */
  deployments: number;
  succeeded: number;
  /** Rolled back or aborted. */
  rolledBack: number;
  /** Deployments that rolled back, or were followed by an incident or a fix deploy. */
  failed: number;
  /** Deployments of fix or revert commits: unplanned work. */
  rework: number;
  /** Median (the lower middle value) of commit to 100 %, over succeeded deployments with a commit time. */
  leadTimeMedianMs?: number;
  /** Median of start to the end of the rollback, over rolled-back or aborted deployments. */
  recoveryMedianMs?: number;
}
