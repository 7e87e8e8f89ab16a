/*
 * Deployment records in PostgreSQL: the same projection of rollouts as SQLite's, written in the
 * rollout's transaction, with incidents and fix deploys linked as they happen. DORA's aggregates
 * read the weekly rollups a trigger keeps (migration 5), as SQLite's triggers keep theirs.
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
const WEEK_MS = 7 * DAY_MS;

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

/**
 * DORA's aggregates over deployments to `environment` finished in [from, to): whole weeks from the
 * rollups the trigger keeps, the partial weeks at the edges from the rows, and each median found in
 * its histogram bucket, then read exactly from that bucket's rows (as the SQLite store does).
 */
export async function deploymentStats(
  c: Queryable,
  q: { environment: string; service?: string; from: string; to: string },
): Promise<DeploymentStats> {
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
    const { rows } = await c.query(
      `SELECT metric, bucket, sum(n) AS n FROM deployment_rollup
       WHERE environment = $1 AND service = $2 AND week >= $3 AND week < $4 GROUP BY metric, bucket`,
      [q.environment, service ?? '*', firstWeek, lastWeek],
    );
    for (const r of rows) add(String(r['metric']), Number(r['bucket']), Number(r['n']));
    edges.push([from, firstWeek * WEEK_MS], [lastWeek * WEEK_MS, to]);
  } else {
    edges.push([from, to]);
  }

  // the partial weeks from the rows
  for (const [a, b] of edges) {
    if (a >= b) continue;
    const { rows } = await c.query(
      `SELECT k.metric, k.bucket, count(*) AS n
       FROM deployments d, deployment_rollup_keys(d) k
       WHERE d.environment = $1 AND d.finished_at_ms >= $2 AND d.finished_at_ms < $3
         AND ($4::text IS NULL OR d.service = $4) AND k.service = coalesce($4::text, '*')
       GROUP BY k.metric, k.bucket`,
      [q.environment, a, b, service],
    );
    for (const r of rows) add(String(r['metric']), Number(r['bucket']), Number(r['n']));
  }

  // each median: its bucket from the counts, then the exact value among that bucket's rows
  const median = async (metric: 'lead' | 'recovery'): Promise<number | undefined> => {
    const buckets = [...counts]
      .filter(([key, n]) => key.startsWith(`${metric} `) && n > 0)
      .map(([key, n]) => [Number(key.slice(metric.length + 1)), n] as const)
      .sort((x, y) => x[0] - y[0]);
    const total = buckets.reduce((sum, [, n]) => sum + n, 0);
    if (total === 0) return undefined;
    let rank = Math.ceil(total / 2);
    for (const [bucket, n] of buckets) {
      if (rank <= n) {
        const { rows } = await c.query(
          `SELECT ${metric}_ms AS v FROM deployments WHERE environment = $1 AND ${metric}_bucket = $2
             AND finished_at_ms >= $3 AND finished_at_ms < $4 AND ($5::text IS NULL OR service = $5)
             AND kind <> 'rehearsal' AND ${metric}_ms IS NOT NULL
           ORDER BY ${metric}_ms LIMIT 1 OFFSET $6`,
          [q.environment, bucket, from, to, service, rank - 1],
        );
        return rows[0] === undefined ? undefined : Number(rows[0]['v']);
      }
      rank -= n;
    }
    return undefined;
  };
  const count = (metric: string) => counts.get(`${metric} -1`) ?? 0;
  const lead = await median('lead');
  const recovery = await median('recovery');
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
