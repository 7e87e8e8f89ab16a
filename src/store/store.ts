import type { ApiTokenRecord, AuditRecord } from '../records/api-tokens.ts';
import type { EvidenceValue } from '../records/evidence.ts';
import type { Pipeline } from '../config/pipeline.ts';
import type { RunContext } from '../records/run-context.ts';
import type { EnvironmentRecord, RolloutCommandRecord, RolloutRecord } from '../records/deployments.ts';
import type { DeliveryRecord } from '../notify/delivery-record.ts';
import type { DeploymentRecord, DeploymentStats } from '../records/deployment-record.ts';

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * `warning`: a step ended with one of its `warn-on-exit` codes, or a `warn-on-fail` gate failed; it
 * does not fail the stage or the run.
 */
export const NODE_STATUSES = [
  'pending',
  'running',
  'succeeded',
  'warning',
  'failed',
  'skipped',
  'cancelled',
] as const;
/** State of a stage or step. */
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** The process that is executing a run; a lease others may take once it goes stale. */
export interface RunOwner {
  pid: number;
  host: string;
}

/** A fenced write by a runner that no longer holds its run: another process took it over. */
export class RunTakenOverError extends Error {
  readonly holder: RunOwner | undefined;

  constructor(runId: number, holder: RunOwner | undefined) {
    super(
      `run ${runId} was taken over by process ${holder?.pid ?? '?'} on ${holder?.host ?? '?'}; this runner stopped`,
    );
    this.name = 'RunTakenOverError';
    this.holder = holder;
  }
}

export interface RunRecord {
  id: number;
  pipeline: Pipeline;
  context: RunContext;
  status: RunStatus;
  createdAt: string;
  finishedAt?: string;
  reason?: string;
  owner?: RunOwner;
  heartbeatAt?: string;
  cancelRequestedAt?: string;
}

export interface StageRecord {
  name: string;
  status: NodeStatus;
  startedAt?: string;
  finishedAt?: string;
  reason?: string;
}

export interface StepRecord {
  key: string;
  stage: string;
  id: string;
  name: string;
  index: number;
  status: NodeStatus;
  /** Attempts started, counting retries and re-runs after a crash. */
  attempts: number;
  /** Passed only after a failed attempt. */
  flaky: boolean;
  /** The step failed but `continue-on-error` let the stage go on. */
  failedButContinued?: boolean;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  reason?: string;
  logPath?: string;
  logBytes?: number;
  /** Process group of the attempt in flight, so a resumed run can stop an orphan. */
  pgid?: number;
}

export interface EvidenceRecord {
  key: string;
  value: EvidenceValue;
  stepKey: string;
  recordedAt: string;
}

export interface EventRecord {
  seq: number;
  runId: number;
  at: string;
  type: string;
  data: Record<string, unknown>;
}

/** Everything one state change writes; a store applies it atomically, then it counts. */
export interface Change {
  run?: Partial<Pick<RunRecord, 'status' | 'finishedAt' | 'reason'>>;
  stage?: StageRecord;
  step?: StepRecord;
  /** Several steps at once, e.g. all steps of a skipped stage. */
  steps?: StepRecord[];
  outputs?: { stepKey: string; values: Record<string, string> };
  evidence?: EvidenceRecord[];
  event: { type: string; data: Record<string, unknown> };
}

/** A stored gate decision: the whole decision, the (redacted) input it was made on, and where. */
export interface DecisionRecord {
  id: number;
  runId?: number;
  stepKey?: string;
  gate: string;
  service?: string;
  environment?: string;
  outcome: string;
  strategy?: string;
  decision: Record<string, unknown>;
  input: unknown;
  inputDigest: string;
  evaluatedAt: string;
}

/** An incident as stored; times are ISO 8601. */
export interface IncidentRecord {
  id: string;
  service: string;
  severity: string;
  title: string;
  source: string;
  fingerprint?: string;
  openedAt: string;
  resolvedAt?: string;
}

