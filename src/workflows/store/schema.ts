// The SQLite schema of the workflow store. One file holds every execution: its header, its history events (in
// the shape of GetExecutionHistory), the live scopes and blobs the interpreter resumes from, task tokens, the
// inbox other processes write to (send-task-*, stop), and leases saying which process runs an execution.

export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS definitions (
  id TEXT PRIMARY KEY,            -- sha256 of the definition text
  name TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS executions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  arn TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  state_machine_arn TEXT NOT NULL,
  definition_id TEXT NOT NULL,
  parent_arn TEXT,
  input TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  status TEXT NOT NULL,
  stop_time INTEGER,
  header TEXT NOT NULL,           -- the mutable part of the execution header, as JSON
  options TEXT NOT NULL           -- runtime options (e.g. replayed task results), as JSON
);
CREATE INDEX IF NOT EXISTS executions_by_status ON executions (status);
CREATE INDEX IF NOT EXISTS executions_by_parent ON executions (parent_arn) WHERE parent_arn IS NOT NULL;
CREATE TABLE IF NOT EXISTS events (
  execution INTEGER NOT NULL,
  id INTEGER NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (execution, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scopes (
  execution INTEGER NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL,             -- the scope as JSON, without its input
  input TEXT NOT NULL,            -- the input of its current state (rewritten only when it changes)
  PRIMARY KEY (execution, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (
  execution INTEGER NOT NULL,
  key TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (execution, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS task_tokens (
  token TEXT PRIMARY KEY,
  execution INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  execution INTEGER NOT NULL,
  kind TEXT NOT NULL,             -- task-success | task-failure | task-heartbeat | stop
  token TEXT,
  body TEXT NOT NULL,
  created INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS inbox_by_execution ON inbox (execution);
CREATE TABLE IF NOT EXISTS leases (
  execution INTEGER PRIMARY KEY,
  owner TEXT NOT NULL,
  pid INTEGER NOT NULL,
  expires INTEGER NOT NULL
);
`;
