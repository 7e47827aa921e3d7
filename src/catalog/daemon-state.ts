// The daemon's own state in one SQLite file (node:sqlite, WAL) beside the workflow store: what the scheduler
// has handled per rule (so a restart never runs a missed schedule twice), its log of started, skipped and
// stopped runs, the RPO state of each source (so a breach is announced once), and restore requests with their
// approvals. The workflow store keeps the executions themselves; this file keeps the decisions around them.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { StepvaultError } from '../common/errors.ts';

/** The file's name in the daemon's state directory. */
export const DAEMON_STATE_NAME = 'daemon.db';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rules (
  rule_key TEXT PRIMARY KEY,
  first_seen INTEGER NOT NULL,
  last_scheduled INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS schedule_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  rule_key TEXT NOT NULL,
  due INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  runs INTEGER NOT NULL,
  execution TEXT,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS schedule_log_rule ON schedule_log (rule_key, id);
CREATE TABLE IF NOT EXISTS rpo (
  source TEXT PRIMARY KEY,
  breached INTEGER NOT NULL,
  since INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS restores (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  body TEXT NOT NULL
);
`;

export type ScheduleOutcome = 'started' | 'missed' | 'superseded' | 'stopped' | 'not-started';

export interface ScheduleLogEntry {
  id: number;
  /** When the scheduler decided (ms). */
  time: number;
  ruleKey: string;
  /** The (first) scheduled time concerned (ms). */
  due: number;
  outcome: ScheduleOutcome;
  /** How many scheduled runs the entry stands for (skips after a long pause can cover many). */
  runs: number;
  execution: string | null;
  detail: string | null;
}

export class DaemonState {
  readonly file: string;
  readonly #db: DatabaseSync;

  constructor(file: string) {
    this.file = file;
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
    try {
      this.#db = new DatabaseSync(file);
      this.#db.exec('PRAGMA journal_mode=WAL');
      this.#db.exec('PRAGMA synchronous=FULL');
      this.#db.exec('PRAGMA busy_timeout=10000');
      this.#db.exec(SCHEMA);
    } catch (e) {
      throw new StepvaultError('io', `cannot open the daemon state ${file}: ${(e as Error).message}`, {
        hint: 'check that the state directory is writable and not used by another version of stepvault',
        cause: e,
      });
    }
  }

  // --- the scheduler's memory ------------------------------------------------------------------------------

  /** Every rule's last handled scheduled time (ms), by rule key. */
  lastScheduled(): Map<string, number> {
    const rows = this.#db.prepare('SELECT rule_key, last_scheduled FROM rules').all() as {
      rule_key: string;
      last_scheduled: number;
    }[];
    return new Map(rows.map((r) => [r.rule_key, r.last_scheduled]));
  }

  /** When the scheduler first saw each rule (ms): where an RPO is counted from before any backup. */
  firstSeen(): Map<string, number> {
    const rows = this.#db.prepare('SELECT rule_key, first_seen FROM rules').all() as {
      rule_key: string;
      first_seen: number;
    }[];
    return new Map(rows.map((r) => [r.rule_key, r.first_seen]));
  }

  /** A rule seen for the first time: scheduled runs before `at` are not its to catch up. */
  rememberRule(key: string, at: number): void {
    this.#db
      .prepare('INSERT OR IGNORE INTO rules (rule_key, first_seen, last_scheduled) VALUES (?, ?, ?)')
      .run(key, at, at);
  }

  /** Records a decision and moves the rule's last handled time forward (never back), in one transaction. */
  record(entry: Omit<ScheduleLogEntry, 'id'>, handledThrough: number): ScheduleLogEntry {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      this.#db
        .prepare('INSERT OR IGNORE INTO rules (rule_key, first_seen, last_scheduled) VALUES (?, ?, ?)')
        .run(entry.ruleKey, entry.time, handledThrough);
      this.#db
        .prepare('UPDATE rules SET last_scheduled = MAX(last_scheduled, ?) WHERE rule_key = ?')
        .run(handledThrough, entry.ruleKey);
      const result = this.#db
        .prepare(
          'INSERT INTO schedule_log (time, rule_key, due, outcome, runs, execution, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(entry.time, entry.ruleKey, entry.due, entry.outcome, entry.runs, entry.execution, entry.detail);
      this.#db.exec('COMMIT');
      return { ...entry, id: Number(result.lastInsertRowid) };
    } catch (e) {
      this.#db.exec('ROLLBACK');
      throw e;
    }
  }

  /** Log entries, oldest first (optionally of one rule). */
  scheduleLog(ruleKey?: string): ScheduleLogEntry[] {
    const rows = (
      ruleKey === undefined
        ? this.#db.prepare('SELECT * FROM schedule_log ORDER BY id').all()
        : this.#db.prepare('SELECT * FROM schedule_log WHERE rule_key = ? ORDER BY id').all(ruleKey)
    ) as {
      id: number;
      time: number;
      rule_key: string;
      due: number;
      outcome: ScheduleOutcome;
      runs: number;
      execution: string | null;
      detail: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      time: r.time,
      ruleKey: r.rule_key,
      due: r.due,
      outcome: r.outcome,
      runs: r.runs,
      execution: r.execution,
      detail: r.detail,
    }));
  }

  /** Scheduled runs that did not start (and runs stopped), summed per rule and outcome. */
  scheduleCounts(): { ruleKey: string; outcome: ScheduleOutcome; runs: number }[] {
    const rows = this.#db
      .prepare(
        "SELECT rule_key, outcome, SUM(runs) AS runs FROM schedule_log WHERE outcome != 'started' GROUP BY rule_key, outcome ORDER BY rule_key, outcome",
      )
      .all() as { rule_key: string; outcome: ScheduleOutcome; runs: number }[];
    return rows.map((r) => ({ ruleKey: r.rule_key, outcome: r.outcome, runs: Number(r.runs) }));
  }

  // --- RPO ---------------------------------------------------------------------------------------------------

  rpoStates(): Map<string, { breached: boolean; since: number }> {
    const rows = this.#db.prepare('SELECT source, breached, since FROM rpo').all() as {
      source: string;
      breached: number;
      since: number;
    }[];
    return new Map(rows.map((r) => [r.source, { breached: r.breached === 1, since: r.since }]));
  }

  setRpoState(source: string, breached: boolean, since: number): void {
    this.#db
      .prepare(
        'INSERT INTO rpo (source, breached, since) VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET breached = excluded.breached, since = excluded.since',
      )
      .run(source, breached ? 1 : 0, since);
  }

  // --- restore requests ------------------------------------------------------------------------------------

  /** Stores a restore request (a JSON document the daemon defines); replaces one with the same id. */
  putRestore(id: string, body: unknown): void {
    const text = JSON.stringify(body);
    this.#db
      .prepare(
        `INSERT INTO restores (id, seq, body) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM restores), ?)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body`,
      )
      .run(id, text);
  }

  getRestore(id: string): unknown {
    const row = this.#db.prepare('SELECT body FROM restores WHERE id = ?').get(id) as
      | { body: string }
      | undefined;
    return row ? (JSON.parse(row.body) as unknown) : undefined;
  }

  /** Restore requests, newest first. */
  listRestores(limit = 1000): unknown[] {
    const rows = this.#db.prepare('SELECT body FROM restores ORDER BY seq DESC LIMIT ?').all(limit) as {
      body: string;
    }[];
    return rows.map((r) => JSON.parse(r.body) as unknown);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
