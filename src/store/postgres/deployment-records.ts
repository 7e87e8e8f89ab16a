/*
 * Deployment records in PostgreSQL: the same projection of rollouts as SQLite's, written in the
 * rollout's transaction, with incidents and fix deploys linked as they happen. DORA's aggregates are
 * computed from the rows with PostgreSQL's own aggregates (no weekly rollups, as SQLite keeps).
 */
import type { RolloutRecord } from '../../records/deployments.ts';
import { DORA_ENVIRONMENT } from '../../records/deployment-record.ts';
import type { DeploymentRecord, DeploymentStats } from '../../records/deployment-record.ts';
import {
  changeTypeOf,
  deploymentFromRow,
  FIX_WINDOW_MS,
  kindOf,
  outcomeOf,
} from '../../records/deployment-projection.ts';

/** The one method of a pg client or pool that these functions call. */
export interface Queryable {
  query(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

const DAY_MS = 86_400_000;

/** Upserts the deployment record of a rollout (called inside the rollout's transaction). */
export async function projectRollout(c: Queryable, r: RolloutRecord): Promise<void> {
  const [existing] = (await c.query('SELECT previous_sha FROM deployments WHERE id = $1', [r.id])).rows;
  const outcome = outcomeOf(r);
  const [run] =
    r.runId === undefined
      ? []
      : (await c.query('SELECT context_json FROM runs WHERE id = $1', [r.runId])).rows;
  const context = run
    ? (JSON.parse(String(run['context_json'])) as { sha?: string; message?: string; committedAt?: string })
    : {};
  const [last] = (
    await c.query(
      `SELECT sha FROM deployments WHERE service = $1 AND environment = $2 AND outcome = 'succeeded' AND id <> $3
       ORDER BY finished_at_ms DESC NULLS LAST LIMIT 1`,
      [r.service, r.environment, r.id],
    )
  ).rows;
  const previous = existing?.['previous_sha'] ?? last?.['sha'] ?? null;
  const finishedAt = r.state.finishedAt ? Date.parse(r.state.finishedAt) : null;
  const committedAt = context.committedAt ? Date.parse(context.committedAt) : NaN;
  const changeType = changeTypeOf(context.message);
  await c.query(
    `INSERT INTO deployments (id, service, environment, version, digest, run_id, sha, previous_sha, change_type,
       committed_at_ms, started_at_ms, finished_at_ms, outcome, kind, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (id) DO UPDATE SET finished_at_ms = excluded.finished_at_ms, outcome = excluded.outcome,
       kind = excluded.kind, reason = excluded.reason`,
    [
      r.id,
      r.service,
      r.environment,
      r.canary.version,
      r.canary.digest ?? null,
      r.runId ?? null,
      context.sha ?? null,
      previous === null ? null : String(previous),
      changeType ?? null,
      Number.isNaN(committedAt) ? null : committedAt,
      Date.parse(r.state.startedAt),
      finishedAt,
      outcome,
      kindOf(r),
      outcome === 'rolled-back' || outcome === 'aborted' ? (r.state.abortReason ?? null) : null,
    ],
  );
  // a fix deploy repairs the deployment before it, if that one went out less than a day earlier
  if (outcome === 'succeeded' && (changeType === 'fix' || changeType === 'revert') && finishedAt !== null) {
    const startedAt = r.state.startedAt ? Date.parse(r.state.startedAt) : finishedAt;
    await c.query(
      `UPDATE deployments SET fixed_by = $1 WHERE id = (
         SELECT id FROM deployments WHERE service = $2 AND environment = $3 AND id <> $1 AND outcome = 'succeeded'
           AND finished_at_ms <= $4 AND finished_at_ms >= $4 - $5 AND kind <> 'rehearsal'
         ORDER BY finished_at_ms DESC LIMIT 1) AND fixed_by IS NULL`,
      [r.id, r.service, r.environment, startedAt, FIX_WINDOW_MS],
    );
  }
}

/**
 * Links an incident to the latest production deployment of its service that started before it,
 * if that one was still going or ended less than a day before.
 */
export async function linkIncident(
  c: Queryable,
  incident: { id: string; service: string; openedAt: string },
): Promise<void> {
  const opened = Date.parse(incident.openedAt);
  await c.query(
    `UPDATE deployments SET incident_id = $1 WHERE id = (
       SELECT id FROM deployments WHERE service = $2 AND environment = $5 AND started_at_ms <= $3
         AND kind <> 'rehearsal' AND (finished_at_ms IS NULL OR finished_at_ms >= $3 - $4)
       ORDER BY started_at_ms DESC LIMIT 1) AND incident_id IS NULL`,
    [incident.id, incident.service, opened, DAY_MS, DORA_ENVIRONMENT],
  );
}

/** Deployment records, newest first. */
export async function listDeployments(
  c: Queryable,
  filter: { service?: string; environment?: string; limit?: number },
): Promise<DeploymentRecord[]> {
  const { rows } = await c.query(
    `SELECT * FROM deployments WHERE ($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR environment = $2)
     ORDER BY started_at_ms DESC, id DESC LIMIT $3`,
    [filter.service ?? null, filter.environment ?? null, filter.limit ?? 100],
  );
  return rows.map(deploymentFromRow);
}

/** DORA's aggregates over deployments to `environment` finished in [from, to), with exact medians. */
export async function deploymentStats(
  c: Queryable,
  q: { environment: string; service?: string; from: string; to: string },
): Promise<DeploymentStats> {
  const { rows } = await c.query(
    `WITH d AS (
       SELECT outcome, change_type, incident_id, fixed_by,
         CASE WHEN outcome = 'succeeded' AND committed_at_ms IS NOT NULL
           THEN greatest(finished_at_ms - committed_at_ms, 0) END AS lead_ms,
         CASE WHEN outcome <> 'succeeded' THEN greatest(finished_at_ms - started_at_ms, 0) END AS recovery_ms
       FROM deployments
       WHERE environment = $1 AND finished_at_ms >= $2 AND finished_at_ms < $3
         AND ($4::text IS NULL OR service = $4) AND kind <> 'rehearsal' AND outcome <> 'in-progress')
     SELECT count(*) AS n,
       count(*) FILTER (WHERE outcome = 'succeeded') AS ok,
       count(*) FILTER (WHERE outcome <> 'succeeded' OR incident_id IS NOT NULL OR fixed_by IS NOT NULL) AS failed,
       count(*) FILTER (WHERE change_type IN ('fix', 'revert')) AS rework,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY lead_ms) AS lead,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY recovery_ms) AS recovery
     FROM d`,
    [q.environment, Date.parse(q.from), Date.parse(q.to), q.service ?? null],
  );
  const r = rows[0] ?? {};
  const n = Number(r['n'] ?? 0);
  const ok = Number(r['ok'] ?? 0);
  return {
    deployments: n,
    succeeded: ok,
    rolledBack: n - ok,
    failed: Number(r['failed'] ?? 0),
    rework: Number(r['rework'] ?? 0),
    ...(r['lead'] === null || r['lead'] === undefined ? {} : { leadTimeMedianMs: Number(r['lead']) }),
    ...(r['recovery'] === null || r['recovery'] === undefined
      ? {}
      : { recoveryMedianMs: Number(r['recovery']) }),
  };
}
