// What the phases of one Confluence backup share (listing-phase.ts, metadata-sweep.ts, the archiver): the client,
// the parent snapshot, the content writer that counts what it stores, and the ways to name an item missing or
// deleted and to show progress.

import type { DiskSpool } from '../../../common/disk-spool.ts';
import type { MissingItem } from '../../../domain/snapshot.ts';
import type { ContentWriter, StoredContent } from '../../../repository/content-writer.ts';
import type { AccountIds } from '../../../sources/confluence/account-ids.ts';
import type { Space } from '../../../sources/confluence/client/records.ts';
import type { ContentRecord } from '../../../sources/confluence/layout.ts';
import type { BackupApi } from '../../../sources/confluence/read-api.ts';
import type { ParentState } from './parent-state.ts';

/**
 * What the phases hold in memory of a listed item; its whole record waits on disk in `ArchiveRun.records`
 * (`addListed`, `listedRecord`), so a large site's records are not all in the heap at once.
 */
export type ListedItem = Pick<ContentRecord, 'id' | 'type' | 'status' | 'title'> & {
  version: { number: number };
};

/** One space being backed up: its items as listed (and read), and its metadata record once stored. */
export interface SpaceWork {
  space: Space;
  key: string;
  items: ListedItem[];
  meta?: StoredContent;
}

/** Every listed item by id, with its space. */
export type Listed = Map<string, { work: SpaceWork; item: ListedItem }>;

export interface ArchiveRun {
  api: BackupApi;
  parent: ParentState | undefined;
  signal: AbortSignal | undefined;
  content: CountingContent;
  /** The account ids of what this backup stores (for users.json). */
  accounts: AccountIds;
  /** Items read at once. */
  concurrency: number;
  /** Names an item the snapshot will lack (the backup is then partial). */
  miss(item: MissingItem): void;
  /** Records an item the site confirmed deleted after it was listed. */
  gone(spaceKey: string, item: ListedItem, reason: string): void;
  /** The whole records of the listed items, by id. */
  records: DiskSpool<ContentRecord>;
  progress(): void;
}

/** Lists an item of `work`: its record on disk, what the phases need of it in the space's list. */
export function addListed(run: ArchiveRun, work: SpaceWork, record: ContentRecord): void {
  work.items.push(keepRecord(run, work, record));
}

/** Puts an item's record on disk; returns what the phases hold of it. */
export function keepRecord(run: ArchiveRun, work: SpaceWork, record: ContentRecord): ListedItem {
  run.records.put(record.id, work.key, record.version.number, record);
  return {
    id: record.id,
    type: record.type,
    status: record.status,
    title: record.title,
    version: { number: record.version.number },
  };
}

/** The whole record of a listed item. */
export function listedRecord(run: ArchiveRun, item: ListedItem): ContentRecord {
  const record = run.records.get(item.id);
  if (!record) throw new Error(`the record of listed ${item.type} ${item.id} is not in the spool`);
  return record;
}

/** Counts what goes into the repository. */
export class CountingContent {
  readonly #inner: ContentWriter;
  stored = 0;
  added = 0;
  constructor(inner: ContentWriter) {
    this.#inner = inner;
  }
  async storeBytes(data: Uint8Array): Promise<StoredContent> {
    return this.#count(await this.#inner.storeBytes(data));
  }
  async storeStream(pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StoredContent> {
    return this.#count(await this.#inner.storeStream(pieces));
  }
  #count(s: StoredContent): StoredContent {
    this.stored += s.size;
    this.added += s.added;
    return s;
  }
}
