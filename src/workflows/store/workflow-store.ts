// Durable storage of executions in one SQLite file (node:sqlite, WAL). Each batch of interpreter changes —
// history events, scope and blob updates, the execution header — is written in one transaction with prepared
// statements, so a crash leaves the execution exactly at its last committed step.
//
// Durability: with `synchronous=NORMAL` (the default here) a committed transaction survives a process crash
// (SIGKILL) but the last transactions before a power loss or OS crash may be lost; `synchronous=FULL` also
// survives those at the cost of an fsync per commit.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { StepvaultError } from '../../common/errors.ts';
import type { Json } from '../asl/json.ts';
import type { Changes } from '../interpreter/machine.ts';
import type { ExecutionHeader, Scope } from '../interpreter/model.ts';
import { SCHEMA, SCHEMA_VERSION } from './schema.ts';

export interface StoreOptions {
  /** `NORMAL` (default) survives process crashes; `FULL` also power loss. */
  synchronous?: 'NORMAL' | 'FULL';
}

export interface StoredExecution {
  seq: number;
  header: ExecutionHeader;
  definition: string;
  definitionName: string;
  options: Json;
}

export interface LoadedExecution extends StoredExecution {
  scopes: Scope[];
  blobs: [string, Json][];
}

type Row = Record<string, unknown>;

export class WorkflowStore {
  readonly db: DatabaseSync;
  readonly file: string;
  readonly #s: Record<string, StatementSync> = {};
  /**
   * The scope inputs last written, by `seq:scopeId`: a scope is rewritten at every step, its input (which can be
   * large, e.g. a Map's items) only when the interpreter replaced it.
   */
  readonly #writtenInputs = new Map<string, unknown>();
  /** Executions whose row already says RUNNING (their status column needs no update). */
  readonly #running = new Set<number>();

  constructor(file: string, options: StoreOptions = {}) {
    this.file = file;
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    try {
      this.db = new DatabaseSync(file);
      // First: the statements below may meet a lock (another process checkpointing or closing the last
      // connection), and without a busy timeout they would fail at once instead of waiting for it.
      this.db.exec('PRAGMA busy_timeout=10000');
      this.db.exec('PRAGMA journal_mode=WAL');
      this.db.exec(`PRAGMA synchronous=${options.synchronous ?? 'NORMAL'}`);
      // Checkpoints (which fsync) every ~40 MB of WAL rather than every 4 MB: fewer stalls between commits.
      this.db.exec('PRAGMA wal_autocheckpoint=10000');
      this.db.exec(SCHEMA);
    } catch (e) {
      throw new StepvaultError('io', `cannot open the workflow store ${file}: ${(e as Error).message}`, {
        hint: 'check that the directory is writable and the file is a stepvault workflow store',
        cause: e,
      });
    }
    const version = this.db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as Row | undefined;
    if (!version)
      this.db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
    else if (Number(version.value) !== SCHEMA_VERSION) {
      throw new StepvaultError(
        'config',
        `workflow store ${file} has schema ${version.value}, expected ${SCHEMA_VERSION}`,
        {
          hint: 'use a stepvault version that matches this store',
        },
      );
    }
  }

