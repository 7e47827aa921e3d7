// The audit log: an append-only JSON Lines file of hash-chained records (see audit-record.ts), created 0600.
// One process writes it (the daemon); within it, appends are serialized, each one written with O_APPEND and
// fsync'd before it is acknowledged. Beside it, `FILE.head` holds the last record's seq and hash, so that
// removing records from the end is detected too (a chain alone cannot tell).
//
// A crash in the middle of an append can leave a partial last line; opening the log removes it (it was never
// acknowledged) and records that it did, as the next record (`audit.torn-tail-removed`).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Clock, systemClock } from '../common/clock.ts';
import { StepvaultError } from '../common/errors.ts';
import { type AuditRecord, GENESIS, hashRecord, scrubDetails } from './audit-record.ts';

export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

export interface AuditHead {
  seq: number;
  hash: string;
}

/** The audit log's file name in the daemon's state directory. */
export const AUDIT_LOG_NAME = 'audit.log';

export function headFileOf(file: string): string {
  return `${file}.head`;
}

export class AuditLog {
  readonly file: string;
  readonly #handle: fs.promises.FileHandle;
  readonly #clock: Clock;
  #head: AuditHead;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(file: string, handle: fs.promises.FileHandle, head: AuditHead, clock: Clock) {
    this.file = file;
    this.#handle = handle;
    this.#head = head;
    this.#clock = clock;
  }

  /** Opens (creating, 0600, with its directory 0700) the log at `file`. */
  static async open(file: string, options: { clock?: Clock } = {}): Promise<AuditLog> {
    const full = path.resolve(file);
    await fs.promises.mkdir(path.dirname(full), { recursive: true, mode: 0o700 });
    const { head, tornBytes } = await readTail(full);
    const created = !fs.existsSync(full);
    const handle = await fs.promises.open(
      full,
      fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT,
      0o600,
    );
    const log = new AuditLog(full, handle, head, options.clock ?? systemClock);
    try {
      const stat = await handle.stat();
      if ((stat.mode & 0o077) !== 0) await handle.chmod(0o600);
      if (created) await syncDirectory(path.dirname(full));
      if (tornBytes > 0) {
        await log.append({
          actor: 'stepvault',
          action: 'audit.torn-tail-removed',
          target: `audit:${path.basename(full)}`,
          details: { bytes: tornBytes },
        });
      }
    } catch (e) {
      await handle.close();
      throw e;
    }
    return log;
  }

  /** The last record's seq and hash (seq 0 and 64 zeros when the log is empty). */
  get head(): AuditHead {
    return { ...this.#head };
  }

  /** Appends a record; resolves once it is on disk. Concurrent calls are recorded in call order. */
  append(entry: AuditEntry): Promise<AuditRecord> {
    const run = this.#queue.then(() => this.#write(entry));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    await this.#handle.close();
  }

  async #write(entry: AuditEntry): Promise<AuditRecord> {
    if (this.#closed) throw new StepvaultError('internal', 'the audit log is closed');
    for (const field of ['actor', 'action', 'target'] as const) {
      if (typeof entry[field] !== 'string' || entry[field].trim() === '') {
        throw new StepvaultError('internal', `an audit record needs a non-empty ${field}`);
      }
    }
    const unsealed = {
      seq: this.#head.seq + 1,
      time: this.#clock.now().toISOString(),
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      details: scrubDetails(entry.details),
      prev: this.#head.hash,
    };
    const record: AuditRecord = { ...unsealed, hash: hashRecord(unsealed) };
    const line = `${JSON.stringify(record)}\n`;
    try {
      await this.#handle.write(line);
      await this.#handle.sync();
    } catch (e) {
      throw new StepvaultError('io', `cannot append to the audit log ${this.file}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    this.#head = { seq: record.seq, hash: record.hash };
    await writeHead(this.file, this.#head);
    return record;
  }
}

/** Reads the head file beside a log, if there is one. */
export function readHeadFile(file: string): AuditHead | undefined {
  let text: string;
  try {
    text = fs.readFileSync(headFileOf(file), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const head = JSON.parse(text) as AuditHead;
    if (Number.isSafeInteger(head.seq) && typeof head.hash === 'string')
      return { seq: head.seq, hash: head.hash };
  } catch {}
  throw new StepvaultError('corrupt', `the audit head file ${headFileOf(file)} is damaged`);
}

async function writeHead(file: string, head: AuditHead): Promise<void> {
  const target = headFileOf(file);
  const temp = `${target}.tmp`;
  const handle = await fs.promises.open(temp, 'w', 0o600);
  try {
    await handle.write(`${JSON.stringify(head)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temp, target);
}

/** The last complete record's seq and hash, and how many bytes of a torn last line were cut off. */
async function readTail(file: string): Promise<{ head: AuditHead; tornBytes: number }> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r+');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      return { head: { seq: 0, hash: GENESIS }, tornBytes: 0 };
    throw new StepvaultError('io', `cannot open the audit log ${file}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    const size = (await handle.stat()).size;
    let end = size;
    let tornBytes = 0;
    const chunk = 64 * 1024;
    let tail = Buffer.alloc(0);
    // Read backwards until the buffer holds the last complete line (and what follows it).
    while (end > 0) {
      const start = Math.max(0, end - chunk);
      const buffer = Buffer.alloc(end - start);
      await handle.read(buffer, 0, buffer.length, start);
      tail = Buffer.concat([buffer, tail]);
      end = start;
      const lastNewline = tail.lastIndexOf(0x0a);
      const before = lastNewline > 0 ? tail.lastIndexOf(0x0a, lastNewline - 1) : -1;
      if (lastNewline >= 0 && (before >= 0 || end === 0)) break;
    }
    const lastNewline = tail.lastIndexOf(0x0a);
    if (lastNewline !== tail.length - 1) {
      tornBytes = tail.length - 1 - lastNewline;
      await handle.truncate(size - tornBytes);
      await handle.sync();
      tail = tail.subarray(0, lastNewline + 1);
    }
    if (tail.length === 0) return { head: { seq: 0, hash: GENESIS }, tornBytes };
    const lastLine = tail
      .subarray(tail.lastIndexOf(0x0a, tail.length - 2) + 1, tail.length - 1)
      .toString('utf8');
    let record: AuditRecord;
    try {
      record = JSON.parse(lastLine) as AuditRecord;
    } catch {
      throw new StepvaultError('corrupt', `the last record of the audit log ${file} is not JSON`, {
        hint: 'run `stepvault audit verify` to find the first damaged line',
      });
    }
    if (
      !Number.isSafeInteger(record.seq) ||
      typeof record.hash !== 'string' ||
      hashRecord(record) !== record.hash
    ) {
      throw new StepvaultError(
        'corrupt',
        `the last record of the audit log ${file} does not match its hash`,
        {
          hint: 'run `stepvault audit verify` to find the first damaged line',
        },
      );
    }
    return { head: { seq: record.seq, hash: record.hash }, tornBytes };
  } finally {
    await handle.close();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems cannot sync directories; the file's own fsync still holds.
  } finally {
    await handle.close();
  }
}
