// Builds the tree of one Confluence backup (docs/confluence-layout.md), in phases:
//   1. listing (listing-phase.ts): spaces, then per space its pages and blog posts (storage bodies with them when
//      there is no parent), folders/whiteboards/databases/smart links; and, between sweeps, the site-wide
//      attachments and comments changed since the parent's watermarks;
//   2. the metadata sweep when due (metadata-sweep.ts): space and item metadata, attachment labels, and complete
//      site-wide listings of attachments and comments — timed and counted apart;
//   3. bodies of new and changed pages and blog posts, in batches of 250 ids;
//   4. items, concurrently: each reused from the parent where its id and version match, fetched otherwise;
//   5. one more attempt for every item that failed; what still fails is looked up alone: deleted if the site
//      says so (404 or status `deleted`: left out, and counted), otherwise listed as missing;
//   6. the site and space records, then the tree, bottom-up.
// Listing failures (a cursor cycle among them) fail the backup: it could not say what it missed. Nothing
// listed is left out on an assumption: an item a batch read omits is read alone (body-batches.ts).

import { forEachConcurrently } from '../../../common/concurrency.ts';
import { DiskSpool } from '../../../common/disk-spool.ts';
import type { MissingItem } from '../../../domain/snapshot.ts';
import type { ContentWriter, StoredContent } from '../../../repository/content-writer.ts';
import type { RepositoryWriter } from '../../../repository/repository-writer.ts';
import { TreeBuilder } from '../../../repository/tree/tree-builder.ts';
import { AccountIds } from '../../../sources/confluence/account-ids.ts';
import { type BodyState, fetchBodies } from '../../../sources/confluence/body-batches.ts';
import { laterOf } from '../../../sources/confluence/change-scan.ts';
import type { Attachment, Space } from '../../../sources/confluence/client/records.ts';
import { confirmedDeleted } from '../../../sources/confluence/deletion-check.ts';
import {
  type BackupOptionsRecord,
  type ContentRecord,
  checkSpaceKey,
  encodeRecord,
  LAYOUT_FORMAT,
  type LabelRecord,
  paths,
  type SiteRecord,
  type Watermarks,
} from '../../../sources/confluence/layout.ts';
import type { BackupApi } from '../../../sources/confluence/read-api.ts';
import { type ApiComment, spaceRecord } from '../../../sources/confluence/record-mapping.ts';
import { listSpaceInventory, type TreeItemRef } from '../../../sources/confluence/space-inventory.ts';
import {
  type ArchiveRun,
  addListed,
  CountingContent,
  type Listed,
  type ListedItem,
  listedRecord,
  type SpaceWork,
} from './archive-run.ts';
import {
  archiveItem,
  type DeletedItem,
  type Entry,
  errorText,
  type ItemContext,
  type ItemCounters,
  zeroCounters,
} from './item-archiver.ts';
import { listSpaces, refusedSearches, scanChanges, treeItems } from './listing-phase.ts';
import { fetchSpaceMeta, sweepMetadata } from './metadata-sweep.ts';
import { missingItemPath, type ParentState } from './parent-state.ts';
import { claims, type SpaceClaim } from './space-claims.ts';
import { SWEEP_ALL, type SweepScope, sweeps, sweepsListings } from './sweep-scope.ts';
import { usersDirectory } from './users-directory.ts';

export interface ConfluenceArchiveRequest {
  site: string;
  cloudId?: string | undefined;
  options: BackupOptionsRecord;
  /** What the metadata sweep covers (the whole site without a parent, whatever this says). */
  sweep: SweepScope;
  /** Items processed at once. @default 16 */
  concurrency?: number | undefined;
  /**
   * The backup's time (site.json, and the mtime of files that have no time of their own); default: when `archive`
   * starts. The parts of one fan-out backup share the run's time, so their trees join into the tree one backup
   * of the whole site would have made.
   */
  time?: Date | undefined;
  /** Spaces of which this backup takes a slice only (a part of a fan-out): the items `claims` says are its. */
  slices?: Readonly<Record<string, Pick<SpaceClaim, 'of' | 'indices'>>> | undefined;
  /** The spaces `options.spaces` names, when the caller has just listed them (else they are listed here). */
  spaces?: readonly Space[] | undefined;
}

export type ConfluencePhase = 'listing' | 'sweep' | 'bodies' | 'items' | 'retry' | 'writing';

export interface ConfluenceProgress {
  phase: ConfluencePhase;
  spaces: number;
  items: number;
  itemsDone: number;
  attachmentsDownloaded: number;
  bytesDownloaded: number;
  requests: number;
  errors: number;
}

