-- The task queue's table: the same triage score as src/priority.ts, ordered highest first.
CREATE TABLE IF NOT EXISTS tasks (
  id          bigserial PRIMARY KEY,
  title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  severity    text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  due_in_h    double precision NOT NULL,
  score       integer NOT NULL CHECK (score > 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS tasks_by_score ON tasks (score DESC, id);
