// What the phases of one Confluence backup share (listing-phase.ts, metadata-sweep.ts, the archiver): the client,
// the parent snapshot, the content writer that counts what it stores, and the ways to name an item missing or
// deleted and to show progress.

import type { MissingItem } from '../../../domain/snapshot.ts';
import type { ContentWriter, StoredContent } from '../../../repository/content-writer.ts';
import type { AccountIds } from '../../../sources/confluence/account-ids.ts';
import type { Space } from '../../../sources/confluence/client/records.ts';
import type { ContentRecord } from '../../../sources/confluence/layout.ts';
import type { BackupApi } from '../../../sources/confluence/read-api.ts';
import type { ParentState } from './parent-state.ts';

/** One space being backed up: its items as listed (and read), and its metadata record once stored. */
export interface SpaceWork {
  space: Space;
  key: string;
  items: ContentRecord[];
  meta?: StoredContent;
}

/** Every listed item by id, with its space. */
export type Listed = Map<string, { work: SpaceWork; item: ContentRecord }>;

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
  gone(spaceKey: string, item: ContentRecord, reason: string): void;
  progress(): void;
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
