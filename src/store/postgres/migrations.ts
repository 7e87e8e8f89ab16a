/**
 * Schema versions of the PostgreSQL store, applied in order, each once, under an advisory lock so
 * control planes starting together migrate once. Never edit a shipped one. Times are ISO 8601 text,
 * as in SQLite, so both stores compare and return them alike.
 */
export const POSTGRES_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'runs, gates, incidents, approvals, overrides, deployments, metric samples',
    sql: `
      CREATE TABLE runs (
        id BIGSERIAL PRIMARY KEY,
        pipeline_name TEXT NOT NULL,
        pipeline_json TEXT NOT NULL,
        context_json TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        reason TEXT,
        owner_pid INTEGER,
        owner_host TEXT,
        heartbeat_at TEXT,
        cancel_requested_at TEXT
      );
      CREATE INDEX runs_status ON runs(status);
      CREATE TABLE stages (
        pos BIGSERIAL,
        run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        reason TEXT,
        PRIMARY KEY (run_id, name)
      );
      CREATE TABLE steps (
        pos BIGSERIAL,
        run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        stage TEXT NOT NULL,
        step_id TEXT NOT NULL,
        name TEXT NOT NULL,
        idx INTEGER NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        flaky BOOLEAN NOT NULL DEFAULT FALSE,
        failed_but_continued BOOLEAN NOT NULL DEFAULT FALSE,
        exit_code INTEGER,
        started_at TEXT,
        finished_at TEXT,
        reason TEXT,
        log_path TEXT,
        log_bytes BIGINT,
        pgid INTEGER,
        PRIMARY KEY (run_id, key)
      );
      CREATE TABLE outputs (
        pos BIGSERIAL,
        run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step_key TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, step_key, name)
      );
      CREATE TABLE evidence (
        run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value_json TEXT NOT NULL,
        step_key TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
      );
      CREATE TABLE events (
        seq BIGSERIAL PRIMARY KEY,
        run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        type TEXT NOT NULL,
        data_json TEXT NOT NULL
      );
      CREATE INDEX events_run ON events(run_id, seq);
      CREATE TABLE decisions (
        id BIGSERIAL PRIMARY KEY,
        run_id BIGINT REFERENCES runs(id) ON DELETE SET NULL,
        step_key TEXT,
        gate TEXT NOT NULL,
        service TEXT,
        environment TEXT,
        outcome TEXT NOT NULL,
        strategy TEXT,
        decision_json TEXT NOT NULL,
        input_json TEXT NOT NULL,
        input_digest TEXT NOT NULL,
        evaluated_at TEXT NOT NULL
      );
      CREATE INDEX decisions_service ON decisions(service, environment, id);
      CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        severity TEXT NOT NULL,
        title TEXT NOT NULL,
        source TEXT NOT NULL,
        fingerprint TEXT,
        opened_at TEXT NOT NULL,
        resolved_at TEXT
      );
      CREATE INDEX incidents_open ON incidents(service, resolved_at);
      CREATE TABLE approvals (
        run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step_key TEXT NOT NULL,
        approver TEXT NOT NULL,
        verdict TEXT NOT NULL,
        comment TEXT,
        at TEXT NOT NULL,
        PRIMARY KEY (run_id, step_key, approver)
      );
      CREATE TABLE overrides (
        id BIGSERIAL PRIMARY KEY,
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        rules_json TEXT NOT NULL,
        reason TEXT NOT NULL,
        granted_by TEXT NOT NULL,
        granted_at TEXT NOT NULL,
        valid_from TEXT,
        expires_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE TABLE environments (
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        record_json TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (service, environment)
      );
      CREATE TABLE rollouts (
        pos BIGSERIAL,
        id TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        phase TEXT NOT NULL,
        idempotency_key TEXT UNIQUE,
        record_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX rollouts_env ON rollouts(service, environment, created_at);
      CREATE TABLE rollout_commands (
        id BIGSERIAL PRIMARY KEY,
        rollout_id TEXT NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
        command TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        consumed_at TEXT,
        error TEXT
      );
      CREATE INDEX rollout_commands_pending ON rollout_commands(rollout_id, consumed_at);
      CREATE TABLE analysis_runs (
        run_id TEXT PRIMARY KEY,
        rollout_id TEXT NOT NULL,
        state_json TEXT NOT NULL,
        finished BOOLEAN NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE metric_samples (
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        at_ms BIGINT NOT NULL,
        total BIGINT NOT NULL,
        errors BIGINT NOT NULL,
        reset BOOLEAN NOT NULL DEFAULT FALSE,
        PRIMARY KEY (service, environment, at_ms)
      );
      CREATE INDEX metric_samples_at ON metric_samples(at_ms);
    `,
  },
  {
    version: 2,
    name: 'leases',
    sql: `
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        token BIGINT NOT NULL,
        renewed_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'external approvals and events (Flagger webhooks)',
    sql: `
      CREATE TABLE external_approvals (
        gate TEXT NOT NULL,
        revision TEXT NOT NULL,
        service TEXT NOT NULL,
        required INTEGER NOT NULL,
        roles_json TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        seq BIGSERIAL,
        PRIMARY KEY (gate, revision)
      );
      CREATE TABLE external_verdicts (
        gate TEXT NOT NULL,
        revision TEXT NOT NULL,
        approver TEXT NOT NULL,
        verdict TEXT NOT NULL,
        comment TEXT,
        at TEXT NOT NULL,
        PRIMARY KEY (gate, revision, approver),
        FOREIGN KEY (gate, revision) REFERENCES external_approvals(gate, revision)
      );
      CREATE TABLE external_events (
        id BIGSERIAL PRIMARY KEY,
        source TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        service TEXT NOT NULL,
        phase TEXT NOT NULL,
        revision TEXT NOT NULL,
        type TEXT,
        message TEXT,
        at TEXT NOT NULL
      );
      CREATE INDEX external_events_service ON external_events(service, id);
    `,
  },
  {
    version: 4,
    name: 'notification deliveries and deployment records',
    sql: `
      CREATE TABLE notification_deliveries (
        id TEXT PRIMARY KEY,
        run_id BIGINT,
        created_at TEXT NOT NULL,
        seq BIGSERIAL,
        record_json TEXT NOT NULL
      );
      CREATE INDEX notification_deliveries_run ON notification_deliveries(run_id);
      CREATE TABLE deployments (
        id TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        version TEXT NOT NULL,
        digest TEXT,
        run_id BIGINT,
        sha TEXT,
        previous_sha TEXT,
        change_type TEXT,
        committed_at_ms BIGINT,
        started_at_ms BIGINT NOT NULL,
        finished_at_ms BIGINT,
        outcome TEXT NOT NULL,
        kind TEXT NOT NULL,
        reason TEXT,
        incident_id TEXT,
        fixed_by TEXT
      );
      CREATE INDEX deployments_window ON deployments(environment, finished_at_ms, service, kind, outcome);
      CREATE INDEX deployments_service ON deployments(service, environment, started_at_ms);
    `,
  },
  {
    version: 5,
    name: 'api tokens (hashed) and the audit log',
    sql: `
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        services_json TEXT NOT NULL,
        environments_json TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE TABLE audit_log (
        id BIGSERIAL PRIMARY KEY,
        at TEXT NOT NULL,
        token_id TEXT NOT NULL,
        token_name TEXT NOT NULL,
        role TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        status INTEGER NOT NULL,
        error TEXT
      );
      CREATE INDEX audit_log_token ON audit_log(token_id);
    `,
  },
];