/** One person's verdict on an approval step. */
export interface ApprovalRecord {
  runId: number;
  stepKey: string;
  approver: string;
  verdict: 'approve' | 'reject';
  comment?: string;
  at: string;
}

/**
 * An approval a controller outside Runway waits on (a Flagger canary's promotion), asked for one
 * revision of what it gates; verdicts count for that revision only.
 */
export interface ExternalApprovalRecord {
  /** What is approved, e.g. `flagger/test/podinfo`. */
  gate: string;
  /** The revision asked about (Flagger's checksum). */
  revision: string;
  service: string;
  required: number;
  roles: string[];
  requestedAt: string;
  verdicts: ExternalVerdictRecord[];
}

/** One person's verdict on an external approval. */
export interface ExternalVerdictRecord {
  approver: string;
  verdict: 'approve' | 'reject';
  comment?: string;
  at: string;
}

/** An event a controller outside Runway reported (a Flagger `event` webhook), kept as a deployment record. */
export interface ExternalEventRecord {
  /** `flagger`. */
  source: string;
  namespace: string;
  name: string;
  service: string;
  phase: string;
  revision: string;
  /** `Normal` or `Warning`. */
  type?: string;
  message?: string;
  at: string;
}

/** An emergency override of the release gate; `rules` empty means every overridable rule. */
export interface OverrideRecord {
  id: number;
  service: string;
  environment: string;
  rules: string[];
  reason: string;
  grantedBy: string;
  grantedAt: string;
  /** When it starts to apply, if not when granted (an override scheduled for a release window). */
  validFrom?: string;
  expiresAt: string;
  revokedAt?: string;
}

/**
 * One sample of a service's request counters in an environment, summed over its versions:
 * cumulative since the data plane started counting, so a drop means it restarted.
 */
export interface MetricSampleRecord {
  service: string;
  environment: string;
  /** ISO 8601 in UTC with milliseconds, as `Date#toISOString` writes it. */
  at: string;
  /** Requests answered. */
  total: number;
  /** Requests answered with a 5xx code. */
  errors: number;
  /** The counters restarted since the previous sample even though they did not drop. */
  reset?: boolean;
}

export interface NewRun {
  pipeline: Pipeline;
  context: RunContext;
  owner: RunOwner;
  at: string;
}

/** Where a fenced write must still hold its lease: the lease's name and the token it was granted. */
export interface Fence {
  lease: string;
  token: number;
}

/** A fenced write found its lease taken over: the writer lost it and must stop acting on it. */
export class LeaseLostError extends Error {
  readonly lease: string;
  constructor(lease: string, token: number) {
    super(`lease ${lease} is no longer held with token ${token}: another control plane took it over`);
    this.name = 'LeaseLostError';
    this.lease = lease;
  }
}

