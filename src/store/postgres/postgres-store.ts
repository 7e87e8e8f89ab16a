import pg from 'pg';
import type { EnvironmentRecord, RolloutCommandRecord, RolloutRecord } from '../../records/deployments.ts';
import type {
  ApprovalRecord,
  Change,
  DecisionRecord,
  EventRecord,
  EvidenceRecord,
  ExternalApprovalRecord,
  ExternalEventRecord,
  ExternalVerdictRecord,
  Fence,
  IncidentRecord,
  MetricSampleRecord,
  NewRun,
  OverrideRecord,
  RunOwner,
  RunRecord,
  RunStatus,
  StageRecord,
  StepRecord,
  Store,
} from '../store.ts';
import { LeaseLostError, RunTakenOverError } from '../store.ts';
import { POSTGRES_MIGRATIONS } from './migrations.ts';
import { auditOfRow, tokenOfRow } from '../api-token-rows.ts';
import type { ApiTokenRecord, AuditRecord } from '../../records/api-tokens.ts';
import type { DeliveryRecord } from '../../notify/delivery-record.ts';
import type { DeploymentRecord, DeploymentStats } from '../../records/deployment-record.ts';
import {
  deploymentStats,
  linkIncident,
  listDeployments,
  projectRollout,
  type Queryable as RecordQueries,
} from './deployment-records.ts';

type Row = Record<string, unknown>;
type Queryable = Pick<pg.PoolClient, 'query'>;

/** Advisory lock key held while migrating, so control planes starting together migrate once. */
const MIGRATION_LOCK = 0x72756e77;