export interface ConfluenceCounts extends ItemCounters {
  spaces: number;
  items: number;
  /** Items that were not in the parent. */
  itemsNew: number;
  requests: number;
  retries: number;
  rateLimited: number;
  /** `fallbacks`: batched searches that failed, so their items were read one by one (slower, not less). */
  sweep: { ran: boolean; requests: number; seconds: number; fallbacks: string[] };
  /** Items and attachments listed, then confirmed deleted by the site when read alone: not in the snapshot. */
  deletedDuringBackup: number;
  /** Bytes of content stored (before deduplication) and of new chunks. */
  bytesStored: number;
  dataAdded: number;
}

/** Counts of a backup that did nothing yet. */
export function emptyCounts(): ConfluenceCounts {
  return {
    ...zeroCounters(),
    spaces: 0,
    items: 0,
    itemsNew: 0,
    requests: 0,
    retries: 0,
    rateLimited: 0,
    sweep: { ran: false, requests: 0, seconds: 0, fallbacks: [] },
    deletedDuringBackup: 0,
    bytesStored: 0,
    dataAdded: 0,
  };
}

export interface ArchiveOutcome {
  tree: string;
  site: SiteRecord;
  missing: MissingItem[];
  /** What was listed but confirmed deleted before it could be read (not in the snapshot). */
  deleted: DeletedItem[];
  counts: ConfluenceCounts;
}

export interface ArchiveDeps {
  api: BackupApi;
  content: ContentWriter;
  writer: RepositoryWriter;
  parent: ParentState | undefined;
  now: () => Date;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: ConfluenceProgress) => void) | undefined;
}

export class ConfluenceArchiver {
  readonly #deps: ArchiveDeps;
  readonly #request: ConfluenceArchiveRequest;
  readonly #builder = new TreeBuilder();
  readonly #content: CountingContent;
  readonly #missing: MissingItem[] = [];
  readonly #deleted: DeletedItem[] = [];
  readonly #counters: ItemCounters = zeroCounters();
  #phase: ConfluencePhase = 'listing';
  #itemsTotal = 0;
  #itemsDone = 0;
  #errors = 0;

  readonly #run: ArchiveRun;
  /** The listed items' records (closed by `archive`). */
  readonly #records = new DiskSpool<ContentRecord>();