/** Durable state of runs; implemented by SQLite (embedded) and PostgreSQL (shared). */
export interface Store {
  readonly kind: string;
  createRun(input: NewRun): Promise<RunRecord>;
  getRun(id: number): Promise<RunRecord | undefined>;
  listRuns(opts?: { limit?: number; status?: RunStatus }): Promise<RunRecord[]>;
  /**
   * Applies a change and appends its event in one transaction; returns the event. With `owner`,
   * the change is fenced: it is refused with {@link RunTakenOverError} unless `owner` still holds the run.
   */
  apply(runId: number, change: Change, at: string, owner?: RunOwner): Promise<EventRecord>;
  /**
   * Applies several changes, in order, and appends their events in one transaction (a group commit:
   * all or none); returns the events. Fenced on `owner` as {@link Store.apply} is.
   */
  applyAll(runId: number, changes: readonly Change[], at: string, owner?: RunOwner): Promise<EventRecord[]>;
  /**
   * Takes the run for `owner` if nobody holds it, `owner` already does, or the holder's heartbeat
   * is older than `staleBefore`. Returns whether `owner` now holds it.
   */
  claimRun(runId: number, owner: RunOwner, at: string, staleBefore: string): Promise<boolean>;
  /** Renews `owner`'s hold on the run; returns false when another owner has taken it. */
  heartbeat(runId: number, owner: RunOwner, at: string): Promise<boolean>;
  requestCancel(runId: number, at: string): Promise<void>;
  stages(runId: number): Promise<StageRecord[]>;
  steps(runId: number): Promise<StepRecord[]>;
  outputs(runId: number): Promise<Record<string, Record<string, string>>>;
  evidence(runId: number): Promise<EvidenceRecord[]>;
  events(runId: number, afterSeq?: number): Promise<EventRecord[]>;
  /** Stores a gate decision; returns its id. */
  recordDecision(decision: Omit<DecisionRecord, 'id'>): Promise<number>;
  /** Decisions, newest first. */
  decisions(filter?: {
    service?: string;
    environment?: string;
    runId?: number;
    limit?: number;
  }): Promise<DecisionRecord[]>;
  /** Opens an incident; opening the same id again changes nothing. Returns whether it was new. */
  openIncident(incident: IncidentRecord): Promise<boolean>;
  /** Resolves an open incident by id, else by fingerprint; returns the ids resolved. */
  resolveIncident(ref: { id?: string; fingerprint?: string }, at: string): Promise<string[]>;
  /** Incidents, newest first; `open` keeps those not resolved. */
  incidents(filter?: { service?: string; open?: boolean; limit?: number }): Promise<IncidentRecord[]>;
  /** Records a verdict; a second verdict by the same approver on the same step is refused (false). */
  recordApproval(approval: ApprovalRecord): Promise<boolean>;
  approvals(runId: number, stepKey?: string): Promise<ApprovalRecord[]>;
  /** Grants an override; returns its id. */
  grantOverride(o: Omit<OverrideRecord, 'id' | 'revokedAt'>): Promise<number>;
  revokeOverride(id: number, at: string): Promise<boolean>;
  /** Overrides, newest first; with `activeAt`, only those not revoked and not expired then. */
  overrides(filter?: {
    service?: string;
    environment?: string;
    activeAt?: string;
  }): Promise<OverrideRecord[]>;
  /** The desired state of a service in an environment, if it was ever deployed. */
  getEnvironment(service: string, environment: string): Promise<EnvironmentRecord | undefined>;
  /** Every environment record, for a control plane that starts and converges the data plane. */
  environments(): Promise<EnvironmentRecord[]>;
  /**
   * Persists a controller decision in one transaction: the environment, the rollout, and the
   * commands it consumed (with the reason one was refused).
   */
  saveDeployment(change: {
    environment?: EnvironmentRecord;
    rollout?: RolloutRecord;
    consumed?: { id: number; error?: string }[];
    at: string;
    /** Write only while this lease is still held with this token; else throw `LeaseLostError`. */
    fence?: Fence;
  }): Promise<void>;
  /**
   * Takes lease `name` for `holder` if nobody holds it, `holder` already does, or it was last
   * renewed before `staleBefore`. Returns the fencing token, which grows each time the lease changes
   * hands, or undefined while another holder's lease is fresh.
   */
  acquireLease(name: string, holder: string, at: string, staleBefore: string): Promise<number | undefined>;
  /** Renews a lease still held with `token`; false once another holder took it over. */
  renewLease(name: string, holder: string, token: number, at: string): Promise<boolean>;
  /** Gives a lease up so another holder may take it at once; nothing happens if it changed hands. */
  releaseLease(name: string, holder: string, token: number): Promise<void>;
  getRollout(id: string): Promise<RolloutRecord | undefined>;
  /** The rollout created for an idempotency key (a run's step), if any. */
  rolloutByKey(key: string): Promise<RolloutRecord | undefined>;
  /** Rollouts, newest first; `active` keeps those not finished. */
  rollouts(filter?: {
    service?: string;
    environment?: string;
    active?: boolean;
    limit?: number;
  }): Promise<RolloutRecord[]>;
  /** Queues a command for a rollout; returns its id. */
  addRolloutCommand(c: { rolloutId: string; command: string; by: string; at: string }): Promise<number>;
  /** Commands not consumed yet, oldest first. */
  pendingRolloutCommands(rolloutId: string): Promise<RolloutCommandRecord[]>;
  getRolloutCommand(id: number): Promise<RolloutCommandRecord | undefined>;
  /** Persists an analysis run's state (before a measurement counts). */
  saveAnalysisRun(runId: string, rolloutId: string, state: unknown, finished: boolean): Promise<void>;
  loadAnalysisRun(runId: string): Promise<unknown>;
  /** Analysis runs not finished, for a restarted control plane. */
  activeAnalysisRuns(rolloutId?: string): Promise<{ runId: string; rolloutId: string; state: unknown }[]>;
  /** Stores counter samples in one transaction; a sample at a time already stored is ignored. */
  recordMetricSamples(samples: readonly MetricSampleRecord[]): Promise<void>;
  /** One series' samples, oldest first; `from` and `to` (ISO 8601) are inclusive. */
  metricSamples(filter: {
    service: string;
    environment: string;
    from?: string;
    to?: string;
  }): Promise<MetricSampleRecord[]>;
  /** Deletes the samples of one series taken at the times `at`; returns how many it deleted. */
  deleteMetricSamples(
    series: { service: string; environment: string },
    at: readonly string[],
  ): Promise<number>;
  /** Deletes every sample taken before `before`, in every series; returns how many it deleted. */
  pruneMetricSamples(before: string): Promise<number>;
  /** Asks for an external approval of one revision; asking again for the same one changes nothing. */
  requestExternalApproval(request: Omit<ExternalApprovalRecord, 'verdicts'>): Promise<boolean>;
  /** The newest revision asked for of a gate, with its verdicts (oldest first). */
  externalApproval(gate: string): Promise<ExternalApprovalRecord | undefined>;
  /** Records a verdict on one revision; a second verdict by the same approver is refused (false). */
  recordExternalVerdict(v: ExternalVerdictRecord & { gate: string; revision: string }): Promise<boolean>;
  recordExternalEvent(event: ExternalEventRecord): Promise<void>;
  /** External events, newest first. */
  externalEvents(filter?: { service?: string; limit?: number }): Promise<ExternalEventRecord[]>;
  /**
   * Deployment records, newest first: one per rollout, written with it by `saveDeployment`, with
   * the incident that followed it (`openIncident` links it) and the fix deploy that repaired it.
   */
  deployments(filter?: {
    service?: string;
    environment?: string;
    limit?: number;
  }): Promise<DeploymentRecord[]>;
  /** DORA's aggregates over finished deployments to one environment in [from, to). */
  deploymentStats(q: {
    environment: string;
    service?: string;
    from: string;
    to: string;
  }): Promise<DeploymentStats>;
  /** Inserts or replaces a notification delivery (by id). */
  recordDelivery(delivery: DeliveryRecord): Promise<void>;
  /** Notification deliveries, newest first. */
  deliveries(filter?: { runId?: number; limit?: number }): Promise<DeliveryRecord[]>;
  /**
   * Records that a webhook delivery (GitHub's `X-GitHub-Delivery`) was acted on; false when it already
   * was, so a redelivery starts nothing, even after a restart of the control plane.
   */
  claimWebhookDelivery(delivery: string, event: string, at: string): Promise<boolean>;
  /** Stores a new API token (its hash); false when the name is taken. */
  createApiToken(token: ApiTokenRecord): Promise<boolean>;
  /** The token with this hash, revoked or not. */
  apiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined>;
  /** Every token, oldest first. */
  apiTokens(): Promise<ApiTokenRecord[]>;
  /** Revokes the token of this id or name; false when there is none still valid. */
  revokeApiToken(idOrName: string, at: string): Promise<boolean>;
  /** Appends one mutating API call to the audit log. */
  recordAudit(entry: Omit<AuditRecord, 'id'>): Promise<number>;
  /** The audit log, newest first. */
  auditLog(filter?: { limit?: number; token?: string }): Promise<AuditRecord[]>;
  close(): Promise<void>;
}
