// Per-run state that grows with what a source holds (every comment of a Confluence site, the records of a parent
// snapshot), kept on disk instead of in the heap: JSON values by id, grouped by a key, the newest version of each
// id kept, read back by id or by group. The spool is a SQLite file in a private temporary directory; every value
// in it is sealed with AES-256-GCM under a key that exists only in this process, so what a crash leaves behind is
// unreadable, and `close` deletes it. SQLite's page cache is its only memory (~2 MiB), whatever the spool holds.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { isAlive } from './process-alive.ts';

/** Puts between commits: one transaction per batch keeps writes cheap without holding them in memory. */
const BATCH = 1000;
/** Spool directories are `<PREFIX><pid>-<random>`: a later run tells a dead process's from a live one's. */
const PREFIX = 'stepvault-spool-';

/**
 * Deletes the spools that processes which no longer run left behind (killed before `close`): sealed, so
 * unreadable, but they would fill the disk. A spool whose process still runs (or belongs to another user) stays.
 */
function removeStaleSpools(parent: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(PREFIX.length))?.[1]);
    if (!Number.isInteger(pid) || isAlive(pid)) continue;
    try {
      fs.rmSync(path.join(parent, name), { recursive: true, force: true });
    } catch {
      // another user's, or already going: not ours to clean
    }
  }
}

interface SpoolFile {
  dir: string;
  db: DatabaseSync;
  put: StatementSync;
  get: StatementSync;
  has: StatementSync;
  group: StatementSync;
}

export class DiskSpool<T> {
  readonly #parent: string;
  /** A KeyObject made once: making one from bytes for every value costs more than sealing it. */
  readonly #key = crypto.createSecretKey(crypto.randomBytes(32));
  #file: SpoolFile | undefined;
  #pending = 0;
  #closed = false;

  /**
   * A new, empty spool. Its file is made on the first `put`, in a private directory of its own under `parent`
   * (the system's temporary directory by default): a spool nothing is put into touches no disk.
   */
  constructor(parent: string = os.tmpdir()) {
    this.#parent = parent;
  }

  /** Files `value` under `group`, unless the spool holds a newer version of `id`. */
  put(id: string, group: string, version: number, value: T): void {
    this.#checkOpen();
    this.#file ??= this.#create();
    const file = this.#file;
    if (this.#pending === 0) file.db.exec('BEGIN');
    file.put.run(id, group, version, this.#seal(id, value));
    if (++this.#pending >= BATCH) {
      file.db.exec('COMMIT');
      this.#pending = 0;
    }
  }

  /** The value held for `id`, if any. */
  get(id: string): T | undefined {
    this.#checkOpen();
    if (!this.#file) return undefined;
    const row = this.#file.get.get(id) as { sealed: Uint8Array } | undefined;
    return row ? this.#unseal(id, row.sealed) : undefined;
  }

  /** Whether the spool holds a value for `id` (without reading it back). */
  has(id: string): boolean {
    this.#checkOpen();
    return this.#file?.has.get(id) !== undefined;
  }

  /** The values filed under `group`, in the order their ids first came. */
  group(group: string): T[] {
    this.#checkOpen();
    if (!this.#file) return [];
    const rows = this.#file.group.all(group) as { id: string; sealed: Uint8Array }[];
    return rows.map((row) => this.#unseal(row.id, row.sealed));
  }

  /** Deletes the spool and its directory. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const file = this.#file;
    if (!file) return;
    try {
      file.db.close();
    } finally {
      fs.rmSync(file.dir, { recursive: true, force: true });
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('the disk spool is closed');
  }

  #create(): SpoolFile {
    removeStaleSpools(this.#parent);
    const dir = fs.mkdtempSync(path.join(this.#parent, `${PREFIX}${process.pid}-`));
    try {
      const db = new DatabaseSync(path.join(dir, 'spool.db'));
      // Scratch data: no rollback journal on disk (node:sqlite's defensive mode refuses journal_mode=OFF), no syncs.
      db.exec('PRAGMA journal_mode=MEMORY');
      db.exec('PRAGMA synchronous=OFF');
      db.exec(
        'CREATE TABLE v (id TEXT PRIMARY KEY, grp TEXT NOT NULL, version INTEGER NOT NULL, sealed BLOB NOT NULL)',
      );
      db.exec('CREATE INDEX v_grp ON v (grp)');
      // The later of two equal versions wins, as keepNewest does for lists held in memory.
      const put = db.prepare(
        `INSERT INTO v (id, grp, version, sealed) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET grp = excluded.grp, version = excluded.version, sealed = excluded.sealed
         WHERE excluded.version >= v.version`,
      );
      const get = db.prepare('SELECT sealed FROM v WHERE id = ?');
      const has = db.prepare('SELECT 1 FROM v WHERE id = ?');
      const group = db.prepare('SELECT id, sealed FROM v WHERE grp = ? ORDER BY rowid');
      return { dir, db, put, get, has, group };
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** IV, then ciphertext and tag; the id is authenticated too, so a row cannot be moved to another id. */
  #seal(id: string, value: T): Buffer {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(id));
    const body = cipher.update(JSON.stringify(value), 'utf8');
    const final = cipher.final();
    return Buffer.concat([iv, body, final, cipher.getAuthTag()]);
  }

  #unseal(id: string, sealed: Uint8Array): T {
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plain = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as T;
  }
}
