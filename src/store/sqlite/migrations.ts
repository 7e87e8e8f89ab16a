/** Schema versions of the SQLite store, applied in order, each once. Never edit a shipped one. */
export const SQLITE_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'runs, stages, steps, outputs, evidence, events',
    sql: `
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
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
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        reason TEXT,
        PRIMARY KEY (run_id, name)
      );
      CREATE TABLE steps (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        stage TEXT NOT NULL,
        step_id TEXT NOT NULL,
        name TEXT NOT NULL,
        idx INTEGER NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        flaky INTEGER NOT NULL DEFAULT 0,
        failed_but_continued INTEGER NOT NULL DEFAULT 0,
        exit_code INTEGER,
        started_at TEXT,
        finished_at TEXT,
        reason TEXT,
        log_path TEXT,
        log_bytes INTEGER,
        pgid INTEGER,
        PRIMARY KEY (run_id, key)
      );
      CREATE TABLE outputs (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step_key TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, step_key, name)
      );
      CREATE TABLE evidence (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value_json TEXT NOT NULL,
        step_key TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
      );
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        type TEXT NOT NULL,
        data_json TEXT NOT NULL
      );
      CREATE INDEX events_run ON events(run_id, seq);
    `,
  },
  {
    version: 2,
    name: 'gate decisions and incidents',
    sql: `
      CREATE TABLE decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
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
    `,
  },
  {
    version: 3,
    name: 'approvals',
    sql: `
      CREATE TABLE approvals (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step_key TEXT NOT NULL,
        approver TEXT NOT NULL,
        verdict TEXT NOT NULL,
        comment TEXT,
        at TEXT NOT NULL,
        PRIMARY KEY (run_id, step_key, approver)
      );
    `,
  },
  {
    version: 4,
    name: 'emergency overrides',
    sql: `
      CREATE TABLE overrides (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        rules_json TEXT NOT NULL,
        reason TEXT NOT NULL,
        granted_by TEXT NOT NULL,
        granted_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        revoked_at TEXT
      );
    `,
  },
  {
    version: 5,
    name: 'environments, rollouts, rollout commands, analysis runs',
    sql: `
      CREATE TABLE environments (
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        record_json TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (service, environment)
      );
      CREATE TABLE rollouts (
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
        id INTEGER PRIMARY KEY AUTOINCREMENT,
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
        finished INTEGER NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'metric samples',
    sql: `
      CREATE TABLE metric_samples (
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        total INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        reset INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (service, environment, at_ms)
      ) WITHOUT ROWID;
      CREATE INDEX metric_samples_at ON metric_samples(at_ms);
    `,
  },
  {
    version: 7,
    name: 'overrides valid from a time',
    sql: `ALTER TABLE overrides ADD COLUMN valid_from TEXT;`,
  },
  {
    version: 8,
    name: 'leases',
    sql: `
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        token INTEGER NOT NULL,
        renewed_at TEXT NOT NULL
      );
      `,
  },
  {
    version: 9,
    name: 'external approvals and events (Flagger webhooks)',
    sql: `
      CREATE TABLE external_approvals (
        gate TEXT NOT NULL,
        revision TEXT NOT NULL,
        service TEXT NOT NULL,
        required INTEGER NOT NULL,
        roles_json TEXT NOT NULL,
        requested_at TEXT NOT NULL,
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
        id INTEGER PRIMARY KEY AUTOINCREMENT,
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
    version: 10,
    name: 'notification deliveries',
    sql: `
      CREATE TABLE notification_deliveries (
        id TEXT PRIMARY KEY,
        run_id INTEGER,
        created_at TEXT NOT NULL,
        record_json TEXT NOT NULL
      );
      CREATE INDEX notification_deliveries_run ON notification_deliveries(run_id);
    `,
  },
  {
    version: 11,
    name: 'deployment records, with weekly rollups kept by triggers for DORA',
    sql: `
      CREATE TABLE deployments (
        id TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        version TEXT NOT NULL,
        digest TEXT,
        run_id INTEGER,
        sha TEXT,
        previous_sha TEXT,
        change_type TEXT,
        committed_at_ms INTEGER,
        started_at_ms INTEGER NOT NULL,
        finished_at_ms INTEGER,
        outcome TEXT NOT NULL,
        kind TEXT NOT NULL,
        reason TEXT,
        incident_id TEXT,
        fixed_by TEXT,
        counted INTEGER GENERATED ALWAYS AS (
          kind <> 'rehearsal' AND outcome <> 'in-progress' AND finished_at_ms IS NOT NULL) VIRTUAL,
        week INTEGER GENERATED ALWAYS AS (finished_at_ms / 604800000) VIRTUAL,
        lead_ms INTEGER GENERATED ALWAYS AS (CASE WHEN outcome = 'succeeded' AND committed_at_ms IS NOT NULL
          THEN max(finished_at_ms - committed_at_ms, 0) END) VIRTUAL,
        recovery_ms INTEGER GENERATED ALWAYS AS (CASE WHEN outcome <> 'succeeded' AND outcome <> 'in-progress'
          THEN max(finished_at_ms - started_at_ms, 0) END) VIRTUAL,
        lead_bucket INTEGER GENERATED ALWAYS AS (CAST(log2(lead_ms + 1) * 8 AS INTEGER)) VIRTUAL,
        recovery_bucket INTEGER GENERATED ALWAYS AS (CAST(log2(recovery_ms + 1) * 8 AS INTEGER)) VIRTUAL
      );
      CREATE INDEX deployments_window ON deployments(environment, finished_at_ms, service, kind, outcome);
      CREATE INDEX deployments_service ON deployments(service, environment, started_at_ms);
      CREATE INDEX deployments_lead ON deployments(environment, lead_bucket, lead_ms, finished_at_ms, service, kind)
        WHERE lead_ms IS NOT NULL;
      CREATE INDEX deployments_recovery ON deployments(environment, recovery_bucket, recovery_ms, finished_at_ms, service, kind)
        WHERE recovery_ms IS NOT NULL;
      CREATE TABLE deployment_rollup (
        environment TEXT NOT NULL,
        service TEXT NOT NULL,
        week INTEGER NOT NULL,
        metric TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (environment, service, week, metric, bucket)
      ) WITHOUT ROWID;
      CREATE TRIGGER deployments_rollup_insert AFTER INSERT ON deployments WHEN NEW.counted BEGIN
        INSERT INTO deployment_rollup (environment, service, week, metric, bucket, n)
          SELECT NEW.environment, s.service, NEW.week, m.metric, m.bucket, 1
          FROM (SELECT NEW.service AS service UNION ALL SELECT '*') AS s,
               (SELECT 'n' AS metric, -1 AS bucket
                UNION ALL SELECT 'ok', -1 WHERE NEW.outcome = 'succeeded'
                UNION ALL SELECT 'failed', -1
                  WHERE NEW.outcome <> 'succeeded' OR NEW.incident_id IS NOT NULL OR NEW.fixed_by IS NOT NULL
                UNION ALL SELECT 'rework', -1 WHERE NEW.change_type IN ('fix', 'revert')
                UNION ALL SELECT 'lead', NEW.lead_bucket WHERE NEW.lead_ms IS NOT NULL
                UNION ALL SELECT 'recovery', NEW.recovery_bucket WHERE NEW.recovery_ms IS NOT NULL) AS m
          WHERE true
        ON CONFLICT (environment, service, week, metric, bucket) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER deployments_rollup_delete AFTER DELETE ON deployments WHEN OLD.counted BEGIN
        UPDATE deployment_rollup SET n = n - 1
          WHERE environment = OLD.environment AND service IN (OLD.service, '*') AND week = OLD.week
            AND (metric, bucket) IN (
              SELECT 'n', -1
              UNION ALL SELECT 'ok', -1 WHERE OLD.outcome = 'succeeded'
              UNION ALL SELECT 'failed', -1
                WHERE OLD.outcome <> 'succeeded' OR OLD.incident_id IS NOT NULL OR OLD.fixed_by IS NOT NULL
              UNION ALL SELECT 'rework', -1 WHERE OLD.change_type IN ('fix', 'revert')
              UNION ALL SELECT 'lead', OLD.lead_bucket WHERE OLD.lead_ms IS NOT NULL
              UNION ALL SELECT 'recovery', OLD.recovery_bucket WHERE OLD.recovery_ms IS NOT NULL);
      END;
      CREATE TRIGGER deployments_rollup_update_old AFTER UPDATE ON deployments WHEN OLD.counted BEGIN
        UPDATE deployment_rollup SET n = n - 1
          WHERE environment = OLD.environment AND service IN (OLD.service, '*') AND week = OLD.week
            AND (metric, bucket) IN (
              SELECT 'n', -1
              UNION ALL SELECT 'ok', -1 WHERE OLD.outcome = 'succeeded'
              UNION ALL SELECT 'failed', -1
                WHERE OLD.outcome <> 'succeeded' OR OLD.incident_id IS NOT NULL OR OLD.fixed_by IS NOT NULL
              UNION ALL SELECT 'rework', -1 WHERE OLD.change_type IN ('fix', 'revert')
              UNION ALL SELECT 'lead', OLD.lead_bucket WHERE OLD.lead_ms IS NOT NULL
              UNION ALL SELECT 'recovery', OLD.recovery_bucket WHERE OLD.recovery_ms IS NOT NULL);
      END;
      CREATE TRIGGER deployments_rollup_update_new AFTER UPDATE ON deployments WHEN NEW.counted BEGIN
        INSERT INTO deployment_rollup (environment, service, week, metric, bucket, n)
          SELECT NEW.environment, s.service, NEW.week, m.metric, m.bucket, 1
          FROM (SELECT NEW.service AS service UNION ALL SELECT '*') AS s,
               (SELECT 'n' AS metric, -1 AS bucket
                UNION ALL SELECT 'ok', -1 WHERE NEW.outcome = 'succeeded'
                UNION ALL SELECT 'failed', -1
                  WHERE NEW.outcome <> 'succeeded' OR NEW.incident_id IS NOT NULL OR NEW.fixed_by IS NOT NULL
                UNION ALL SELECT 'rework', -1 WHERE NEW.change_type IN ('fix', 'revert')
                UNION ALL SELECT 'lead', NEW.lead_bucket WHERE NEW.lead_ms IS NOT NULL
                UNION ALL SELECT 'recovery', NEW.recovery_bucket WHERE NEW.recovery_ms IS NOT NULL) AS m
          WHERE true
        ON CONFLICT (environment, service, week, metric, bucket) DO UPDATE SET n = n + 1;
      END;
    `,
  },
  {
    version: 12,
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
        id INTEGER PRIMARY KEY AUTOINCREMENT,
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
    version: 13,
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
