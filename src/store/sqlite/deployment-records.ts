/*
 * Deployment records in SQLite: a projection of rollouts, written in the rollout's transaction,
 * with incidents and fix deploys linked as they happen; DORA reads the weekly rollups that the
 * table's triggers keep (see migration 9), so its cost follows the days in the window, not the rows.
 */
import type { StatementSync } from 'node:sqlite';
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

type Sql = (text: string) => StatementSync;
type Row = Record<string, unknown>;

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** Upserts the deployment record of a rollout (called inside the rollout's transaction). */
export function projectRollout(sql: Sql, r: RolloutRecord): void {
  const existing = sql('SELECT previous_sha FROM deployments WHERE id = ?').get(r.id) as Row | undefined;
  const outcome = outcomeOf(r);
  const run =
    r.runId === undefined
      ? undefined
      : (sql('SELECT context_json FROM runs WHERE id = ?').get(r.runId) as Row | undefined);
  const context = run
    ? (JSON.parse(String(run['context_json'])) as { sha?: string; message?: string; committedAt?: string })
    : {};
  const previous =
    existing?.['previous_sha'] ??
    (
      sql(
        `SELECT sha FROM deployments WHERE service = ? AND environment = ? AND outcome = 'succeeded' AND id <> ?
         ORDER BY finished_at_ms DESC LIMIT 1`,
      ).get(r.service, r.environment, r.id) as Row | undefined
    )?.['sha'] ??
    null;
  const finishedAt = r.state.finishedAt ? Date.parse(r.state.finishedAt) : null;
  const committedAt = context.committedAt ? Date.parse(context.committedAt) : NaN;
  const changeType = changeTypeOf(context.message);
  sql(
    `INSERT INTO deployments (id, service, environment, version, digest, run_id, sha, previous_sha, change_type,
       committed_at_ms, started_at_ms, finished_at_ms, outcome, kind, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET finished_at_ms = excluded.finished_at_ms, outcome = excluded.outcome,
       kind = excluded.kind, reason = excluded.reason`,
  ).run(
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
  );
  // a fix deploy repairs the deployment before it, if that one went out less than a day earlier
  if (outcome === 'succeeded' && (changeType === 'fix' || changeType === 'revert') && finishedAt !== null) {
    sql(
      `UPDATE deployments SET fixed_by = ?1 WHERE id = (
         SELECT id FROM deployments WHERE service = ?2 AND environment = ?3 AND id <> ?1 AND outcome = 'succeeded'
           AND finished_at_ms <= ?4 AND finished_at_ms >= ?4 - ?5 AND kind <> 'rehearsal'
         ORDER BY finished_at_ms DESC LIMIT 1) AND fixed_by IS NULL`,
    ).run(
      r.id,
      r.service,
      r.environment,
      Number(r.state.startedAt ? Date.parse(r.state.startedAt) : finishedAt),
      FIX_WINDOW_MS,
    );
  }
}

/**
 * Links an incident to the latest production deployment of its service that started before it,
 * if that one was still going or ended less than a day before.
 */
export function linkIncident(sql: Sql, incident: { id: string; service: string; openedAt: string }): void {
  const opened = Date.parse(incident.openedAt);
  sql(
    `UPDATE deployments SET incident_id = ?1 WHERE id = (
       SELECT id FROM deployments WHERE service = ?2 AND environment = ?5 AND started_at_ms <= ?3
         AND kind <> 'rehearsal' AND (finished_at_ms IS NULL OR finished_at_ms >= ?3 - ?4)
       ORDER BY started_at_ms DESC LIMIT 1) AND incident_id IS NULL`,
  ).run(incident.id, incident.service, opened, DAY_MS, DORA_ENVIRONMENT);
}

/** Deployment records, newest first. */
export function listDeployments(
  sql: Sql,
  filter: { service?: string; environment?: string; limit?: number },
): DeploymentRecord[] {
  const rows = sql(
    `SELECT * FROM deployments WHERE (?1 IS NULL OR service = ?1) AND (?2 IS NULL OR environment = ?2)
     ORDER BY started_at_ms DESC, id DESC LIMIT ?3`,
  ).all(filter.service ?? null, filter.environment ?? null, filter.limit ?? 100) as Row[];
  return rows.map(deploymentFromRow);
}

/**
 * DORA's aggregates over deployments to `environment` finished in [from, to): whole weeks from the
 * rollups the triggers keep, the partial weeks at the edges from the rows, and each median found in
 * its histogram bucket, then read exactly from that bucket's rows.
 */
export function deploymentStats(
  sql: Sql,
  q: { environment: string; service?: string; from: string; to: string },
): DeploymentStats {
  const from = Date.parse(q.from);
  const to = Date.parse(q.to);
  const service = q.service ?? null;
  const counts = new Map<string, number>();
  const add = (metric: string, bucket: number, n: number) =>
    counts.set(`${metric} ${bucket}`, (counts.get(`${metric} ${bucket}`) ?? 0) + n);

  // whole weeks from the rollups
  const firstWeek = Math.ceil(from / WEEK_MS);
  const lastWeek = Math.floor(to / WEEK_MS);
  const edges: [number, number][] = [];
  if (firstWeek < lastWeek) {
    const rows = sql(
      `SELECT metric, bucket, sum(n) AS n FROM deployment_rollup
       WHERE environment = ? AND service = ? AND week >= ? AND week < ? GROUP BY metric, bucket`,
    ).all(q.environment, service ?? '*', firstWeek, lastWeek) as Row[];
    for (const r of rows) add(String(r['metric']), Number(r['bucket']), Number(r['n']));
    edges.push([from, firstWeek * WEEK_MS], [lastWeek * WEEK_MS, to]);
  } else {
    edges.push([from, to]);
  }

  // the partial weeks from the rows
  const edge = sql(
    `SELECT outcome, change_type, incident_id, fixed_by, lead_ms, lead_bucket, recovery_ms, recovery_bucket
     FROM deployments WHERE environment = ?1 AND finished_at_ms >= ?2 AND finished_at_ms < ?3
       AND (?4 IS NULL OR service = ?4) AND kind <> 'rehearsal' AND outcome <> 'in-progress'`,
  );
  for (const [a, b] of edges) {
    if (a >= b) continue;
    for (const r of edge.all(q.environment, a, b, service) as Row[]) {
      add('n', -1, 1);
      if (r['outcome'] === 'succeeded') add('ok', -1, 1);
      if (r['outcome'] !== 'succeeded' || r['incident_id'] !== null || r['fixed_by'] !== null)
        add('failed', -1, 1);
      if (r['change_type'] === 'fix' || r['change_type'] === 'revert') add('rework', -1, 1);
      if (r['lead_ms'] !== null) add('lead', Number(r['lead_bucket']), 1);
      if (r['recovery_ms'] !== null) add('recovery', Number(r['recovery_bucket']), 1);
    }
  }

  // each median: its bucket from the counts, then the exact value among that bucket's rows
  const median = (metric: 'lead' | 'recovery'): number | undefined => {
    const buckets = [...counts]
      .filter(([key, n]) => key.startsWith(`${metric} `) && n > 0)
      .map(([key, n]) => [Number(key.slice(metric.length + 1)), n] as const)
      .sort((x, y) => x[0] - y[0]);
    const total = buckets.reduce((s, [, n]) => s + n, 0);
    if (total === 0) return undefined;
    let rank = Math.ceil(total / 2);
    for (const [bucket, n] of buckets) {
      if (rank <= n) {
        const row = sql(
          `SELECT ${metric}_ms AS v FROM deployments WHERE environment = ?1 AND ${metric}_bucket = ?2
             AND finished_at_ms >= ?3 AND finished_at_ms < ?4 AND (?5 IS NULL OR service = ?5)
             AND kind <> 'rehearsal' AND ${metric}_ms IS NOT NULL
           ORDER BY ${metric}_ms LIMIT 1 OFFSET ?6`,
        ).get(q.environment, bucket, from, to, service, rank - 1) as Row | undefined;
        return row === undefined ? undefined : Number(row['v']);
      }
      rank -= n;
    }
    return undefined;
  };
  const count = (metric: string) => counts.get(`${metric} -1`) ?? 0;
  const lead = median('lead');
  const recovery = median('recovery');
  const n = count('n');
  return {
    deployments: n,
    succeeded: count('ok'),
    rolledBack: n - count('ok'),
    failed: count('failed'),
    rework: count('rework'),
    ...(lead === undefined ? {} : { leadTimeMedianMs: lead }),
    ...(recovery === undefined ? {} : { recoveryMedianMs: recovery }),
  };
}