// BIGINT and BIGSERIAL arrive as strings by default; every id and count here fits a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * The shared store: one PostgreSQL database several control planes use at once. Every change is
 * one transaction; leases fence the writes of a control plane that lost its rollouts.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly #pool: pg.Pool;
  #closed = false;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Connects to `url` (postgres://…), applies pending migrations, refuses a newer schema. */
  static async open(url: string): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: 5, connectionTimeoutMillis: 10_000 });
    pool.on('error', () => undefined);
    const store = new PostgresStore(pool);
    try {
      await store.#migrate();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return store;
  }

  async #migrate(): Promise<void> {
    await this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)',
      );
      const { rows } = await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
      const current = rows[0]?.v ?? 0;
      const latest = POSTGRES_MIGRATIONS.at(-1)?.version ?? 0;
      if (current > latest) {
        throw new Error(
          `the store was written by a newer runway (schema ${current}, this one knows ${latest})`,
        );
      }
      for (const m of POSTGRES_MIGRATIONS) {
        if (m.version <= current) continue;
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          new Date().toISOString(),
        ]);
      }
    });
  }

  async #tx<T>(fn: (c: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async #rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.#pool.query<Row>(sql, params)).rows;
  }

  async #count(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.#pool.query(sql, params)).rowCount ?? 0;
  }

  async createRun(input: NewRun): Promise<RunRecord> {
    const id = await this.#tx(async (c) => {
      const { rows } = await c.query<{ id: number }>(
        `INSERT INTO runs (pipeline_name, pipeline_json, context_json, status, created_at, owner_pid, owner_host, heartbeat_at)
           VALUES ($1, $2, $3, 'running', $4, $5, $6, $4) RETURNING id`,
        [
          input.pipeline.name,
          JSON.stringify(input.pipeline),
          JSON.stringify(input.context),
          input.at,
          input.owner.pid,
          input.owner.host,
        ],
      );
      const runId = Number(rows[0]!.id);
      await insertEvent(c, runId, input.at, 'run.created', {
        pipeline: input.pipeline.name,
        sha: input.context.sha,
      });
      return runId;
    });
    return (await this.getRun(id)) as RunRecord;
  }

  async getRun(id: number): Promise<RunRecord | undefined> {
    const [row] = await this.#rows('SELECT * FROM runs WHERE id = $1', [id]);
    return row ? toRun(row) : undefined;
  }

  async listRuns(opts: { limit?: number; status?: RunStatus } = {}): Promise<RunRecord[]> {
    const rows = await this.#rows(
      'SELECT * FROM runs WHERE ($1::text IS NULL OR status = $1) ORDER BY id DESC LIMIT $2',
      [opts.status ?? null, opts.limit ?? 20],
    );
    return rows.map(toRun);
  }

  async apply(runId: number, change: Change, at: string, owner?: RunOwner): Promise<EventRecord> {
    return (await this.applyAll(runId, [change], at, owner))[0] as EventRecord;
  }

  async applyAll(
    runId: number,
    changes: readonly Change[],
    at: string,
    owner?: RunOwner,
  ): Promise<EventRecord[]> {
    return this.#tx(async (c) => {
      if (owner) {
        // the owner row stays locked until commit, so a takeover waits for this change or refuses it
        const held = await c.query('SELECT owner_pid, owner_host FROM runs WHERE id = $1 FOR UPDATE', [
          runId,
        ]);
        const row = held.rows[0] as Row | undefined;
        if (row && (Number(row['owner_pid']) !== owner.pid || row['owner_host'] !== owner.host)) {
          throw new RunTakenOverError(runId, {
            pid: Number(row['owner_pid']),
            host: String(row['owner_host']),
          });
        }
      }
      const events: EventRecord[] = [];
      for (const change of changes) events.push(await applyOne(c, runId, change, at));
      return events;
    });
  }

  async claimRun(runId: number, owner: RunOwner, at: string, staleBefore: string): Promise<boolean> {
    const n = await this.#count(
      `UPDATE runs SET owner_pid = $1, owner_host = $2, heartbeat_at = $3
         WHERE id = $4 AND (owner_pid IS NULL OR (owner_pid = $1 AND owner_host = $2) OR heartbeat_at < $5)`,
      [owner.pid, owner.host, at, runId, staleBefore],
    );
    return n === 1;
  }

  async heartbeat(runId: number, owner: RunOwner, at: string): Promise<boolean> {
    const n = await this.#count(
      'UPDATE runs SET heartbeat_at = $1 WHERE id = $2 AND owner_pid = $3 AND owner_host = $4',
      [at, runId, owner.pid, owner.host],
    );
    return n === 1;
  }

  async requestCancel(runId: number, at: string): Promise<void> {
    await this.#count(
      'UPDATE runs SET cancel_requested_at = COALESCE(cancel_requested_at, $1) WHERE id = $2',
      [at, runId],
    );
  }

  async stages(runId: number): Promise<StageRecord[]> {
    const rows = await this.#rows('SELECT * FROM stages WHERE run_id = $1 ORDER BY pos', [runId]);
    return rows.map((r) => ({
      name: String(r['name']),
      status: r['status'] as StageRecord['status'],
      ...opt('startedAt', r['started_at']),
      ...opt('finishedAt', r['finished_at']),
      ...opt('reason', r['reason']),
    }));
  }

  async steps(runId: number): Promise<StepRecord[]> {
    const rows = await this.#rows('SELECT * FROM steps WHERE run_id = $1 ORDER BY pos', [runId]);
    return rows.map((r) => ({
      key: String(r['key']),
      stage: String(r['stage']),
      id: String(r['step_id']),
      name: String(r['name']),
      index: Number(r['idx']),
      status: r['status'] as StepRecord['status'],
      attempts: Number(r['attempts']),
      flaky: r['flaky'] === true,
      failedButContinued: r['failed_but_continued'] === true,
      ...optNum('exitCode', r['exit_code']),
      ...opt('startedAt', r['started_at']),
      ...opt('finishedAt', r['finished_at']),
      ...opt('reason', r['reason']),
      ...opt('logPath', r['log_path']),
      ...optNum('logBytes', r['log_bytes']),
      ...optNum('pgid', r['pgid']),
    }));
  }

  async outputs(runId: number): Promise<Record<string, Record<string, string>>> {
    const rows = await this.#rows('SELECT * FROM outputs WHERE run_id = $1 ORDER BY pos', [runId]);
    const out: Record<string, Record<string, string>> = {};
    for (const r of rows) (out[String(r['step_key'])] ??= {})[String(r['name'])] = String(r['value']);
    return out;
  }

  async evidence(runId: number): Promise<EvidenceRecord[]> {
    const rows = await this.#rows('SELECT * FROM evidence WHERE run_id = $1 ORDER BY key COLLATE "C"', [
      runId,
    ]);
    return rows.map((r) => ({
      key: String(r['key']),
      value: JSON.parse(String(r['value_json'])) as EvidenceRecord['value'],
      stepKey: String(r['step_key']),
      recordedAt: String(r['recorded_at']),
    }));
  }

  async events(runId: number, afterSeq = 0): Promise<EventRecord[]> {
    const rows = await this.#rows('SELECT * FROM events WHERE run_id = $1 AND seq > $2 ORDER BY seq', [
      runId,
      afterSeq,
    ]);
    return rows.map((r) => ({
      seq: Number(r['seq']),
      runId,
      at: String(r['at']),
      type: String(r['type']),
      data: JSON.parse(String(r['data_json'])) as Record<string, unknown>,
    }));
  }

  async recordDecision(d: Omit<DecisionRecord, 'id'>): Promise<number> {
    const [row] = await this.#rows(
      `INSERT INTO decisions (run_id, step_key, gate, service, environment, outcome, strategy, decision_json,
         input_json, input_digest, evaluated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [
        d.runId ?? null,
        d.stepKey ?? null,
        d.gate,
        d.service ?? null,
        d.environment ?? null,
        d.outcome,
        d.strategy ?? null,
        JSON.stringify(d.decision),
        JSON.stringify(d.input),
        d.inputDigest,
        d.evaluatedAt,
      ],
    );
    return Number(row!['id']);
  }

  async decisions(
    filter: { service?: string; environment?: string; runId?: number; limit?: number } = {},
  ): Promise<DecisionRecord[]> {
    const rows = await this.#rows(
      `SELECT * FROM decisions WHERE ($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR environment = $2)
       AND ($3::bigint IS NULL OR run_id = $3) ORDER BY id DESC LIMIT $4`,
      [filter.service ?? null, filter.environment ?? null, filter.runId ?? null, filter.limit ?? 50],
    );
    return rows.map((r) => ({
      id: Number(r['id']),
      ...optNum('runId', r['run_id']),
      ...opt('stepKey', r['step_key']),
      gate: String(r['gate']),
      ...opt('service', r['service']),
      ...opt('environment', r['environment']),
      outcome: String(r['outcome']),
      ...opt('strategy', r['strategy']),
      decision: JSON.parse(String(r['decision_json'])) as Record<string, unknown>,
      input: JSON.parse(String(r['input_json'])) as unknown,
      inputDigest: String(r['input_digest']),
      evaluatedAt: String(r['evaluated_at']),
    }));
  }

  async openIncident(i: IncidentRecord): Promise<boolean> {
    return this.#tx(async (c) => {
      const res = await c.query(
        `INSERT INTO incidents (id, service, severity, title, source, fingerprint, opened_at, resolved_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL) ON CONFLICT (id) DO NOTHING`,
        [i.id, i.service, i.severity, i.title, i.source, i.fingerprint ?? null, i.openedAt],
      );
      if (res.rowCount === 1) await linkIncident(c as unknown as RecordQueries, i);
      return res.rowCount === 1;
    });
  }

  async resolveIncident(ref: { id?: string; fingerprint?: string }, at: string): Promise<string[]> {
    const rows = await this.#rows(
      `UPDATE incidents SET resolved_at = $3 WHERE resolved_at IS NULL
         AND (id = $1 OR ($1::text IS NULL AND fingerprint = $2)) RETURNING id`,
      [ref.id ?? null, ref.fingerprint ?? null, at],
    );
    return rows.map((r) => String(r['id'])).sort();
  }

  async incidents(
    filter: { service?: string; open?: boolean; limit?: number } = {},
  ): Promise<IncidentRecord[]> {
    const rows = await this.#rows(
      `SELECT * FROM incidents WHERE ($1::text IS NULL OR service = $1) AND (NOT $2 OR resolved_at IS NULL)
       ORDER BY opened_at DESC, id COLLATE "C" LIMIT $3`,
      [filter.service ?? null, filter.open === true, filter.limit ?? 100],
    );
    return rows.map((r) => ({
      id: String(r['id']),
      service: String(r['service']),
      severity: String(r['severity']),
      title: String(r['title']),
      source: String(r['source']),
      ...opt('fingerprint', r['fingerprint']),
      openedAt: String(r['opened_at']),
      ...opt('resolvedAt', r['resolved_at']),
    }));
  }

  async recordApproval(a: ApprovalRecord): Promise<boolean> {
    const n = await this.#count(
      `INSERT INTO approvals (run_id, step_key, approver, verdict, comment, at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (run_id, step_key, approver) DO NOTHING`,
      [a.runId, a.stepKey, a.approver, a.verdict, a.comment ?? null, a.at],
    );
    return n === 1;
  }

  async approvals(runId: number, stepKey?: string): Promise<ApprovalRecord[]> {
    const rows = await this.#rows(
      `SELECT * FROM approvals WHERE run_id = $1 AND ($2::text IS NULL OR step_key = $2)
       ORDER BY at, approver COLLATE "C"`,
      [runId, stepKey ?? null],
    );
    return rows.map((r) => ({
      runId,
      stepKey: String(r['step_key']),
      approver: String(r['approver']),
      verdict: r['verdict'] as ApprovalRecord['verdict'],
      ...opt('comment', r['comment']),
      at: String(r['at']),
    }));
  }

  async grantOverride(o: Omit<OverrideRecord, 'id' | 'revokedAt'>): Promise<number> {
    const [row] = await this.#rows(
      `INSERT INTO overrides (service, environment, rules_json, reason, granted_by, granted_at, expires_at, valid_from)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        o.service,
        o.environment,
        JSON.stringify(o.rules),
        o.reason,
        o.grantedBy,
        o.grantedAt,
        o.expiresAt,
        o.validFrom ?? null,
      ],
    );
    return Number(row!['id']);
  }

  async revokeOverride(id: number, at: string): Promise<boolean> {
    const n = await this.#count('UPDATE overrides SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [
      at,
      id,
    ]);
    return n === 1;
  }

  async overrides(
    filter: { service?: string; environment?: string; activeAt?: string } = {},
  ): Promise<OverrideRecord[]> {
    const rows = await this.#rows(
      `SELECT * FROM overrides WHERE ($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR environment = $2)
       AND ($3::text IS NULL OR (revoked_at IS NULL AND COALESCE(valid_from, granted_at) <= $3 AND expires_at > $3))
       ORDER BY id DESC`,
      [filter.service ?? null, filter.environment ?? null, filter.activeAt ?? null],
    );
    return rows.map((r) => ({
      id: Number(r['id']),
      service: String(r['service']),
      environment: String(r['environment']),
      rules: JSON.parse(String(r['rules_json'])) as string[],
      reason: String(r['reason']),
      grantedBy: String(r['granted_by']),
      grantedAt: String(r['granted_at']),
      expiresAt: String(r['expires_at']),
      ...opt('validFrom', r['valid_from']),
      ...opt('revokedAt', r['revoked_at']),
    }));
  }

  async getEnvironment(service: string, environment: string): Promise<EnvironmentRecord | undefined> {
    const [row] = await this.#rows(
      'SELECT record_json FROM environments WHERE service = $1 AND environment = $2',
      [service, environment],
    );
    return row ? (JSON.parse(String(row['record_json'])) as EnvironmentRecord) : undefined;
  }

  async environments(): Promise<EnvironmentRecord[]> {
    const rows = await this.#rows(
      'SELECT record_json FROM environments ORDER BY service COLLATE "C", environment COLLATE "C"',
    );
    return rows.map((r) => JSON.parse(String(r['record_json'])) as EnvironmentRecord);
  }

  async saveDeployment(change: {
    environment?: EnvironmentRecord;
    rollout?: RolloutRecord;
    consumed?: { id: number; error?: string }[];
    at: string;
    fence?: Fence;
  }): Promise<void> {
    await this.#tx(async (c) => {
      const fence = change.fence;
      if (fence) {
        // the row lock holds off a takeover until this transaction ends
        const held = await c.query('SELECT 1 FROM leases WHERE name = $1 AND token = $2 FOR SHARE', [
          fence.lease,
          fence.token,
        ]);
        if (held.rowCount !== 1) throw new LeaseLostError(fence.lease, fence.token);
      }
      const env = change.environment;
      if (env) {
        await c.query(
          `INSERT INTO environments (service, environment, record_json, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (service, environment) DO UPDATE SET record_json = excluded.record_json, updated_at = excluded.updated_at`,
          [env.service, env.environment, JSON.stringify(env), change.at],
        );
      }
      const r = change.rollout;
      if (r) {
        await c.query(
          `INSERT INTO rollouts (id, service, environment, phase, idempotency_key, record_json, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, record_json = excluded.record_json, updated_at = excluded.updated_at`,
          [
            r.id,
            r.service,
            r.environment,
            r.state.phase,
            r.key ?? null,
            JSON.stringify(r),
            r.createdAt,
            change.at,
          ],
        );
        await projectRollout(c as unknown as RecordQueries, r);
      }
      for (const cmd of change.consumed ?? []) {
        await c.query(
          'UPDATE rollout_commands SET consumed_at = $1, error = $2 WHERE id = $3 AND consumed_at IS NULL',
          [change.at, cmd.error ?? null, cmd.id],
        );
      }
    });
  }

  async acquireLease(
    name: string,
    holder: string,
    at: string,
    staleBefore: string,
  ): Promise<number | undefined> {
    const [row] = await this.#rows(
      `INSERT INTO leases AS l (name, holder, token, renewed_at) VALUES ($1, $2, 1, $3)
       ON CONFLICT (name) DO UPDATE SET
         token = CASE WHEN l.holder = excluded.holder THEN l.token ELSE l.token + 1 END,
         holder = excluded.holder, renewed_at = excluded.renewed_at
       WHERE l.holder = excluded.holder OR l.renewed_at < $4
       RETURNING token`,
      [name, holder, at, staleBefore],
    );
    return row ? Number(row['token']) : undefined;
  }

  async renewLease(name: string, holder: string, token: number, at: string): Promise<boolean> {
    const n = await this.#count(
      'UPDATE leases SET renewed_at = $1 WHERE name = $2 AND holder = $3 AND token = $4',
      [at, name, holder, token],
    );
    return n === 1;
  }

  async releaseLease(name: string, holder: string, token: number): Promise<void> {
    await this.#count("UPDATE leases SET renewed_at = '' WHERE name = $1 AND holder = $2 AND token = $3", [
      name,
      holder,
      token,
    ]);
  }

  async getRollout(id: string): Promise<RolloutRecord | undefined> {
    const [row] = await this.#rows('SELECT record_json FROM rollouts WHERE id = $1', [id]);
    return row ? (JSON.parse(String(row['record_json'])) as RolloutRecord) : undefined;
  }

  async rolloutByKey(key: string): Promise<RolloutRecord | undefined> {
    const [row] = await this.#rows('SELECT record_json FROM rollouts WHERE idempotency_key = $1', [key]);
    return row ? (JSON.parse(String(row['record_json'])) as RolloutRecord) : undefined;
  }

  async rollouts(
    filter: { service?: string; environment?: string; active?: boolean; limit?: number } = {},
  ): Promise<RolloutRecord[]> {
    const rows = await this.#rows(
      `SELECT record_json FROM rollouts WHERE ($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR environment = $2)
         AND (NOT $3 OR phase NOT IN ('completed', 'aborted', 'rolled-back'))
       ORDER BY created_at DESC, pos DESC LIMIT $4`,
      [filter.service ?? null, filter.environment ?? null, filter.active === true, filter.limit ?? 100],
    );
    return rows.map((r) => JSON.parse(String(r['record_json'])) as RolloutRecord);
  }

  async addRolloutCommand(c: {
    rolloutId: string;
    command: string;
    by: string;
    at: string;
  }): Promise<number> {
    const [row] = await this.#rows(
      'INSERT INTO rollout_commands (rollout_id, command, requested_by, requested_at) VALUES ($1, $2, $3, $4) RETURNING id',
      [c.rolloutId, c.command, c.by, c.at],
    );
    return Number(row!['id']);
  }

  async pendingRolloutCommands(rolloutId: string): Promise<RolloutCommandRecord[]> {
    const rows = await this.#rows(
      'SELECT * FROM rollout_commands WHERE rollout_id = $1 AND consumed_at IS NULL ORDER BY id',
      [rolloutId],
    );
    return rows.map(commandRecord);
  }

  async getRolloutCommand(id: number): Promise<RolloutCommandRecord | undefined> {
    const [row] = await this.#rows('SELECT * FROM rollout_commands WHERE id = $1', [id]);
    return row ? commandRecord(row) : undefined;
  }

  async saveAnalysisRun(runId: string, rolloutId: string, state: unknown, finished: boolean): Promise<void> {
    await this.#count(
      `INSERT INTO analysis_runs (run_id, rollout_id, state_json, finished, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (run_id) DO UPDATE SET state_json = excluded.state_json, finished = excluded.finished,
         updated_at = excluded.updated_at`,
      [runId, rolloutId, JSON.stringify(state), finished, new Date().toISOString()],
    );
  }

  async loadAnalysisRun(runId: string): Promise<unknown> {
    const [row] = await this.#rows('SELECT state_json FROM analysis_runs WHERE run_id = $1', [runId]);
    return row ? (JSON.parse(String(row['state_json'])) as unknown) : undefined;
  }

  async activeAnalysisRuns(
    rolloutId?: string,
  ): Promise<{ runId: string; rolloutId: string; state: unknown }[]> {
    const rows = await this.#rows(
      `SELECT * FROM analysis_runs WHERE NOT finished AND ($1::text IS NULL OR rollout_id = $1)
       ORDER BY run_id COLLATE "C"`,
      [rolloutId ?? null],
    );
    return rows.map((r) => ({
      runId: String(r['run_id']),
      rolloutId: String(r['rollout_id']),
      state: JSON.parse(String(r['state_json'])) as unknown,
    }));
  }

  async recordMetricSamples(samples: readonly MetricSampleRecord[]): Promise<void> {
    if (samples.length === 0) return;
    const rows = samples.map((s) => [
      s.service,
      s.environment,
      epochMs(s.at),
      s.total,
      s.errors,
      s.reset === true,
    ]);
    await this.#tx(async (c) => {
      for (const row of rows) {
        await c.query(
          `INSERT INTO metric_samples (service, environment, at_ms, total, errors, reset) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (service, environment, at_ms) DO NOTHING`,
          row,
        );
      }
    });
  }

  async metricSamples(filter: {
    service: string;
    environment: string;
    from?: string;
    to?: string;
  }): Promise<MetricSampleRecord[]> {
    const rows = await this.#rows(
      `SELECT * FROM metric_samples WHERE service = $1 AND environment = $2
         AND ($3::bigint IS NULL OR at_ms >= $3) AND ($4::bigint IS NULL OR at_ms <= $4) ORDER BY at_ms`,
      [
        filter.service,
        filter.environment,
        filter.from === undefined ? null : epochMs(filter.from),
        filter.to === undefined ? null : epochMs(filter.to),
      ],
    );
    return rows.map((r) => ({
      service: String(r['service']),
      environment: String(r['environment']),
      at: new Date(Number(r['at_ms'])).toISOString(),
      total: Number(r['total']),
      errors: Number(r['errors']),
      ...(r['reset'] === true ? { reset: true } : {}),
    }));
  }

  async deleteMetricSamples(
    series: { service: string; environment: string },
    at: readonly string[],
  ): Promise<number> {
    if (at.length === 0) return 0;
    return this.#count(
      'DELETE FROM metric_samples WHERE service = $1 AND environment = $2 AND at_ms = ANY($3::bigint[])',
      [series.service, series.environment, at.map(epochMs)],
    );
  }

  async pruneMetricSamples(before: string): Promise<number> {
    return this.#count('DELETE FROM metric_samples WHERE at_ms < $1', [epochMs(before)]);
  }

  async deployments(
    filter: { service?: string; environment?: string; limit?: number } = {},
  ): Promise<DeploymentRecord[]> {
    return listDeployments(this.#pool as unknown as RecordQueries, filter);
  }

  async deploymentStats(q: {
    environment: string;
    service?: string;
    from: string;
    to: string;
  }): Promise<DeploymentStats> {
    return deploymentStats(this.#pool as unknown as RecordQueries, q);
  }

  async recordDelivery(delivery: DeliveryRecord): Promise<void> {
    await this.#count(
      `INSERT INTO notification_deliveries (id, run_id, created_at, record_json) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET record_json = excluded.record_json`,
      [delivery.id, delivery.runId ?? null, delivery.createdAt, JSON.stringify(delivery)],
    );
  }

  async deliveries(filter: { runId?: number; limit?: number } = {}): Promise<DeliveryRecord[]> {
    const rows = await this.#rows(
      `SELECT record_json FROM notification_deliveries WHERE ($1::bigint IS NULL OR run_id = $1)
         ORDER BY created_at DESC, seq DESC LIMIT $2`,
      [filter.runId ?? null, filter.limit ?? 100],
    );
    return rows.map((r) => JSON.parse(String(r['record_json'])) as DeliveryRecord);
  }

  async requestExternalApproval(r: Omit<ExternalApprovalRecord, 'verdicts'>): Promise<boolean> {
    const n = await this.#count(
      `INSERT INTO external_approvals (gate, revision, service, required, roles_json, requested_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (gate, revision) DO NOTHING`,
      [r.gate, r.revision, r.service, r.required, JSON.stringify(r.roles), r.requestedAt],
    );
    return n === 1;
  }

  async externalApproval(gate: string): Promise<ExternalApprovalRecord | undefined> {
    const [row] = await this.#rows(
      'SELECT * FROM external_approvals WHERE gate = $1 ORDER BY requested_at DESC, seq DESC LIMIT 1',
      [gate],
    );
    if (!row) return undefined;
    const revision = String(row['revision']);
    const verdicts = await this.#rows(
      'SELECT * FROM external_verdicts WHERE gate = $1 AND revision = $2 ORDER BY at, approver',
      [gate, revision],
    );
    return {
      gate,
      revision,
      service: String(row['service']),
      required: Number(row['required']),
      roles: JSON.parse(String(row['roles_json'])) as string[],
      requestedAt: String(row['requested_at']),
      verdicts: verdicts.map((v) => ({
        approver: String(v['approver']),
        verdict: v['verdict'] as ExternalVerdictRecord['verdict'],
        ...opt('comment', v['comment']),
        at: String(v['at']),
      })),
    };
  }

  async recordExternalVerdict(
    v: ExternalVerdictRecord & { gate: string; revision: string },
  ): Promise<boolean> {
    const n = await this.#count(
      `INSERT INTO external_verdicts (gate, revision, approver, verdict, comment, at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (gate, revision, approver) DO NOTHING`,
      [v.gate, v.revision, v.approver, v.verdict, v.comment ?? null, v.at],
    );
    return n === 1;
  }

  async recordExternalEvent(e: ExternalEventRecord): Promise<void> {
    await this.#count(
      `INSERT INTO external_events (source, namespace, name, service, phase, revision, type, message, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        e.source,
        e.namespace,
        e.name,
        e.service,
        e.phase,
        e.revision,
        e.type ?? null,
        e.message ?? null,
        e.at,
      ],
    );
  }

  async externalEvents(filter: { service?: string; limit?: number } = {}): Promise<ExternalEventRecord[]> {
    const rows = await this.#rows(
      'SELECT * FROM external_events WHERE ($1::text IS NULL OR service = $1) ORDER BY id DESC LIMIT $2',
      [filter.service ?? null, filter.limit ?? 100],
    );
    return rows.map((r) => ({
      source: String(r['source']),
      namespace: String(r['namespace']),
      name: String(r['name']),
      service: String(r['service']),
      phase: String(r['phase']),
      revision: String(r['revision']),
      ...opt('type', r['type']),
      ...opt('message', r['message']),
      at: String(r['at']),
    }));
  }

  async claimWebhookDelivery(delivery: string, event: string, at: string): Promise<boolean> {
    const n = await this.#count(
      'INSERT INTO webhook_deliveries (delivery, event, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [delivery, event, at],
    );
    return n === 1;
  }

  async createApiToken(t: ApiTokenRecord): Promise<boolean> {
    const n = await this.#count(
      `INSERT INTO api_tokens (id, name, role, services_json, environments_json, hash, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [t.id, t.name, t.role, JSON.stringify(t.services), JSON.stringify(t.environments), t.hash, t.createdAt],
    );
    return n === 1;
  }

  async apiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
    const [row] = await this.#rows('SELECT * FROM api_tokens WHERE hash = $1', [hash]);
    return row ? tokenOfRow(row) : undefined;
  }

  async apiTokens(): Promise<ApiTokenRecord[]> {
    return (await this.#rows('SELECT * FROM api_tokens ORDER BY created_at, id')).map(tokenOfRow);
  }

  async revokeApiToken(idOrName: string, at: string): Promise<boolean> {
    const n = await this.#count(
      'UPDATE api_tokens SET revoked_at = $1 WHERE (id = $2 OR name = $2) AND revoked_at IS NULL',
      [at, idOrName],
    );
    return n > 0;
  }

  async recordAudit(e: Omit<AuditRecord, 'id'>): Promise<number> {
    const [row] = await this.#rows(
      `INSERT INTO audit_log (at, token_id, token_name, role, method, path, status, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [e.at, e.tokenId, e.tokenName, e.role, e.method, e.path, e.status, e.error ?? null],
    );
    return Number(row!['id']);
  }

  async auditLog(filter: { limit?: number; token?: string } = {}): Promise<AuditRecord[]> {
    const rows = await this.#rows(
      `SELECT * FROM audit_log WHERE ($1::text IS NULL OR token_id = $1 OR token_name = $1)
         ORDER BY id DESC LIMIT $2`,
      [filter.token ?? null, filter.limit ?? 100],
    );
    return rows.map(auditOfRow);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}

/** One change of a group commit, inside its transaction; returns its event. */
async function applyOne(c: Queryable, runId: number, change: Change, at: string): Promise<EventRecord> {
  if (change.run) {
    const r = change.run;
    const res = await c.query(
      `UPDATE runs SET status = COALESCE($1, status), finished_at = COALESCE($2, finished_at),
             reason = COALESCE($3, reason) WHERE id = $4`,
      [r.status ?? null, r.finishedAt ?? null, r.reason ?? null, runId],
    );
    if (res.rowCount === 0) throw new Error(`run ${runId} does not exist`);
  }
  if (change.stage) {
    const s = change.stage;
    await c.query(
      `INSERT INTO stages (run_id, name, status, started_at, finished_at, reason) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (run_id, name) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
             finished_at = excluded.finished_at, reason = excluded.reason`,
      [runId, s.name, s.status, s.startedAt ?? null, s.finishedAt ?? null, s.reason ?? null],
    );
  }
  if (change.step) await upsertStep(c, runId, change.step);
  for (const step of change.steps ?? []) await upsertStep(c, runId, step);
  if (change.outputs) {
    for (const [name, value] of Object.entries(change.outputs.values)) {
      await c.query(
        `INSERT INTO outputs (run_id, step_key, name, value) VALUES ($1, $2, $3, $4)
             ON CONFLICT (run_id, step_key, name) DO UPDATE SET value = excluded.value`,
        [runId, change.outputs.stepKey, name, value],
      );
    }
  }
  for (const e of change.evidence ?? []) {
    await c.query(
      `INSERT INTO evidence (run_id, key, value_json, step_key, recorded_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (run_id, key) DO UPDATE SET value_json = excluded.value_json, step_key = excluded.step_key,
           recorded_at = excluded.recorded_at`,
      [runId, e.key, JSON.stringify(e.value), e.stepKey, e.recordedAt],
    );
  }
  return insertEvent(c, runId, at, change.event.type, change.event.data);
}

async function insertEvent(
  c: Queryable,
  runId: number,
  at: string,
  type: string,
  data: Record<string, unknown>,
): Promise<EventRecord> {
  const { rows } = await c.query<{ seq: number }>(
    'INSERT INTO events (run_id, at, type, data_json) VALUES ($1, $2, $3, $4) RETURNING seq',
    [runId, at, type, JSON.stringify(data)],
  );
  return { seq: Number(rows[0]!.seq), runId, at, type, data };
}

async function upsertStep(c: Queryable, runId: number, s: StepRecord): Promise<void> {
  await c.query(
    `INSERT INTO steps (run_id, key, stage, step_id, name, idx, status, attempts, flaky, failed_but_continued,
         exit_code, started_at, finished_at, reason, log_path, log_bytes, pgid)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       ON CONFLICT (run_id, key) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
         flaky = excluded.flaky, failed_but_continued = excluded.failed_but_continued, exit_code = excluded.exit_code,
         started_at = excluded.started_at, finished_at = excluded.finished_at, reason = excluded.reason,
         log_path = excluded.log_path, log_bytes = excluded.log_bytes, pgid = excluded.pgid`,
    [
      runId,
      s.key,
      s.stage,
      s.id,
      s.name,
      s.index,
      s.status,
      s.attempts,
      s.flaky,
      s.failedButContinued === true,
      s.exitCode ?? null,
      s.startedAt ?? null,
      s.finishedAt ?? null,
      s.reason ?? null,
      s.logPath ?? null,
      s.logBytes ?? null,
      s.pgid ?? null,
    ],
  );
}

/** Milliseconds since the epoch of an ISO 8601 time; throws on anything else. */
function epochMs(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`invalid time ${JSON.stringify(iso)}, expected ISO 8601`);
  return ms;
}

function toRun(r: Row): RunRecord {
  return {
    id: Number(r['id']),
    pipeline: JSON.parse(String(r['pipeline_json'])) as RunRecord['pipeline'],
    context: JSON.parse(String(r['context_json'])) as RunRecord['context'],
    status: r['status'] as RunStatus,
    createdAt: String(r['created_at']),
    ...opt('finishedAt', r['finished_at']),
    ...opt('reason', r['reason']),
    ...(r['owner_pid'] != null
      ? { owner: { pid: Number(r['owner_pid']), host: String(r['owner_host']) } }
      : {}),
    ...opt('heartbeatAt', r['heartbeat_at']),
    ...opt('cancelRequestedAt', r['cancel_requested_at']),
  };
}

function opt<K extends string>(key: K, v: unknown): Partial<Record<K, string>> {
  return v == null ? {} : ({ [key]: String(v) } as Record<K, string>);
}

function optNum<K extends string>(key: K, v: unknown): Partial<Record<K, number>> {
  return v == null ? {} : ({ [key]: Number(v) } as Record<K, number>);
}

function commandRecord(r: Row): RolloutCommandRecord {
  return {
    id: Number(r['id']),
    rolloutId: String(r['rollout_id']),
    command: String(r['command']),
    by: String(r['requested_by']),
    at: String(r['requested_at']),
    ...opt('consumedAt', r['consumed_at']),
    ...opt('error', r['error']),
  };
}
