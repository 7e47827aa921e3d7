// The step journal of a Confluence restore: what was already created in the target (old id -> new id, per
// content item, attachment and comment) and which steps are done, kept in the local state directory so that an
// interrupted restore resumes without duplicates. One JSON Lines file per (target site, snapshot, space):
// `<stateDir>/restores/<target-host>/<snapshot-id>-<space-key>.jsonl`.
//
// Each record is appended with one write before the caller goes on (records that arrive while a write is in
// flight are written together), so a killed process loses nothing. The file is flushed to disk (fdatasync) at
// most a second later and on close: waiting for the disk after every record would make a restore several
// times slower. What a power loss takes (the last second, a torn last line, ignored on load) the restore finds
// again in the target: pages by title, blog posts by title and date, attachments by file name, comments by body.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { StepvaultError } from '../../../common/errors.ts';

export const JOURNAL_FORMAT = 'stepvault-confluence-restore/1';
const SYNC_INTERVAL_MS = 1000;

const recordSchema = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('header'),
    format: z.literal(JOURNAL_FORMAT),
    snapshot: z.string(),
    site: z.string(),
    space: z.string(),
  }),
  z.object({
    t: z.literal('space'),
    key: z.string(),
    id: z.string(),
    homepageId: z.string().optional(),
    created: z.boolean(),
  }),
  /** A content item: `created` when this restore made it (its order and content are then known). */
  z.object({ t: z.literal('item'), old: z.string(), new: z.string(), created: z.boolean() }),
  /** An attachment and how many of its stored versions are uploaded. */
  z.object({ t: z.literal('att'), old: z.string(), new: z.string(), versions: z.number().int() }),
  z.object({ t: z.literal('comment'), old: z.string(), new: z.string() }),
  z.object({ t: z.literal('done'), step: z.string() }),
]);
export type JournalRecord = z.infer<typeof recordSchema>;
type Body<T extends JournalRecord['t']> = Omit<Extract<JournalRecord, { t: T }>, 't'>;

/** What a journal knows, rebuilt from its records. */
export class JournalState {
  space: Body<'space'> | undefined;
  /** Old content id -> new content id. */
  readonly items = new Map<string, string>();
  /** Old ids of the items this restore created (rather than found in the target). */
  readonly created = new Set<string>();
  readonly attachments = new Map<string, { id: string; versions: number }>();
  readonly comments = new Map<string, string>();
  readonly done = new Set<string>();

  apply(record: JournalRecord): void {
    switch (record.t) {
      case 'header':
        return;
      case 'space':
        this.space = { key: record.key, id: record.id, created: record.created };
        if (record.homepageId !== undefined) this.space.homepageId = record.homepageId;
        return;
      case 'item':
        this.items.set(record.old, record.new);
        if (record.created) this.created.add(record.old);
        return;
      case 'att':
        this.attachments.set(record.old, { id: record.new, versions: record.versions });
        return;
      case 'comment':
        this.comments.set(record.old, record.new);
        return;
      case 'done':
        this.done.add(record.step);
        return;
    }
  }
}

/** A file name part from a host (`127.0.0.1:8090` -> `127.0.0.1_8090`): no separators, nothing hidden. */
export function hostDirName(siteUrl: string): string {
  let host: string;
  try {
    host = new URL(siteUrl).host;
  } catch {
    host = siteUrl;
  }
  const safe = host.toLowerCase().replace(/[^a-z0-9.-]/g, '_');
  return safe === '' || safe.startsWith('.') ? `_${safe}` : safe;
}

/**
 * The journal of restoring one space of a snapshot into one target space: `<snapshot>-<KEY>.jsonl` when the
 * target space has the snapshot space's key, `<snapshot>-<KEY>-to-<TARGET>.jsonl` otherwise (a restore of the
 * same space into another space is another restore, with other new ids).
 */
export function journalPath(
  stateDir: string,
  targetSite: string,
  snapshotId: string,
  spaceKey: string,
  targetKey: string = spaceKey,
): string {
  const safe = (key: string) => key.replace(/[^A-Za-z0-9_~-]/g, '_');
  const name =
    targetKey.toUpperCase() === spaceKey.toUpperCase()
      ? `${snapshotId}-${safe(spaceKey)}.jsonl`
      : `${snapshotId}-${safe(spaceKey)}-to-${safe(targetKey)}.jsonl`;
  return path.join(stateDir, 'restores', hostDirName(targetSite), name);
}

function parseLines(text: string, file: string): JournalRecord[] {
  const lines = text.split('\n');
  const out: JournalRecord[] = [];
  for (const [i, line] of lines.entries()) {
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // Only the last line can be torn (it was being appended when the machine stopped).
      if (i === lines.length - 1) break;
      throw new StepvaultError('corrupt', `restore journal ${file}: line ${i + 1} is not JSON`, {
        hint: 'delete the file to start the restore over (pages that exist are then found by title)',
      });
    }
    const parsed = recordSchema.safeParse(value);
    if (!parsed.success)
      throw new StepvaultError('corrupt', `restore journal ${file}: line ${i + 1} is not a journal record`, {
        hint: 'delete the file to start the restore over (pages that exist are then found by title)',
      });
    out.push(parsed.data);
  }
  return out;
}

