import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { EnvironmentRecord, RolloutCommandRecord, RolloutRecord } from '../../records/deployments.ts';
import type { DeliveryRecord } from '../../notify/delivery-record.ts';
import type {
  ApprovalRecord,
  OverrideRecord,
  Change,
  DecisionRecord,
  IncidentRecord,
  EventRecord,
  MetricSampleRecord,
  EvidenceRecord,
  Fence,
  ExternalApprovalRecord,
  ExternalEventRecord,
  ExternalVerdictRecord,
  NewRun,
  RunOwner,
  RunRecord,
  RunStatus,
  StageRecord,
  StepRecord,
  Store,
} from '../store.ts';
import { LeaseLostError, RunTakenOverError } from '../store.ts';
import type { DeploymentRecord, DeploymentStats } from '../../records/deployment-record.ts';
import { deploymentStats, linkIncident, listDeployments, projectRollout } from './deployment-records.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { auditOfRow, tokenOfRow } from '../api-token-rows.ts';
import type { ApiTokenRecord, AuditRecord } from '../../records/api-tokens.ts';

type Row = Record<string, SQLInputValue>;

/**
 * The embedded store: one SQLite file in WAL mode. `synchronous=NORMAL` makes every committed
 * change survive a killed process (kill -9); only a power cut can lose the last transactions.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(path: string) {
    if (path !== ':memory:') {
      // the store holds outputs, evidence and approvals: only its owner may read it (SQLite gives
      // the -wal and -shm files the database file's mode)
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      closeSync(openSync(path, 'a', 0o600));
      chmodSync(path, 0o600);
    }
    this.#db = new DatabaseSync(path, { timeout: 10_000 });
    this.#db.exec(
      'PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;',
    );
    this.#migrate();
  }

  #migrate(): void {
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)',
    );
    const row = this.#db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
      v: number | null;
    };
    const current = row.v ?? 0;
    const latest = SQLITE_MIGRATIONS.at(-1)?.version ?? 0;
    if (current > latest) {
      throw new Error(
        `the store was written by a newer runway (schema ${current}, this one knows ${latest})`,
      );
    }
    for (const m of SQLITE_MIGRATIONS) {
      if (m.version <= current) continue;
      this.#tx(() => {
        this.#db.exec(m.sql);
        this.#db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(m.version, m.name, new Date().toISOString());
      });
    }
  }

  /** A prepared statement, compiled once per store. */
  #sql(sql: string): StatementSync {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  #tx<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.#db.exec('COMMIT');
      return out;
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  async createRun(input: NewRun): Promise<RunRecord> {
    const id = this.#tx(() => {
      const res = this.#sql(
        `INSERT INTO runs (pipeline_name, pipeline_json, context_json, status, created_at, owner_pid, owner_host, heartbeat_at)
           VALUES (?, ?, ?, 'running', ?, ?, ?, ?)`,
      ).run(
        input.pipeline.name,
        JSON.stringify(input.pipeline),
        JSON.stringify(input.context),
        input.at,
        input.owner.pid,
        input.owner.host,
        input.at,
      );
      const runId = Number(res.lastInsertRowid);
      this.#insertEvent(runId, input.at, 'run.created', {
        pipeline: input.pipeline.name,
        sha: input.context.sha,
      });
      return runId;
    });
    return (await this.getRun(id)) as RunRecord;
  }

  async getRun(id: number): Promise<RunRecord | undefined> {
    const row = this.#sql('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row ? toRun(row) : undefined;
  }

  async listRuns(opts: { limit?: number; status?: RunStatus } = {}): Promise<RunRecord[]> {
    const limit = opts.limit ?? 20;
    const rows = opts.status
      ? this.#sql('SELECT * FROM runs WHERE status = ? ORDER BY id DESC LIMIT ?').all(opts.status, limit)
      : this.#sql('SELECT * FROM runs ORDER BY id DESC LIMIT ?').all(limit);
    return (rows as Row[]).map(toRun);
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
    return this.#tx(() => {
      if (owner) {
        const held = this.#sql('SELECT owner_pid, owner_host FROM runs WHERE id = ?').get(runId) as
          Row | undefined;
        if (held && (held['owner_pid'] !== owner.pid || held['owner_host'] !== owner.host)) {
          throw new RunTakenOverError(runId, {
            pid: Number(held['owner_pid']),
            host: String(held['owner_host']),
          });
        }
      }
      return changes.map((change) => this.#applyOne(runId, change, at));
    });
  }

  #applyOne(runId: number, change: Change, at: string): EventRecord {
    if (change.run) {
      const r = change.run;
      const res = this.#sql(
        `UPDATE runs SET status = COALESCE(?, status), finished_at = COALESCE(?, finished_at),
           reason = COALESCE(?, reason) WHERE id = ?`,
      ).run(r.status ?? null, r.finishedAt ?? null, r.reason ?? null, runId);
      if (res.changes === 0) throw new Error(`run ${runId} does not exist`);
    }
    if (change.stage) {
      const s = change.stage;
      this.#sql(
        `INSERT INTO stages (run_id, name, status, started_at, finished_at, reason) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (run_id, name) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
           finished_at = excluded.finished_at, reason = excluded.reason`,
      ).run(runId, s.name, s.status, s.startedAt ?? null, s.finishedAt ?? null, s.reason ?? null);
    }
    if (change.step) this.#upsertStep(runId, change.step);
    for (const step of change.steps ?? []) this.#upsertStep(runId, step);
    if (change.outputs) {
      const stmt = this.#sql(
        `INSERT INTO outputs (run_id, step_key, name, value) VALUES (?, ?, ?, ?)
         ON CONFLICT (run_id, step_key, name) DO UPDATE SET value = excluded.value`,
      );
      for (const [name, value] of Object.entries(change.outputs.values)) {
        stmt.run(runId, change.outputs.stepKey, name, value);
      }
    }
    if (change.evidence) {
      const stmt = this.#sql(
        `INSERT INTO evidence (run_id, key, value_json, step_key, recorded_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (run_id, key) DO UPDATE SET value_json = excluded.value_json, step_key = excluded.step_key,
         recorded_at = excluded.recorded_at`,
      );
      for (const e of change.evidence)
        stmt.run(runId, e.key, JSON.stringify(e.value), e.stepKey, e.recordedAt);
    }
    return this.#insertEvent(runId, at, change.event.type, change.event.data);
  }

  #upsertStep(runId: number, s: StepRecord): void {
    this.#sql(
      `INSERT INTO steps (run_id, key, stage, step_id, name, idx, status, attempts, flaky, failed_but_continued,
           exit_code, started_at, finished_at, reason, log_path, log_bytes, pgid)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, key) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
           flaky = excluded.flaky, failed_but_continued = excluded.failed_but_continued, exit_code = excluded.exit_code,
           started_at = excluded.started_at, finished_at = excluded.finished_at, reason = excluded.reason,
           log_path = excluded.log_path, log_bytes = excluded.log_bytes, pgid = excluded.pgid`,
    ).run(
      runId,
      s.key,
      s.stage,
      s.id,
      s.name,
      s.index,
      s.status,
      s.attempts,
      s.flaky ? 1 : 0,
      s.failedButContinued ? 1 : 0,
      s.exitCode ?? null,
      s.startedAt ?? null,
      s.finishedAt ?? null,
      s.reason ?? null,
      s.logPath ?? null,
      s.logBytes ?? null,
      s.pgid ?? null,
    );
  }

  #insertEvent(runId: number, at: string, type: string, data: Record<string, unknown>): EventRecord {
    const res = this.#sql('INSERT INTO events (run_id, at, type, data_json) VALUES (?, ?, ?, ?)').run(
      runId,
      at,
      type,
      JSON.stringify(data),
    );
    return { seq: Number(res.lastInsertRowid), runId, at, type, data };
  }

  async claimRun(runId: number, owner: RunOwner, at: string, staleBefore: string): Promise<boolean> {
    const res = this.#sql(
      `UPDATE runs SET owner_pid = ?, owner_host = ?, heartbeat_at = ?
         WHERE id = ? AND (owner_pid IS NULL OR (owner_pid = ? AND owner_host = ?) OR heartbeat_at < ?)`,
    ).run(owner.pid, owner.host, at, runId, owner.pid, owner.host, staleBefore);
    return res.changes === 1;
  }

  async heartbeat(runId: number, owner: RunOwner, at: string): Promise<boolean> {
    const res = this.#sql(
      'UPDATE runs SET heartbeat_at = ? WHERE id = ? AND owner_pid = ? AND owner_host = ?',
    ).run(at, runId, owner.pid, owner.host);
    return res.changes === 1;
  }

  async requestCancel(runId: number, at: string): Promise<void> {
    this.#sql('UPDATE runs SET cancel_requested_at = COALESCE(cancel_requested_at, ?) WHERE id = ?').run(
      at,
      runId,
    );
  }

  async stages(runId: number): Promise<StageRecord[]> {
    const rows = this.#sql('SELECT * FROM stages WHERE run_id = ? ORDER BY rowid').all(runId) as Row[];
    return rows.map((r) => ({
      name: String(r['name']),
      status: r['status'] as StageRecord['status'],
      ...opt('startedAt', r['started_at']),
      ...opt('finishedAt', r['finished_at']),
      ...opt('reason', r['reason']),
    }));
  }

  async steps(runId: number): Promise<StepRecord[]> {
    const rows = this.#sql('SELECT * FROM steps WHERE run_id = ? ORDER BY rowid').all(runId) as Row[];
    return rows.map((r) => ({
      key: String(r['key']),
      stage: String(r['stage']),
      id: String(r['step_id']),
      name: String(r['name']),
      index: Number(r['idx']),
      status: r['status'] as StepRecord['status'],
      attempts: Number(r['attempts']),
      flaky: r['flaky'] === 1,
      failedButContinued: r['failed_but_continued'] === 1,
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
    const rows = this.#sql('SELECT * FROM outputs WHERE run_id = ? ORDER BY rowid').all(runId) as Row[];
    const out: Record<string, Record<string, string>> = {};
    for (const r of rows) (out[String(r['step_key'])] ??= {})[String(r['name'])] = String(r['value']);
    return out;
  }

  async evidence(runId: number): Promise<EvidenceRecord[]> {
    const rows = this.#sql('SELECT * FROM evidence WHERE run_id = ? ORDER BY key').all(runId) as Row[];
    return rows.map((r) => ({
      key: String(r['key']),
      value: JSON.parse(String(r['value_json'])) as EvidenceRecord['value'],
      stepKey: String(r['step_key']),
      recordedAt: String(r['recorded_at']),
    }));
  }

  async events(runId: number, afterSeq = 0): Promise<EventRecord[]> {
    const rows = this.#sql('SELECT * FROM events WHERE run_id = ? AND seq > ? ORDER BY seq').all(
      runId,
      afterSeq,
    ) as Row[];
    return rows.map((r) => ({
      seq: Number(r['seq']),
      runId,
      at: String(r['at']),
      type: String(r['type']),
      data: JSON.parse(String(r['data_json'])) as Record<string, unknown>,
    }));
  }

  async recordDecision(d: Omit<DecisionRecord, 'id'>): Promise<number> {
    const res = this.#sql(
      `INSERT INTO decisions (run_id, step_key, gate, service, environment, outcome, strategy, decision_json,
         input_json, input_digest, evaluated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
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
    );
    return Number(res.lastInsertRowid);
  }

  async decisions(
    filter: { service?: string; environment?: string; runId?: number; limit?: number } = {},
  ): Promise<DecisionRecord[]> {
    const rows = this.#sql(
      `SELECT * FROM decisions WHERE (?1 IS NULL OR service = ?1) AND (?2 IS NULL OR environment = ?2)
       AND (?3 IS NULL OR run_id = ?3) ORDER BY id DESC LIMIT ?4`,
    ).all(
      filter.service ?? null,
      filter.environment ?? null,
      filter.runId ?? null,
      filter.limit ?? 50,
    ) as Row[];
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
    const res = this.#sql(
      `INSERT INTO incidents (id, service, severity, title, source, fingerprint, opened_at, resolved_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO NOTHING`,
    ).run(i.id, i.service, i.severity, i.title, i.source, i.fingerprint ?? null, i.openedAt);
    if (res.changes === 1) linkIncident(this.#sql.bind(this), i);
    return res.changes === 1;
  }

  async resolveIncident(ref: { id?: string; fingerprint?: string }, at: string): Promise<string[]> {
    return this.#tx(() => {
      const rows = this.#sql(
        `SELECT id FROM incidents WHERE resolved_at IS NULL AND (id = ?1 OR (?1 IS NULL AND fingerprint = ?2))`,
      ).all(ref.id ?? null, ref.fingerprint ?? null) as Row[];
      const stmt = this.#sql('UPDATE incidents SET resolved_at = ? WHERE id = ?');
      for (const r of rows) stmt.run(at, String(r['id']));
      return rows.map((r) => String(r['id']));
    });
  }

  async incidents(
    filter: { service?: string; open?: boolean; limit?: number } = {},
  ): Promise<IncidentRecord[]> {
    const rows = this.#sql(
      `SELECT * FROM incidents WHERE (?1 IS NULL OR service = ?1) AND (?2 = 0 OR resolved_at IS NULL)
       ORDER BY opened_at DESC, id LIMIT ?3`,
    ).all(filter.service ?? null, filter.open ? 1 : 0, filter.limit ?? 100) as Row[];
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
    const res = this.#sql(
      `INSERT INTO approvals (run_id, step_key, approver, verdict, comment, at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, step_key, approver) DO NOTHING`,
    ).run(a.runId, a.stepKey, a.approver, a.verdict, a.comment ?? null, a.at);
    return res.changes === 1;
  }

  async approvals(runId: number, stepKey?: string): Promise<ApprovalRecord[]> {
    const rows = this.#sql(
      'SELECT * FROM approvals WHERE run_id = ?1 AND (?2 IS NULL OR step_key = ?2) ORDER BY at, approver',
    ).all(runId, stepKey ?? null) as Row[];
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
    const res = this.#sql(
      `INSERT INTO overrides (service, environment, rules_json, reason, granted_by, granted_at, expires_at, valid_from)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      o.service,
      o.environment,
      JSON.stringify(o.rules),
      o.reason,
      o.grantedBy,
      o.grantedAt,
      o.expiresAt,
      o.validFrom ?? null,
    );
    return Number(res.lastInsertRowid);
  }

  async revokeOverride(id: number, at: string): Promise<boolean> {
    const res = this.#sql('UPDATE overrides SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(
      at,
      id,
    );
    return res.changes === 1;
  }

  async overrides(
    filter: { service?: string; environment?: string; activeAt?: string } = {},
  ): Promise<OverrideRecord[]> {
    const rows = this.#sql(
      `SELECT * FROM overrides WHERE (?1 IS NULL OR service = ?1) AND (?2 IS NULL OR environment = ?2)
       AND (?3 IS NULL OR (revoked_at IS NULL AND COALESCE(valid_from, granted_at) <= ?3 AND expires_at > ?3)) ORDER BY id DESC`,
    ).all(filter.service ?? null, filter.environment ?? null, filter.activeAt ?? null) as Row[];
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
    const row = this.#sql('SELECT record_json FROM environments WHERE service = ? AND environment = ?').get(
      service,
      environment,
    ) as Row | undefined;
    return row ? (JSON.parse(String(row['record_json'])) as EnvironmentRecord) : undefined;
  }

  async environments(): Promise<EnvironmentRecord[]> {
    const rows = this.#sql(
      'SELECT record_json FROM environments ORDER BY service, environment',
    ).all() as Row[];
    return rows.map((r) => JSON.parse(String(r['record_json'])) as EnvironmentRecord);
  }

  async saveDeployment(change: {
    environment?: EnvironmentRecord;
    rollout?: RolloutRecord;
    consumed?: { id: number; error?: string }[];
    at: string;
    fence?: Fence;
  }): Promise<void> {
    this.#tx(() => {
      const fence = change.fence;
      if (fence) {
        const held = this.#sql('SELECT 1 FROM leases WHERE name = ? AND token = ?').get(
          fence.lease,
          fence.token,
        );
        if (!held) throw new LeaseLostError(fence.lease, fence.token);
      }
      const env = change.environment;
      if (env) {
        this.#sql(
          `INSERT INTO environments (service, environment, record_json, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (service, environment) DO UPDATE SET record_json = excluded.record_json, updated_at = excluded.updated_at`,
        ).run(env.service, env.environment, JSON.stringify(env), change.at);
      }
      const r = change.rollout;
      if (r) {
        this.#sql(
          `INSERT INTO rollouts (id, service, environment, phase, idempotency_key, record_json, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, record_json = excluded.record_json, updated_at = excluded.updated_at`,
        ).run(
          r.id,
          r.service,
          r.environment,
          r.state.phase,
          r.key ?? null,
          JSON.stringify(r),
          r.createdAt,
          change.at,
        );
        projectRollout(this.#sql.bind(this), r);
      }
      const consume = this.#sql(
        'UPDATE rollout_commands SET consumed_at = ?, error = ? WHERE id = ? AND consumed_at IS NULL',
      );
      for (const c of change.consumed ?? []) consume.run(change.at, c.error ?? null, c.id);
    });
  }

  async acquireLease(
    name: string,
    holder: string,
    at: string,
    staleBefore: string,
  ): Promise<number | undefined> {
    return this.#tx(() => {
      const row = this.#sql('SELECT holder, token, renewed_at FROM leases WHERE name = ?').get(name) as
        Row | undefined;
      if (!row) {
        this.#sql('INSERT INTO leases (name, holder, token, renewed_at) VALUES (?, ?, 1, ?)').run(
          name,
          holder,
          at,
        );
        return 1;
      }
      const token = Number(row['token']);
      if (row['holder'] === holder) {
        this.#sql('UPDATE leases SET renewed_at = ? WHERE name = ?').run(at, name);
        return token;
      }
      if (String(row['renewed_at']) >= staleBefore) return undefined;
      this.#sql('UPDATE leases SET holder = ?, token = ?, renewed_at = ? WHERE name = ?').run(
        holder,
        token + 1,
        at,
        name,
      );
      return token + 1;
    });
  }

  async renewLease(name: string, holder: string, token: number, at: string): Promise<boolean> {
    const res = this.#sql('UPDATE leases SET renewed_at = ? WHERE name = ? AND holder = ? AND token = ?').run(
      at,
      name,
      holder,
      token,
    );
    return res.changes === 1;
  }

  async releaseLease(name: string, holder: string, token: number): Promise<void> {
    this.#sql("UPDATE leases SET renewed_at = '' WHERE name = ? AND holder = ? AND token = ?").run(
      name,
      holder,
      token,
    );
  }

  async getRollout(id: string): Promise<RolloutRecord | undefined> {
    const row = this.#sql('SELECT record_json FROM rollouts WHERE id = ?').get(id) as Row | undefined;
    return row ? (JSON.parse(String(row['record_json'])) as RolloutRecord) : undefined;
  }

  async rolloutByKey(key: string): Promise<RolloutRecord | undefined> {
    const row = this.#sql('SELECT record_json FROM rollouts WHERE idempotency_key = ?').get(key) as
      Row | undefined;
    return row ? (JSON.parse(String(row['record_json'])) as RolloutRecord) : undefined;
  }

  async rollouts(
    filter: { service?: string; environment?: string; active?: boolean; limit?: number } = {},
  ): Promise<RolloutRecord[]> {
    const rows = this.#sql(
      `SELECT record_json FROM rollouts WHERE (?1 IS NULL OR service = ?1) AND (?2 IS NULL OR environment = ?2)
         AND (?3 = 0 OR phase NOT IN ('completed', 'aborted', 'rolled-back'))
       ORDER BY created_at DESC, rowid DESC LIMIT ?4`,
    ).all(
      filter.service ?? null,
      filter.environment ?? null,
      filter.active ? 1 : 0,
      filter.limit ?? 100,
    ) as Row[];
    return rows.map((r) => JSON.parse(String(r['record_json'])) as RolloutRecord);
  }

  async addRolloutCommand(c: {
    rolloutId: string;
    command: string;
    by: string;
    at: string;
  }): Promise<number> {
    const res = this.#sql(
      'INSERT INTO rollout_commands (rollout_id, command, requested_by, requested_at) VALUES (?, ?, ?, ?)',
    ).run(c.rolloutId, c.command, c.by, c.at);
    return Number(res.lastInsertRowid);
  }

  async pendingRolloutCommands(rolloutId: string): Promise<RolloutCommandRecord[]> {
    const rows = this.#sql(
      'SELECT * FROM rollout_commands WHERE rollout_id = ? AND consumed_at IS NULL ORDER BY id',
    ).all(rolloutId) as Row[];
    return rows.map(commandRecord);
  }

  async getRolloutCommand(id: number): Promise<RolloutCommandRecord | undefined> {
    const row = this.#sql('SELECT * FROM rollout_commands WHERE id = ?').get(id) as Row | undefined;
    return row ? commandRecord(row) : undefined;
  }

  async saveAnalysisRun(runId: string, rolloutId: string, state: unknown, finished: boolean): Promise<void> {
    this.#sql(
      `INSERT INTO analysis_runs (run_id, rollout_id, state_json, finished, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET state_json = excluded.state_json, finished = excluded.finished,
         updated_at = excluded.updated_at`,
    ).run(runId, rolloutId, JSON.stringify(state), finished ? 1 : 0, new Date().toISOString());
  }

  async loadAnalysisRun(runId: string): Promise<unknown> {
    const row = this.#sql('SELECT state_json FROM analysis_runs WHERE run_id = ?').get(runId) as
      Row | undefined;
    return row ? (JSON.parse(String(row['state_json'])) as unknown) : undefined;
  }

  async activeAnalysisRuns(
    rolloutId?: string,
  ): Promise<{ runId: string; rolloutId: string; state: unknown }[]> {
    const rows = this.#sql(
      'SELECT * FROM analysis_runs WHERE finished = 0 AND (?1 IS NULL OR rollout_id = ?1) ORDER BY run_id',
    ).all(rolloutId ?? null) as Row[];
    return rows.map((r) => ({
      runId: String(r['run_id']),
      rolloutId: String(r['rollout_id']),
      state: JSON.parse(String(r['state_json'])) as unknown,
    }));
  }

  async deployments(
    filter: { service?: string; environment?: string; limit?: number } = {},
  ): Promise<DeploymentRecord[]> {
    return listDeployments(this.#sql.bind(this), filter);
  }

  async deploymentStats(q: {
    environment: string;
    service?: string;
    from: string;
    to: string;
  }): Promise<DeploymentStats> {
    return deploymentStats(this.#sql.bind(this), q);
  }

  async recordDelivery(delivery: DeliveryRecord): Promise<void> {
    this.#sql(
      `INSERT INTO notification_deliveries (id, run_id, created_at, record_json) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET record_json = excluded.record_json`,
    ).run(delivery.id, delivery.runId ?? null, delivery.createdAt, JSON.stringify(delivery));
  }

  async deliveries(filter: { runId?: number; limit?: number } = {}): Promise<DeliveryRecord[]> {
    const rows = this.#sql(
      `SELECT record_json FROM notification_deliveries WHERE (?1 IS NULL OR run_id = ?1)
         ORDER BY created_at DESC, rowid DESC LIMIT ?2`,
    ).all(filter.runId ?? null, filter.limit ?? 100) as Row[];
    return rows.map((r) => JSON.parse(String(r['record_json'])) as DeliveryRecord);
  }

  async recordMetricSamples(samples: readonly MetricSampleRecord[]): Promise<void> {
    if (samples.length === 0) return;
    const rows = samples.map((s) => [
      s.service,
      s.environment,
      epochMs(s.at),
      s.total,
      s.errors,
      s.reset ? 1 : 0,
    ]);
    this.#tx(() => {
      const stmt = this.#sql(
        `INSERT INTO metric_samples (service, environment, at_ms, total, errors, reset) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (service, environment, at_ms) DO NOTHING`,
      );
      for (const row of rows) stmt.run(...row);
    });
  }

  async metricSamples(filter: {
    service: string;
    environment: string;
    from?: string;
    to?: string;
  }): Promise<MetricSampleRecord[]> {
    const rows = this.#sql(
      `SELECT * FROM metric_samples WHERE service = ?1 AND environment = ?2
         AND (?3 IS NULL OR at_ms >= ?3) AND (?4 IS NULL OR at_ms <= ?4) ORDER BY at_ms`,
    ).all(
      filter.service,
      filter.environment,
      filter.from === undefined ? null : epochMs(filter.from),
      filter.to === undefined ? null : epochMs(filter.to),
    ) as Row[];
    return rows.map((r) => ({
      service: String(r['service']),
      environment: String(r['environment']),
      at: new Date(Number(r['at_ms'])).toISOString(),
      total: Number(r['total']),
      errors: Number(r['errors']),
      ...(r['reset'] === 1 ? { reset: true } : {}),
    }));
  }

  async deleteMetricSamples(
    series: { service: string; environment: string },
    at: readonly string[],
  ): Promise<number> {
    const times = at.map(epochMs);
    return this.#tx(() => {
      const stmt = this.#sql(
        'DELETE FROM metric_samples WHERE service = ? AND environment = ? AND at_ms = ?',
      );
      let deleted = 0;
      for (const ms of times) deleted += Number(stmt.run(series.service, series.environment, ms).changes);
      return deleted;
    });
  }

  async requestExternalApproval(r: Omit<ExternalApprovalRecord, 'verdicts'>): Promise<boolean> {
    const res = this.#sql(
      `INSERT INTO external_approvals (gate, revision, service, required, roles_json, requested_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (gate, revision) DO NOTHING`,
    ).run(r.gate, r.revision, r.service, r.required, JSON.stringify(r.roles), r.requestedAt);
    return res.changes === 1;
  }

  async externalApproval(gate: string): Promise<ExternalApprovalRecord | undefined> {
    const row = this.#sql(
      'SELECT * FROM external_approvals WHERE gate = ? ORDER BY requested_at DESC, rowid DESC LIMIT 1',
    ).get(gate) as Row | undefined;
    if (!row) return undefined;
    const revision = String(row['revision']);
    const verdicts = this.#sql(
      'SELECT * FROM external_verdicts WHERE gate = ? AND revision = ? ORDER BY at, approver',
    ).all(gate, revision) as Row[];
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
    const res = this.#sql(
      `INSERT INTO external_verdicts (gate, revision, approver, verdict, comment, at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (gate, revision, approver) DO NOTHING`,
    ).run(v.gate, v.revision, v.approver, v.verdict, v.comment ?? null, v.at);
    return res.changes === 1;
  }

  async recordExternalEvent(e: ExternalEventRecord): Promise<void> {
    this.#sql(
      `INSERT INTO external_events (source, namespace, name, service, phase, revision, type, message, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      e.source,
      e.namespace,
      e.name,
      e.service,
      e.phase,
      e.revision,
      e.type ?? null,
      e.message ?? null,
      e.at,
    );
  }

  async externalEvents(filter: { service?: string; limit?: number } = {}): Promise<ExternalEventRecord[]> {
    const rows = this.#sql(
      'SELECT * FROM external_events WHERE (?1 IS NULL OR service = ?1) ORDER BY id DESC LIMIT ?2',
    ).all(filter.service ?? null, filter.limit ?? 100) as Row[];
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

  async pruneMetricSamples(before: string): Promise<number> {
    return Number(this.#sql('DELETE FROM metric_samples WHERE at_ms < ?').run(epochMs(before)).changes);
  }

  async claimWebhookDelivery(delivery: string, event: string, at: string): Promise<boolean> {
    const r = this.#sql(
      'INSERT INTO webhook_deliveries (delivery, event, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(delivery, event, at);
    return Number(r.changes) === 1;
  }

  async createApiToken(t: ApiTokenRecord): Promise<boolean> {
    const r = this.#sql(
      `INSERT INTO api_tokens (id, name, role, services_json, environments_json, hash, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ).run(
      t.id,
      t.name,
      t.role,
      JSON.stringify(t.services),
      JSON.stringify(t.environments),
      t.hash,
      t.createdAt,
    );
    return Number(r.changes) === 1;
  }

  async apiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
    const row = this.#sql('SELECT * FROM api_tokens WHERE hash = ?').get(hash) as Row | undefined;
    return row ? tokenOfRow(row) : undefined;
  }

  async apiTokens(): Promise<ApiTokenRecord[]> {
    return (this.#sql('SELECT * FROM api_tokens ORDER BY created_at, rowid').all() as Row[]).map(tokenOfRow);
  }

  async revokeApiToken(idOrName: string, at: string): Promise<boolean> {
    const r = this.#sql(
      'UPDATE api_tokens SET revoked_at = ? WHERE (id = ? OR name = ?) AND revoked_at IS NULL',
    ).run(at, idOrName, idOrName);
    return Number(r.changes) > 0;
  }

  async recordAudit(e: Omit<AuditRecord, 'id'>): Promise<number> {
    const r = this.#sql(
      `INSERT INTO audit_log (at, token_id, token_name, role, method, path, status, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(e.at, e.tokenId, e.tokenName, e.role, e.method, e.path, e.status, e.error ?? null);
    return Number(r.lastInsertRowid);
  }

  async auditLog(filter: { limit?: number; token?: string } = {}): Promise<AuditRecord[]> {
    const rows = this.#sql(
      `SELECT * FROM audit_log WHERE (?1 IS NULL OR token_id = ?1 OR token_name = ?1)
         ORDER BY id DESC LIMIT ?2`,
    ).all(filter.token ?? null, filter.limit ?? 100) as Row[];
    return rows.map(auditOfRow);
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
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

function opt<K extends string>(key: K, v: SQLInputValue | undefined): Partial<Record<K, string>> {
  return v == null ? {} : ({ [key]: String(v) } as Record<K, string>);
}

function optNum<K extends string>(key: K, v: SQLInputValue | undefined): Partial<Record<K, number>> {
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
