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
    name: 'weekly rollups of deployment records for DORA, kept by a trigger',
    sql: `
      ALTER TABLE deployments
        ADD COLUMN counted BOOLEAN GENERATED ALWAYS AS (
          kind <> 'rehearsal' AND outcome <> 'in-progress' AND finished_at_ms IS NOT NULL) STORED,
        ADD COLUMN week BIGINT GENERATED ALWAYS AS (finished_at_ms / 604800000) STORED,
        ADD COLUMN lead_ms BIGINT GENERATED ALWAYS AS (CASE WHEN outcome = 'succeeded' AND committed_at_ms IS NOT NULL
          THEN greatest(finished_at_ms - committed_at_ms, 0) END) STORED,
        ADD COLUMN recovery_ms BIGINT GENERATED ALWAYS AS (CASE WHEN outcome <> 'succeeded' AND outcome <> 'in-progress'
          THEN greatest(finished_at_ms - started_at_ms, 0) END) STORED,
        ADD COLUMN lead_bucket INTEGER GENERATED ALWAYS AS (CASE WHEN outcome = 'succeeded' AND committed_at_ms IS NOT NULL
          THEN floor(ln(greatest(finished_at_ms - committed_at_ms, 0)::float8 + 1) / ln(2) * 8)::integer END) STORED,
        ADD COLUMN recovery_bucket INTEGER GENERATED ALWAYS AS (CASE WHEN outcome <> 'succeeded' AND outcome <> 'in-progress'
          THEN floor(ln(greatest(finished_at_ms - started_at_ms, 0)::float8 + 1) / ln(2) * 8)::integer END) STORED;
      CREATE INDEX deployments_lead ON deployments(environment, lead_bucket, lead_ms, finished_at_ms, service, kind)
        WHERE lead_ms IS NOT NULL;
      CREATE INDEX deployments_recovery ON deployments(environment, recovery_bucket, recovery_ms, finished_at_ms, service, kind)
        WHERE recovery_ms IS NOT NULL;
      CREATE TABLE deployment_rollup (
        environment TEXT NOT NULL,
        service TEXT NOT NULL,
        week BIGINT NOT NULL,
        metric TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (environment, service, week, metric, bucket)
      );
      -- the (metric, bucket) pairs one deployment counts in, for its service and for all ('*')
      CREATE FUNCTION deployment_rollup_keys(d deployments)
        RETURNS TABLE (service TEXT, metric TEXT, bucket INTEGER) LANGUAGE sql IMMUTABLE AS $fn$
        SELECT s.service, m.metric, m.bucket
        FROM (VALUES (d.service), ('*')) AS s(service),
             (SELECT 'n'::text AS metric, -1 AS bucket
              UNION ALL SELECT 'ok', -1 WHERE d.outcome = 'succeeded'
              UNION ALL SELECT 'failed', -1
                WHERE d.outcome <> 'succeeded' OR d.incident_id IS NOT NULL OR d.fixed_by IS NOT NULL
              UNION ALL SELECT 'rework', -1 WHERE d.change_type IN ('fix', 'revert')
              UNION ALL SELECT 'lead', d.lead_bucket WHERE d.lead_ms IS NOT NULL
              UNION ALL SELECT 'recovery', d.recovery_bucket WHERE d.recovery_ms IS NOT NULL) AS m
        WHERE d.counted
      $fn$;
      CREATE FUNCTION deployments_rollup() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          UPDATE deployment_rollup r SET n = r.n - 1
            FROM deployment_rollup_keys(OLD) k
            WHERE r.environment = OLD.environment AND r.week = OLD.week
              AND r.service = k.service AND r.metric = k.metric AND r.bucket = k.bucket;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          INSERT INTO deployment_rollup (environment, service, week, metric, bucket, n)
            SELECT NEW.environment, k.service, NEW.week, k.metric, k.bucket, 1
            FROM deployment_rollup_keys(NEW) k
          ON CONFLICT (environment, service, week, metric, bucket)
            DO UPDATE SET n = deployment_rollup.n + 1;
        END IF;
        RETURN NULL;
      END
      $fn$;
      -- recounts every rollup from the rows (here for the rows already stored; also after a bulk load)
      CREATE FUNCTION deployment_rollup_rebuild() RETURNS void LANGUAGE sql AS $fn$
        DELETE FROM deployment_rollup;
        INSERT INTO deployment_rollup (environment, service, week, metric, bucket, n)
          SELECT d.environment, k.service, d.week, k.metric, k.bucket, count(*)
          FROM deployments d, deployment_rollup_keys(d) k
          GROUP BY d.environment, k.service, d.week, k.metric, k.bucket;
      $fn$;
      SELECT deployment_rollup_rebuild();
      CREATE TRIGGER deployments_rollup AFTER INSERT OR UPDATE OR DELETE ON deployments
        FOR EACH ROW EXECUTE FUNCTION deployments_rollup();
      `,
  },
  {
    version: 6,
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
  {
    version: 7,
    name: 'webhook deliveries acted on, so a redelivery starts nothing after a restart',
    sql: `
      CREATE TABLE webhook_deliveries (
        delivery TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        received_at TEXT NOT NULL
      );
    `,
  },
];