  #stmt(sql: string): StatementSync {
    let s = this.#s[sql];
    if (!s) {
      s = this.db.prepare(sql);
      this.#s[sql] = s;
    }
    return s;
  }

  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /** Saves a definition (content-addressed) and returns its id. */
  saveDefinition(id: string, name: string, body: string): void {
    this.#stmt('INSERT OR IGNORE INTO definitions (id, name, body) VALUES (?, ?, ?)').run(id, name, body);
  }

  /** Creates the execution row and writes its first changes, in one transaction. */
  createExecution(header: ExecutionHeader, definitionId: string, options: Json, changes: Changes): number {
    return this.transaction(() => {
      const exists = this.#stmt('SELECT 1 FROM executions WHERE arn = ?').get(header.executionArn);
      if (exists) {
        throw new StepvaultError('already-exists', `an execution named '${header.name}' already exists`, {
          hint: 'choose another --name, or omit it to get a generated one',
        });
      }
      const r = this.#stmt(
        `INSERT INTO executions (arn, name, state_machine_arn, definition_id, parent_arn, input, start_time, status, stop_time, header, options)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        header.executionArn,
        header.name,
        header.stateMachineArn,
        definitionId,
        header.parent?.executionArn ?? null,
        JSON.stringify(header.input),
        header.startTime,
        header.status,
        header.stopTime ?? null,
        headerJson(header),
        JSON.stringify(options),
      );
      const seq = Number(r.lastInsertRowid);
      this.#applyInTransaction(seq, changes);
      return seq;
    });
  }

  applyChanges(seq: number, changes: Changes): void {
    this.transaction(() => this.#applyInTransaction(seq, changes));
  }

  #applyInTransaction(seq: number, c: Changes): void {
    const h = c.header;
    if (h.status === 'RUNNING' && this.#running.has(seq)) {
      this.#stmt('UPDATE executions SET header = ? WHERE seq = ?').run(headerJson(h), seq);
    } else {
      this.#stmt('UPDATE executions SET status = ?, stop_time = ?, header = ? WHERE seq = ?').run(
        h.status,
        h.stopTime ?? null,
        headerJson(h),
        seq,
      );
      if (h.status === 'RUNNING') this.#running.add(seq);
      else this.#running.delete(seq);
    }
    const insertEvent = this.#stmt('INSERT INTO events (execution, id, type, body) VALUES (?, ?, ?, ?)');
    for (const e of c.events) {
      const body: Row = {
        timestamp: e.timestamp,
        type: e.type,
        id: e.id,
        previousEventId: e.previousEventId,
      };
      if (e.detailsKey) body[e.detailsKey] = e.details ?? {};
      insertEvent.run(seq, e.id, e.type, JSON.stringify(body));
    }
    const upsertScope = this.#stmt(
      'INSERT OR REPLACE INTO scopes (execution, id, body, input) VALUES (?, ?, ?, ?)',
    );
    const updateScope = this.#stmt('UPDATE scopes SET body = ? WHERE execution = ? AND id = ?');
    const insertToken = this.#stmt('INSERT OR IGNORE INTO task_tokens (token, execution) VALUES (?, ?)');
    for (const s of c.scopes) {
      const key = `${seq}:${s.id}`;
      const { input, ...rest } = s;
      if (this.#writtenInputs.get(key) === input) updateScope.run(JSON.stringify(rest), seq, s.id);
      else {
        upsertScope.run(seq, s.id, JSON.stringify(rest), JSON.stringify(input));
        this.#writtenInputs.set(key, input);
      }
      if (s.phase.kind === 'task' && !s.phase.outcome && s.status === 'running')
        insertToken.run(s.phase.token, seq);
    }
    const deleteScope = this.#stmt('DELETE FROM scopes WHERE execution = ? AND id = ?');
    for (const id of c.deletedScopes) {
      deleteScope.run(seq, id);
      this.#writtenInputs.delete(`${seq}:${id}`);
    }
    const upsertBlob = this.#stmt('INSERT OR REPLACE INTO blobs (execution, key, body) VALUES (?, ?, ?)');
    for (const [k, v] of c.blobs) upsertBlob.run(seq, k, JSON.stringify(v));
    const deleteBlob = this.#stmt('DELETE FROM blobs WHERE execution = ? AND key = ?');
    for (const k of c.deletedBlobs) deleteBlob.run(seq, k);
    if (h.status !== 'RUNNING') {
      this.#stmt('DELETE FROM task_tokens WHERE execution = ?').run(seq);
      this.#stmt('DELETE FROM inbox WHERE execution = ?').run(seq);
    }
  }

  #toStored(row: Row): StoredExecution {
    const header = JSON.parse(row.header as string) as ExecutionHeader;
    header.input = JSON.parse(row.input as string) as Json;
    return {
      seq: Number(row.seq),
      header,
      definition: row.body as string,
      definitionName: row.def_name as string,
      options: JSON.parse(row.options as string) as Json,
    };
  }

  #select(where: string): string {
    return `SELECT e.seq, e.header, e.input, e.options, d.body, d.name AS def_name FROM executions e JOIN definitions d ON d.id = e.definition_id WHERE ${where}`;
  }

  getExecution(arnOrName: string): StoredExecution | undefined {
    const row = (this.#stmt(this.#select('e.arn = ?')).get(arnOrName) ??
      this.#stmt(this.#select('e.name = ? ORDER BY e.seq DESC LIMIT 1')).get(arnOrName)) as Row | undefined;
    return row ? this.#toStored(row) : undefined;
  }

  getExecutionBySeq(seq: number): StoredExecution | undefined {
    const row = this.#stmt(this.#select('e.seq = ?')).get(seq) as Row | undefined;
    return row ? this.#toStored(row) : undefined;
  }

  loadExecution(seq: number): LoadedExecution | undefined {
    const stored = this.getExecutionBySeq(seq);
    if (!stored) return undefined;
    const scopes = (this.#stmt('SELECT body, input FROM scopes WHERE execution = ?').all(seq) as Row[]).map(
      (r) => ({ ...(JSON.parse(r.body as string) as Scope), input: JSON.parse(r.input as string) as Json }),
    );
    const blobs = (this.#stmt('SELECT key, body FROM blobs WHERE execution = ?').all(seq) as Row[]).map(
      (r) => [r.key as string, JSON.parse(r.body as string) as Json] as [string, Json],
    );
    return { ...stored, scopes, blobs };
  }

  listExecutions(
    filter: { status?: string; limit?: number; includeChildren?: boolean } = {},
  ): StoredExecution[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.status) {
      where.push('e.status = ?');
      args.push(filter.status);
    }
    if (!filter.includeChildren) where.push('e.parent_arn IS NULL');
    const sql = `${this.#select(where.length ? where.join(' AND ') : '1')} ORDER BY e.seq DESC LIMIT ?`;
    args.push(filter.limit ?? 100);
    return (this.db.prepare(sql).all(...args) as Row[]).map((r) => this.#toStored(r));
  }

  childExecutions(parentArn: string): StoredExecution[] {
    return (this.#stmt(`${this.#select('e.parent_arn = ?')} ORDER BY e.seq`).all(parentArn) as Row[]).map(
      (r) => this.#toStored(r),
    );
  }

  /** History events in AWS shape (timestamps as epoch milliseconds), oldest first. */
  events(seq: number, afterId = 0, limit = Number.MAX_SAFE_INTEGER): Row[] {
    return (
      this.#stmt('SELECT body FROM events WHERE execution = ? AND id > ? ORDER BY id LIMIT ?').all(
        seq,
        afterId,
        limit,
      ) as Row[]
    ).map((r) => JSON.parse(r.body as string) as Row);
  }

  /** The execution a task token belongs to, if the token is known. */
  executionOfToken(token: string): number | undefined {
    const row = this.#stmt('SELECT execution FROM task_tokens WHERE token = ?').get(token) as Row | undefined;
    return row ? Number(row.execution) : undefined;
  }

  /** Whether a task with this token is still waiting for its outcome. */
  isTokenWaiting(seq: number, token: string): boolean {
    const row = this.#stmt(
      "SELECT 1 FROM scopes WHERE execution = ? AND json_extract(body, '$.phase.token') = ? AND json_extract(body, '$.phase.outcome') IS NULL AND json_extract(body, '$.status') = 'running'",
    ).get(seq, token);
    return row !== undefined;
  }

  postMessage(seq: number, kind: string, token: string | null, body: Json, now: number): void {
    this.#stmt('INSERT INTO inbox (execution, kind, token, body, created) VALUES (?, ?, ?, ?, ?)').run(
      seq,
      kind,
      token,
      JSON.stringify(body),
      now,
    );
  }

  /** Reads (and removes) the messages other processes left for an execution, oldest first. */
  takeMessages(seq: number): { kind: string; token: string | null; body: Json }[] {
    const rows = this.#stmt('SELECT seq, kind, token, body FROM inbox WHERE execution = ? ORDER BY seq').all(
      seq,
    ) as Row[];
    if (rows.length === 0) return [];
    this.#stmt('DELETE FROM inbox WHERE execution = ? AND seq <= ?').run(
      seq,
      rows[rows.length - 1]!.seq as number,
    );
    return rows.map((r) => ({
      kind: r.kind as string,
      token: (r.token as string | null) ?? null,
      body: JSON.parse(r.body as string) as Json,
    }));
  }

  hasMessages(seq: number): boolean {
    return this.#stmt('SELECT 1 FROM inbox WHERE execution = ? LIMIT 1').get(seq) !== undefined;
  }

  /**
   * Takes the lease of an execution for `owner` unless another live process holds an unexpired one. A lease of
   * a process that no longer exists (killed) is taken over at once.
   */
  acquireLease(
    seq: number,
    owner: string,
    pid: number,
    now: number,
    ttlMs: number,
    isAlive: (pid: number) => boolean,
  ): boolean {
    return this.transaction(() => {
      const row = this.#stmt('SELECT owner, pid, expires FROM leases WHERE execution = ?').get(seq) as
        | Row
        | undefined;
      if (row && row.owner !== owner && Number(row.expires) > now && isAlive(Number(row.pid))) return false;
      this.#stmt('INSERT OR REPLACE INTO leases (execution, owner, pid, expires) VALUES (?, ?, ?, ?)').run(
        seq,
        owner,
        pid,
        now + ttlMs,
      );
      return true;
    });
  }

  /** The process holding an unexpired lease of the execution, if any. */
  leaseHolder(seq: number, now: number): { owner: string; pid: number } | undefined {
    const row = this.#stmt('SELECT owner, pid, expires FROM leases WHERE execution = ?').get(seq) as
      | Row
      | undefined;
    if (!row || Number(row.expires) <= now) return undefined;
    return { owner: row.owner as string, pid: Number(row.pid) };
  }

  releaseLease(seq: number, owner: string): void {
    this.#stmt('DELETE FROM leases WHERE execution = ? AND owner = ?').run(seq, owner);
  }

  close(): void {
    this.db.close();
  }
}

function headerJson(h: ExecutionHeader): string {
  const { input: _input, ...rest } = h;
  return JSON.stringify(rest);
}
