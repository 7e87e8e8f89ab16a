/*
 * The parts of a deployment record that do not depend on the database: how a rollout's phase,
 * strategy and commit become the record's outcome, kind and change type, and how a stored row
 * becomes a record. Both stores (SQLite, PostgreSQL) project rollouts with these.
 */
import type { RolloutRecord } from './deployments.ts';
import type { DeploymentKind, DeploymentOutcome, DeploymentRecord } from './deployment-record.ts';

/** A fix deploy repairs the deployment before it only when that one went out less than this earlier. */
export const FIX_WINDOW_MS = 86_400_000;

/** The outcome of a rollout's deployment: `in-progress` until its rollout ends. */
export function outcomeOf(r: RolloutRecord): DeploymentOutcome {
  const phase = r.state.phase;
  if (phase === 'completed') return 'succeeded';
  if (phase === 'rolled-back') return 'rolled-back';
  if (phase === 'aborted') return 'aborted';
  return 'in-progress';
}

/** What kind of change the rollout made: the first release there, a replace, a progressive rollout, a rehearsal. */
export function kindOf(r: RolloutRecord): DeploymentKind {
  if (r.rehearsal) return 'rehearsal';
  if (!r.stable) return 'first';
  const s = r.state.strategy;
  if (s.kind === 'canary' && s.steps.every((step) => !('setWeight' in step) || step.setWeight >= 1000))
    return 'replace';
  return 'progressive';
}

/** The Conventional Commit type of a commit message (feat, fix, revert…), lowercased, if it has one. */
export function changeTypeOf(message: string | undefined): string | undefined {
  return message ? /^(\w+)(\([^)]*\))?!?:/.exec(message)?.[1]?.toLowerCase() : undefined;
}

/** A stored deployments row (snake_case columns, times in epoch milliseconds) as a record. */
export function deploymentFromRow(r: Record<string, unknown>): DeploymentRecord {
  const opt = <K extends string>(key: K, column: string, f: (v: unknown) => unknown = String) =>
    r[column] === null || r[column] === undefined ? {} : { [key]: f(r[column]) };
  const iso = (v: unknown) => new Date(Number(v)).toISOString();
  return {
    id: String(r['id']),
    service: String(r['service']),
    environment: String(r['environment']),
    version: String(r['version']),
    ...opt('digest', 'digest'),
    ...opt('runId', 'run_id', Number),
    ...opt('sha', 'sha'),
    ...opt('previousSha', 'previous_sha'),
    ...opt('changeType', 'change_type'),
    ...opt('committedAt', 'committed_at_ms', iso),
    startedAt: iso(r['started_at_ms']),
    ...opt('finishedAt', 'finished_at_ms', iso),
    outcome: String(r['outcome']) as DeploymentOutcome,
    kind: String(r['kind']) as DeploymentKind,
    ...opt('reason', 'reason'),
    ...opt('incidentId', 'incident_id'),
    ...opt('fixedBy', 'fixed_by'),
  } as DeploymentRecord;
}