/** Reads a journal without opening it for writing (dry runs, and other spaces' id maps). */
export function readJournal(file: string): JournalState {
  const state = new JournalState();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return state;
    throw new StepvaultError('io', `cannot read restore journal ${file}`, { cause: e });
  }
  for (const record of parseLines(text, file)) state.apply(record);
  return state;
}

/**
 * Old -> new content ids that restores of this snapshot's other spaces into spaces of the same keys on this
 * target recorded: links across spaces restored in separate runs. Journals of `spaceKey` itself (its items
 * have their own journal) and of restores into other keys are left out.
 */
export function readSiblingIdMaps(file: string, snapshotId: string, spaceKey: string): Map<string, string> {
  const dir = path.dirname(file);
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return out;
  }
  const own = path.basename(journalPath(dir, '', snapshotId, spaceKey));
  const sameKey = new RegExp(`^${snapshotId}-[A-Za-z0-9_~-]+\\.jsonl$`);
  for (const name of names.sort()) {
    if (!sameKey.test(name) || name.includes('-to-') || name === own) continue;
    for (const [oldId, newId] of readJournal(path.join(dir, name)).items) out.set(oldId, newId);
  }
  return out;
}

export interface JournalHeader {
  snapshot: string;
  site: string;
  space: string;
}

export class RestoreJournal {
  readonly file: string;
  readonly state: JournalState;
  readonly #fd: number | undefined;
  #pending: { line: string; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #writing: Promise<void> | undefined;
  #syncTimer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;
  #failure: unknown;

  private constructor(file: string, state: JournalState, fd: number | undefined) {
    this.file = file;
    this.state = state;
    this.#fd = fd;
  }

  /** A journal that keeps its state in memory only (dry runs, or no state directory). */
  static inMemory(state = new JournalState()): RestoreJournal {
    return new RestoreJournal('', state, undefined);
  }

  /** Opens (or creates) the journal file; a journal of another snapshot, site or space is refused. */
  static open(file: string, header: JournalHeader): RestoreJournal {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new StepvaultError('io', `cannot read restore journal ${file}`, { cause: e });
    }
    const records = parseLines(text, file);
    const first = records[0];
    if (
      first &&
      (first.t !== 'header' ||
        first.snapshot !== header.snapshot ||
        first.site !== header.site ||
        first.space !== header.space)
    ) {
      throw new StepvaultError('conflict', `restore journal ${file} belongs to another restore`, {
        hint: 'move it away to start over',
      });
    }
    const state = new JournalState();
    for (const record of records) state.apply(record);
    // Drop a torn tail so that appends start on a fresh line.
    const whole = text === '' || text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    if (whole !== text) fs.truncateSync(file, Buffer.byteLength(whole));
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
    const journal = new RestoreJournal(file, state, fd);
    if (!first) {
      const line = `${JSON.stringify({ t: 'header', format: JOURNAL_FORMAT, ...header })}\n`;
      fs.writeSync(fd, line);
      fs.fdatasyncSync(fd);
    }
    return journal;
  }

  /** Applies the record and resolves once it is written (in the kernel; on disk within a second). */
  record(record: JournalRecord): Promise<void> {
    this.state.apply(record);
    if (this.#fd === undefined) return Promise.resolve();
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ line: `${JSON.stringify(record)}\n`, resolve, reject });
      this.#writing ??= this.#flush();
    });
  }

  async #flush(): Promise<void> {
    await Promise.resolve(); // let records of the same turn join this write
    const fd = this.#fd!;
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        await new Promise<void>((resolve, reject) =>
          fs.write(fd, batch.map((p) => p.line).join(''), (e) => (e ? reject(e) : resolve())),
        );
        for (const p of batch) p.resolve();
        this.#syncTimer ??= setTimeout(() => {
          this.#syncTimer = undefined;
          this.#syncing = new Promise<void>((resolve) => fs.fdatasync(fd, () => resolve()));
        }, SYNC_INTERVAL_MS).unref();
      } catch (e) {
        this.#failure = new StepvaultError('io', `cannot write restore journal ${this.file}`, { cause: e });
        for (const p of [...batch, ...this.#pending]) p.reject(this.#failure);
        this.#pending = [];
      }
    }
    this.#writing = undefined;
  }

  /** Waits for records in flight, flushes them to disk and closes the file. */
  async close(): Promise<void> {
    while (this.#writing) await this.#writing;
    clearTimeout(this.#syncTimer);
    this.#syncTimer = undefined;
    await this.#syncing;
    if (this.#fd === undefined) return;
    fs.fdatasyncSync(this.#fd);
    fs.closeSync(this.#fd);
  }
}