  constructor(request: ConfluenceArchiveRequest, deps: ArchiveDeps) {
    this.#request = request;
    this.#deps = deps;
    this.#content = new CountingContent(deps.content);
    this.#run = {
      api: deps.api,
      parent: deps.parent,
      signal: deps.signal,
      content: this.#content,
      accounts: new AccountIds(),
      records: this.#records,
      concurrency: request.concurrency ?? 16,
      miss: (item) => this.#miss(item),
      gone: (spaceKey, item, reason) => this.#gone(spaceKey, item, reason),
      progress: () => this.#progress(),
    };
  }

  async archive(): Promise<ArchiveOutcome> {
    try {
      return await this.#archive();
    } finally {
      this.#records.close();
    }
  }

  async #archive(): Promise<ArchiveOutcome> {
    const { api, parent } = this.#deps;
    const options = this.#request.options;
    const started = this.#request.time ?? this.#deps.now();
    const backupTime = started.toISOString();
    const scope: SweepScope = parent ? this.#request.sweep : SWEEP_ALL;
    const complete = sweepsListings(scope);
    const swept = (id: string) => sweeps(scope, id);
    const signal = this.#signal();
    const requestsAtStart = api.stats().totalRequests;
    const retriesAtStart = api.stats().retries;
    const limitedAtStart = api.stats().rateLimited;

    // 1. Listing.
    const spaces = this.#request.spaces ?? (await listSpaces(this.#run, this.#request.site, options));
    const works: SpaceWork[] = spaces.map((space) => ({ space, key: checkSpaceKey(space.key), items: [] }));
    /** Whether an item of a space is this backup's: all are, but in a part that has a slice of the space. */
    const owns = (work: SpaceWork, id: string) => {
      const slice = this.#request.slices?.[work.key];
      return slice === undefined || claims(slice, id);
    };
    /** Storage bodies that came with the listing (a full backup), stored at once: never all held in memory. */
    const listedBodies = new Map<string, { stored: StoredContent; version: number }>();
    const treeRefs: { work: SpaceWork; ref: TreeItemRef }[] = [];
    const watermarks: Watermarks = {};
    const onBody = async (id: string, version: number, value: string) => {
      this.#run.accounts.seeBody(value);
      const stored = await this.#content.storeBytes(Buffer.from(value));
      const held = listedBodies.get(id);
      if (!held || held.version <= version) listedBodies.set(id, { stored, version });
    };
    await forEachConcurrently(works, 4, async (work) => {
      const inventory = await listSpaceInventory(api, work.space, {
        bodies: parent
          ? undefined
          : {
              format: 'storage',
              onBody: async (id, v, value) => (owns(work, id) ? onBody(id, v, value) : undefined),
            },
        signal: this.#deps.signal,
      });
      for (const doc of inventory.documents) {
        if (!owns(work, doc.id)) continue;
        addListed(this.#run, work, doc);
        // A body listed for another version than the newest listed one is fetched again with the rest.
        const listed = listedBodies.get(doc.id);
        if (listed && listed.version !== doc.version.number) listedBodies.delete(doc.id);
        const field = doc.type === 'page' ? 'pages' : 'blogposts';
        watermarks[field] = laterOf(watermarks[field], doc.version.createdAt);
      }
      for (const ref of inventory.treeItems) treeRefs.push({ work, ref });
      if (inventory.refused.length > 0) await refusedSearches(this.#run, work, inventory, treeRefs);
      this.#progress();
    });
    const failedTreeItems = await treeItems(
      this.#run,
      treeRefs.filter(({ work, ref }) => owns(work, ref.id)),
      swept,
    );
    const byId: Listed = new Map();
    for (const work of works) for (const item of work.items) byId.set(item.id, { work, item });

    // Every comment of the site, when the sweep lists them all, waits on disk for its container's turn.
    using commentSpool = new DiskSpool<ApiComment>();
    const comments = { complete, byContainer: commentSpool, affected: new Set<string>() };
    const attachments = { complete, byContainer: new Map<string, Attachment[]>() };
    if (!complete) {
      await scanChanges(this.#run, parent!, byId, comments, attachments, watermarks);
    }

    // 2. The metadata sweep.
    const metas = new Map<string, StoredContent>();
    const attachmentLabels = new Map<string, LabelRecord[]>();
    const sweepStats = { ran: scope.kind !== 'none', requests: 0, seconds: 0, fallbacks: [] as string[] };
    if (sweepStats.ran) {
      this.#phase = 'sweep';
      const t0 = this.#deps.now().getTime();
      const r0 = api.stats().totalRequests;
      const { fallbacks } = await sweepMetadata(
        this.#run,
        scope,
        works,
        byId,
        comments,
        attachments,
        metas,
        attachmentLabels,
        watermarks,
      );
      sweepStats.fallbacks = fallbacks;
      sweepStats.requests = api.stats().totalRequests - r0;
      sweepStats.seconds = (this.#deps.now().getTime() - t0) / 1000;
    }

    // 3. Bodies of new and changed pages and blog posts.
    this.#phase = 'bodies';
    this.#progress();
    const bodies: ItemContext['bodies'] = new Map();
    const bodyFailures = new Map<string, unknown>();
    /** Left out of a batch read and confirmed deleted when read alone: id -> how. */
    const deleted = new Map<string, string>();
    const states = new Map<string, BodyState>();
    for (const work of works) {
      const parentItems = parent ? await parent.items(work.key) : undefined;
      for (const item of work.items) {
        if (item.type !== 'page' && item.type !== 'blogpost') continue;
        const old = parentItems?.get(item.id);
        if (
          old &&
          old.version.number === item.version.number &&
          old.type === item.type &&
          !parent!.incomplete.has(item.id)
        )
          continue;
        const listed = listedBodies.get(item.id);
        const state: BodyState = { type: item.type, newest: item.version.number };
        if (listed) {
          bodies.set(item.id, { storage: listed.stored });
          state.storage = listed.version;
        }
        states.set(item.id, state);
      }
    }
    listedBodies.clear();
    await this.#fetchBodies(states, bodies, bodyFailures, deleted);

    // 4. Items.
    this.#phase = 'items';
    const ctx: ItemContext = {
      api,
      accounts: this.#run.accounts,
      content: this.#content as unknown as ContentWriter,
      parent,
      history: options.history,
      attachmentVersions: options.attachmentVersions,
      drafts: options.drafts,
      sweeps: swept,
      backupTime,
      signal,
      bodies,
      metas,
      attachmentLabels,
      comments,
      attachments,
      counters: this.#counters,
    };
    const all: { work: SpaceWork; item: ListedItem }[] = [];
    for (const work of works) {
      for (const item of work.items)
        if (deleted.has(item.id)) this.#gone(work.key, item, deleted.get(item.id)!);
      work.items = work.items.filter((i) => !deleted.has(i.id));
      for (const item of work.items) all.push({ work, item });
    }
    this.#itemsTotal = all.length;
    const failed: { work: SpaceWork; item: ListedItem }[] = [];
    const concurrency = this.#request.concurrency ?? 16;
    await forEachConcurrently(all, concurrency, async (entry) => {
      let committed = false;
      try {
        if (bodyFailures.has(entry.item.id)) throw bodyFailures.get(entry.item.id);
        const result = await archiveItem(ctx, entry.work.key, listedRecord(this.#run, entry.item), false);
        this.#commit(result.entries, result.counters);
        committed = true;
        this.#itemsDone++;
      } catch (_error) {
        this.#deps.signal?.throwIfAborted();
        failed.push(entry);
      }
      // Outside the try: a repository that cannot store the item's tree fails the backup, it is not retried.
      if (committed) await this.#sealItem(entry.work.key, entry.item.id, bodies, metas);
      this.#progress();
    });

    // 5. One more attempt for what failed.
    this.#phase = 'retry';
    for (const { work, item } of failedTreeItems) failed.push({ work, item });
    await forEachConcurrently(failed, Math.min(4, concurrency), async ({ work, item }) => {
      let committed = false;
      try {
        if (bodyFailures.has(item.id)) {
          bodyFailures.delete(item.id);
          const retry = new Map([
            [item.id, { type: item.type as 'page' | 'blogpost', newest: item.version.number }],
          ]);
          await this.#fetchBodies(retry, bodies, bodyFailures, deleted);
          if (deleted.has(item.id)) {
            this.#gone(work.key, item, deleted.get(item.id)!);
            work.items = work.items.filter((i) => i.id !== item.id);
            return;
          }
          if (bodyFailures.has(item.id)) throw bodyFailures.get(item.id);
        }
        const result = await archiveItem(ctx, work.key, listedRecord(this.#run, item), true);
        this.#commit(result.entries, result.counters);
        committed = true;
        for (const m of result.missing) this.#miss(m);
        for (const d of result.deleted) this.#deleted.push(d);
      } catch (error) {
        this.#deps.signal?.throwIfAborted();
        const gone = await confirmedDeleted(api, item.type, item.id, signal);
        if (gone !== undefined) {
          this.#gone(work.key, item, gone);
          work.items = work.items.filter((i) => i.id !== item.id);
          this.#itemsDone++;
          this.#progress();
          return;
        }
        this.#miss({ path: missingItemPath(work.key, item), error: errorText(error) });
        const old = parent ? await parent.node(paths.itemDir(work.key, item.id)) : undefined;
        if (old && !this.#builder.has(paths.itemDir(work.key, item.id)))
          this.#builder.graft(paths.itemDir(work.key, item.id), old);
      }
      if (committed) await this.#sealItem(work.key, item.id, bodies, metas);
      this.#itemsDone++;
      this.#progress();
    });

    // 6. Site and space records, then the tree.
    this.#phase = 'writing';
    this.#progress();
    for (const work of works) {
      this.#builder.addFile(
        paths.space(work.key),
        await this.#content.storeBytes(encodeRecord(spaceRecord(work.space))),
        work.space.createdAt ?? backupTime,
      );
      let meta = work.meta;
      if (!meta) {
        const old = parent ? await parent.node(paths.spaceMeta(work.key)) : undefined;
        if (old) this.#builder.graft(paths.spaceMeta(work.key), old);
        else
          meta = await this.#content.storeBytes(
            encodeRecord(this.#run.accounts.see(await fetchSpaceMeta(this.#run, work.space))),
          );
      }
      if (meta) this.#builder.addFile(paths.spaceMeta(work.key), meta, backupTime);
      this.#builder.addDir(paths.contentDir(work.key));
    }
    const finalWatermarks: Watermarks = {};
    for (const key of ['pages', 'blogposts', 'attachments', 'footerComments', 'inlineComments'] as const) {
      const value = laterOf(watermarks[key], parent?.site.watermarks[key]);
      if (value !== undefined) finalWatermarks[key] = value;
    }
    const site: SiteRecord = {
      format: LAYOUT_FORMAT,
      site: this.#request.site,
      ...(this.#request.cloudId ? { cloudId: this.#request.cloudId } : {}),
      time: backupTime,
      options,
      watermarks: finalWatermarks,
      // A rolling sweep has swept the whole site when its last slice is done.
      ...(scope.kind === 'all' || (scope.kind === 'slice' && scope.index === scope.of - 1)
        ? { lastSweep: backupTime }
        : parent?.site.lastSweep
          ? { lastSweep: parent.site.lastSweep }
          : {}),
      swept: scope.kind !== 'none',
      // A backup without a sweep keeps the rolling sweep's place, so the next slice follows the last one swept.
      ...(scope.kind === 'slice'
        ? { sweepSlice: { index: scope.index, of: scope.of } }
        : scope.kind === 'none' && parent?.site.sweepSlice
          ? { sweepSlice: parent.site.sweepSlice }
          : {}),
    };
    this.#builder.addFile(paths.site(), await this.#content.storeBytes(encodeRecord(site)), backupTime);
    const users = await usersDirectory(this.#run, complete);
    this.#builder.addFile(paths.users(), await this.#content.storeBytes(encodeRecord(users)), backupTime);
    const tree = await this.#builder.write(this.#deps.writer);
    const stats = api.stats();
    let itemsNew = 0;
    for (const work of works) {
      const parentItems = parent ? await parent.items(work.key) : undefined;
      for (const item of work.items) if (!parentItems?.has(item.id)) itemsNew++;
    }
    return {
      tree,
      site,
      missing: this.#missing,
      deleted: this.#deleted,
      counts: {
        ...this.#counters,
        spaces: works.length,
        items: works.reduce((n, w) => n + w.items.length, 0),
        itemsNew,
        requests: stats.totalRequests - requestsAtStart,
        retries: stats.retries - retriesAtStart,
        rateLimited: stats.rateLimited - limitedAtStart,
        sweep: sweepStats,
        deletedDuringBackup: this.#deleted.length,
        bytesStored: this.#content.stored,
        dataAdded: this.#content.added,
      },
    };
  }

  #signal(): AbortSignal | undefined {
    return this.#deps.signal;
  }

  #miss(item: MissingItem): void {
    this.#missing.push(item);
    this.#errors++;
  }

  /** Records an item the site confirmed deleted after it was listed. */
  #gone(spaceKey: string, item: ListedItem, reason: string): void {
    this.#deleted.push({ path: missingItemPath(spaceKey, item), reason });
  }

  /**
   * Writes an item's directory as soon as it is complete, keeping one node of it in the tree builder, and drops
   * what the earlier phases held for it: the memory a backup keeps per item stays small, however many there are.
   */
  async #sealItem(
    spaceKey: string,
    id: string,
    bodies: ItemContext['bodies'],
    metas: ItemContext['metas'],
  ): Promise<void> {
    bodies.delete(id);
    metas.delete(id);
    await this.#builder.seal(paths.itemDir(spaceKey, id), this.#deps.writer);
  }

  #commit(entries: Entry[], counters: ItemCounters): void {
    for (const key of Object.keys(counters) as (keyof ItemCounters)[]) this.#counters[key] += counters[key];
    for (const e of entries) {
      if ('graft' in e) this.#builder.graft(e.path, e.graft);
      else this.#builder.addFile(e.path, e.file, e.mtime);
    }
  }

  #progress(): void {
    this.#deps.onProgress?.({
      phase: this.#phase,
      spaces: 0,
      items: this.#itemsTotal,
      itemsDone: this.#itemsDone,
      attachmentsDownloaded: this.#counters.attachmentsDownloaded,
      bytesDownloaded: this.#counters.bytesDownloaded,
      requests: this.#deps.api.stats().totalRequests,
      errors: this.#errors,
    });
  }

  async #fetchBodies(
    states: Map<string, BodyState>,
    bodies: ItemContext['bodies'],
    failures: Map<string, unknown>,
    deleted: Map<string, string>,
  ): Promise<void> {
    if (states.size === 0) return;
    await fetchBodies(
      this.#deps.api,
      states,
      {
        body: async (id, format, value, record) => {
          const held = bodies.get(id) ?? {};
          if (format === 'storage') this.#run.accounts.seeBody(value);
          const stored = await this.#content.storeBytes(Buffer.from(value));
          if (format === 'storage') held.storage = stored;
          else held.adf = stored;
          if (!held.record || held.record.version.number <= record.version.number) held.record = record;
          bodies.set(id, held);
        },
        deleted: (id, reason) => deleted.set(id, reason),
        failed: (id, error) => failures.set(id, error),
      },
      this.#deps.signal,
    );
  }
}
