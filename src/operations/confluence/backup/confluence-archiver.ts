// Builds the tree of one Confluence backup (docs/confluence-layout.md), in phases:
//   1. listing: spaces, then per space its pages and blog posts (storage bodies with them when there is no
//      parent), folders/whiteboards/databases/smart links; and, between sweeps, the site-wide attachments and
//      comments changed since the parent's watermarks;
//   2. the metadata sweep (when due): space and item metadata, attachment labels, and complete site-wide
//      listings of attachments and comments — timed and counted apart;
//   3. bodies of new and changed pages and blog posts, in batches of 250 ids;
//   4. items, concurrently: each reused from the parent where its id and version match, fetched otherwise;
//   5. one more attempt for every item that failed; what still fails is looked up alone: deleted if the site
//      says so (404 or status `deleted`: left out, and counted), otherwise listed as missing;
//   6. the site and space records, then the tree, bottom-up.
// Listing failures (a cursor cycle among them) fail the backup: it could not say what it missed. Nothing
// listed is left out on an assumption: an item a batch read omits is read alone (body-batches.ts).

import { forEachConcurrently } from '../../../common/concurrency.ts';
import { StepvaultError } from '../../../common/errors.ts';
import type { MissingItem } from '../../../domain/snapshot.ts';
import type { ContentWriter, StoredContent } from '../../../repository/content-writer.ts';
import type { RepositoryWriter } from '../../../repository/repository-writer.ts';
import { TreeBuilder } from '../../../repository/tree/tree-builder.ts';
import { type BodyState, fetchBodies } from '../../../sources/confluence/body-batches.ts';
import { laterOf, scanSince } from '../../../sources/confluence/change-scan.ts';
import { collectNewest, keepNewest } from '../../../sources/confluence/client/dedupe.ts';
import type {
  Attachment,
  FooterComment,
  InlineComment,
  Space,
} from '../../../sources/confluence/client/records.ts';
import { confirmedDeleted } from '../../../sources/confluence/deletion-check.ts';
import { fetchMeta } from '../../../sources/confluence/item-details.ts';
import {
  type BackupOptionsRecord,
  type ContentRecord,
  checkSpaceKey,
  encodeRecord,
  LAYOUT_FORMAT,
  type LabelRecord,
  paths,
  type SiteRecord,
  type SpaceMeta,
  type Watermarks,
} from '../../../sources/confluence/layout.ts';
import type { BackupApi } from '../../../sources/confluence/read-api.ts';
import {
  type ApiComment,
  labelRecords,
  permissionRecords,
  propertyRecords,
  spaceRecord,
  treeItemRecord,
} from '../../../sources/confluence/record-mapping.ts';
import {
  listSpaceInventory,
  type SpaceInventory,
  type TreeItemRef,
} from '../../../sources/confluence/space-inventory.ts';
import {
  archiveItem,
  type DeletedItem,
  type Entry,
  errorText,
  type ItemContext,
  type ItemCounters,
} from './item-archiver.ts';
import { missingItemPath, type ParentState } from './parent-state.ts';

export interface ConfluenceArchiveRequest {
  site: string;
  cloudId?: string | undefined;
  options: BackupOptionsRecord;
  /** Run the metadata sweep (forced true without a parent). */
  sweep: boolean;
  /** Items processed at once. @default 16 */
  concurrency?: number | undefined;
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
  sweep: { ran: boolean; requests: number; seconds: number };
  /** Items and attachments listed, then confirmed deleted by the site when read alone: not in the snapshot. */
  deletedDuringBackup: number;
  /** Bytes of content stored (before deduplication) and of new chunks. */
  bytesStored: number;
  dataAdded: number;
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

interface SpaceWork {
  space: Space;
  key: string;
  items: ContentRecord[];
  meta?: StoredContent;
}

/** Counts what goes into the repository. */
class CountingContent {
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

export class ConfluenceArchiver {
  readonly #deps: ArchiveDeps;
  readonly #request: ConfluenceArchiveRequest;
  readonly #builder = new TreeBuilder();
  readonly #content: CountingContent;
  readonly #missing: MissingItem[] = [];
  readonly #deleted: DeletedItem[] = [];
  readonly #counters: ItemCounters = {
    itemsFetched: 0,
    itemsReused: 0,
    attachmentsDownloaded: 0,
    attachmentsReused: 0,
    bytesDownloaded: 0,
  };
  #phase: ConfluencePhase = 'listing';
  #itemsTotal = 0;
  #itemsDone = 0;
  #errors = 0;

  constructor(request: ConfluenceArchiveRequest, deps: ArchiveDeps) {
    this.#request = request;
    this.#deps = deps;
    this.#content = new CountingContent(deps.content);
  }

  async archive(): Promise<ArchiveOutcome> {
    const { api, parent } = this.#deps;
    const options = this.#request.options;
    const started = this.#deps.now();
    const backupTime = started.toISOString();
    const sweep = this.#request.sweep || !parent;
    const signal = this.#signal();
    const requestsAtStart = api.stats().totalRequests;
    const retriesAtStart = api.stats().retries;
    const limitedAtStart = api.stats().rateLimited;

    // 1. Listing.
    const spaces = await this.#listSpaces();
    const works: SpaceWork[] = spaces.map((space) => ({ space, key: checkSpaceKey(space.key), items: [] }));
    /** Storage bodies that came with the listing (a full backup), stored at once: never all held in memory. */
    const listedBodies = new Map<string, { stored: StoredContent; version: number }>();
    const treeRefs: { work: SpaceWork; ref: TreeItemRef }[] = [];
    const watermarks: Watermarks = {};
    await forEachConcurrently(works, 4, async (work) => {
      const inventory = await listSpaceInventory(api, work.space, {
        bodyFormat: parent ? undefined : 'storage',
        signal: this.#deps.signal,
      });
      work.items.push(...inventory.documents);
      for (const doc of inventory.documents) {
        const value = inventory.bodies.get(doc.id);
        if (value !== undefined) {
          inventory.bodies.delete(doc.id);
          const stored = await this.#content.storeBytes(Buffer.from(value));
          listedBodies.set(doc.id, { stored, version: doc.version.number });
        }
        const field = doc.type === 'page' ? 'pages' : 'blogposts';
        watermarks[field] = laterOf(watermarks[field], doc.version.createdAt);
      }
      for (const ref of inventory.treeItems) treeRefs.push({ work, ref });
      if (inventory.refused.length > 0) await this.#refusedSearches(work, inventory, treeRefs);
      this.#progress();
    });
    const failedTreeItems = await this.#treeItems(treeRefs, sweep);
    const byId = new Map<string, { work: SpaceWork; item: ContentRecord }>();
    for (const work of works) for (const item of work.items) byId.set(item.id, { work, item });

    const comments = {
      complete: sweep,
      byContainer: new Map<string, ApiComment[]>(),
      affected: new Set<string>(),
    };
    const attachments = { complete: sweep, byContainer: new Map<string, Attachment[]>() };
    if (!sweep) {
      await this.#scanChanges(parent!, byId, comments, attachments, watermarks);
    }

    // 2. The metadata sweep.
    const metas = new Map<string, StoredContent>();
    const attachmentLabels = new Map<string, LabelRecord[]>();
    const sweepStats = { ran: sweep, requests: 0, seconds: 0 };
    if (sweep) {
      this.#phase = 'sweep';
      const t0 = this.#deps.now().getTime();
      const r0 = api.stats().totalRequests;
      await this.#sweep(works, byId, comments, attachments, metas, attachmentLabels, watermarks);
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
      const parentItems = parent ? await parent.items(work.key) : new Map<string, ContentRecord>();
      for (const item of work.items) {
        if (item.type !== 'page' && item.type !== 'blogpost') continue;
        const old = parentItems.get(item.id);
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
      content: this.#content as unknown as ContentWriter,
      parent,
      history: options.history,
      attachmentVersions: options.attachmentVersions,
      drafts: options.drafts,
      sweep,
      backupTime,
      signal,
      bodies,
      metas,
      attachmentLabels,
      comments,
      attachments,
      counters: this.#counters,
    };
    const all: { work: SpaceWork; item: ContentRecord }[] = [];
    for (const work of works) {
      for (const item of work.items)
        if (deleted.has(item.id)) this.#gone(work.key, item, deleted.get(item.id)!);
      work.items = work.items.filter((i) => !deleted.has(i.id));
      for (const item of work.items) all.push({ work, item });
    }
    this.#itemsTotal = all.length;
    const failed: { work: SpaceWork; item: ContentRecord }[] = [];
    const concurrency = this.#request.concurrency ?? 16;
    await forEachConcurrently(all, concurrency, async (entry) => {
      try {
        if (bodyFailures.has(entry.item.id)) throw bodyFailures.get(entry.item.id);
        const result = await archiveItem(ctx, entry.work.key, entry.item, false);
        this.#commit(result.entries, result.counters);
        this.#itemsDone++;
      } catch (_error) {
        this.#deps.signal?.throwIfAborted();
        failed.push(entry);
      }
      this.#progress();
    });

    // 5. One more attempt for what failed.
    this.#phase = 'retry';
    for (const { work, item } of failedTreeItems) failed.push({ work, item });
    await forEachConcurrently(failed, Math.min(4, concurrency), async ({ work, item }) => {
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
        const result = await archiveItem(ctx, work.key, item, true);
        this.#commit(result.entries, result.counters);
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
        else meta = await this.#content.storeBytes(encodeRecord(await this.#fetchSpaceMeta(work.space)));
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
      ...(sweep
        ? { lastSweep: backupTime }
        : parent?.site.lastSweep
          ? { lastSweep: parent.site.lastSweep }
          : {}),
      swept: sweep,
    };
    this.#builder.addFile(paths.site(), await this.#content.storeBytes(encodeRecord(site)), backupTime);
    const tree = await this.#builder.write(this.#deps.writer);
    const stats = api.stats();
    let itemsNew = 0;
    for (const work of works) {
      const parentItems = parent ? await parent.items(work.key) : new Map();
      for (const item of work.items) if (!parentItems.has(item.id)) itemsNew++;
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
  #gone(spaceKey: string, item: ContentRecord, reason: string): void {
    this.#deleted.push({ path: missingItemPath(spaceKey, item), reason });
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

  async #listSpaces(): Promise<Space[]> {
    const { api } = this.#deps;
    const options = this.#request.options;
    const keys = options.spaces;
    const spaces = await collectNewest(
      api.listSpaces({
        statuses: options.includeArchivedSpaces ? ['current', 'archived'] : ['current'],
        ...(keys.length > 0 ? { keys: [...keys] } : {}),
        descriptionFormat: 'plain',
        ...(this.#deps.signal ? { signal: this.#deps.signal } : {}),
      }),
    );
    const found = new Set(spaces.map((s) => s.key));
    const unknown = keys.filter((k) => !found.has(k));
    if (unknown.length > 0) {
      throw new StepvaultError(
        'not-found',
        `no space with key ${unknown.join(', ')} on ${this.#request.site}`,
        {
          hint: 'space keys are case-sensitive; the credentials must be allowed to see the space',
        },
      );
    }
    return spaces.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * Tree items of types whose search the site refused: missing from the snapshot as a kind (a warning, exit 3),
   * except those found otherwise (as a page's parent) and those of the parent snapshot, which are read (or
   * reused) by id as any other.
   */
  async #refusedSearches(
    work: SpaceWork,
    inventory: SpaceInventory,
    treeRefs: { work: SpaceWork; ref: TreeItemRef }[],
  ): Promise<void> {
    const known = new Set(inventory.treeItems.map((r) => r.id));
    const parentItems = this.#deps.parent ? await this.#deps.parent.items(work.key) : undefined;
    for (const { kind, error } of inventory.refused) {
      this.#miss({
        path: `space ${work.key} ${TREE_ITEM_PLURALS[kind]}`,
        error: `the site refused the search (${error}); not backed up`,
      });
      for (const old of parentItems?.values() ?? [])
        if (old.type === kind && !known.has(old.id)) treeRefs.push({ work, ref: { id: old.id, kind } });
    }
  }

  /** Metadata of folders, whiteboards, databases and smart links: reused when unchanged, else fetched. */
  async #treeItems(
    refs: { work: SpaceWork; ref: TreeItemRef }[],
    sweep: boolean,
  ): Promise<{ work: SpaceWork; item: ContentRecord }[]> {
    const { api, parent } = this.#deps;
    const failed: { work: SpaceWork; item: ContentRecord }[] = [];
    const signal = this.#deps.signal ? { signal: this.#deps.signal } : {};
    await forEachConcurrently(refs, this.#request.concurrency ?? 16, async ({ work, ref }) => {
      const old = parent ? (await parent.items(work.key)).get(ref.id) : undefined;
      const unchanged =
        old !== undefined &&
        !sweep &&
        old.type === ref.kind &&
        (ref.title === undefined || ref.title === old.title) &&
        (ref.versionNumber === undefined || ref.versionNumber === old.version.number);
      if (unchanged) {
        work.items.push(old);
        return;
      }
      try {
        work.items.push(
          treeItemRecord(await api.getTreeItem(ref.kind, ref.id, signal), ref.kind, work.space.id),
        );
      } catch (error) {
        this.#deps.signal?.throwIfAborted();
        const record: ContentRecord = {
          id: ref.id,
          type: ref.kind,
          title: ref.title ?? old?.title ?? '',
          status: 'current',
          spaceId: work.space.id,
          version: { number: ref.versionNumber ?? 0 },
        };
        // Its own read by id is the single lookup: a 404 confirms it deleted since it was found.
        if (error instanceof StepvaultError && error.code === 'not-found')
          this.#gone(work.key, record, 'read alone after it was found, the site answers 404');
        else if (old) failed.push({ work, item: old });
        else this.#miss({ path: missingItemPath(work.key, record), error: errorText(error) });
      }
    });
    return failed;
  }

  /**
   * The site-wide listings of attachments, footer comments and inline comments, read newest first down to the
   * watermarks given (all of them without), concurrently; the newest times they showed go into `watermarks`.
   * Attachments come one per id, the newest version of each.
   */
  async #scanSiteListings(
    since: Watermarks | undefined,
    watermarks: Watermarks,
  ): Promise<{ newestAttachments: Attachment[]; footer: FooterComment[]; inline: InlineComment[] }> {
    const { api } = this.#deps;
    const sort = { sort: '-modified-date', ...(this.#deps.signal ? { signal: this.#deps.signal } : {}) };
    const modified = (x: { version?: { createdAt?: string | null | undefined } | null | undefined }) =>
      x.version?.createdAt;
    const [atts, footer, inline] = await Promise.all([
      scanSince<Attachment>(api.listAllAttachments(sort), modified, since?.attachments),
      scanSince<FooterComment>(api.listAllFooterComments(sort), modified, since?.footerComments),
      scanSince<InlineComment>(api.listAllInlineComments(sort), modified, since?.inlineComments),
    ]);
    watermarks.attachments = atts.newest;
    watermarks.footerComments = footer.newest;
    watermarks.inlineComments = inline.newest;
    const newest = new Map<string, Attachment>();
    for (const att of atts.items) keepNewest(newest, att);
    return { newestAttachments: [...newest.values()], footer: footer.items, inline: inline.items };
  }

  /** Between sweeps: attachments and comments changed since the parent's watermarks. */
  async #scanChanges(
    parent: ParentState,
    byId: Map<string, { work: SpaceWork; item: ContentRecord }>,
    comments: ItemContext['comments'],
    attachments: ItemContext['attachments'],
    watermarks: Watermarks,
  ): Promise<void> {
    const { api } = this.#deps;
    const signal = this.#deps.signal ? { signal: this.#deps.signal } : {};
    const { newestAttachments, footer, inline } = await this.#scanSiteListings(
      parent.site.watermarks,
      watermarks,
    );
    for (const att of newestAttachments) {
      const containerId = att.pageId ?? att.blogPostId;
      const container = containerId ? byId.get(containerId) : undefined;
      if (!container) continue;
      const old = await parent.attachment(container.work.key, container.item.id, att.id);
      if (old && old.version.number === att.version?.number && old.status === att.status) continue;
      const list = attachments.byContainer.get(container.item.id) ?? [];
      list.push(att);
      attachments.byContainer.set(container.item.id, list);
    }

    const scanned: ApiComment[] = [
      ...footer.map((c) => ({ ...c, kind: 'footer' as const })),
      ...inline.map((c) => ({ ...c, kind: 'inline' as const })),
    ];
    const storedVersions = new Map<string, Map<string, number>>();
    const known = async (
      containerKey: string,
      load: () => Promise<{ id: string; version: { number: number }; replies: unknown[] }[] | undefined>,
    ) => {
      let map = storedVersions.get(containerKey);
      if (!map) {
        map = new Map();
        const walk = (list: { id: string; version: { number: number }; replies: unknown[] }[]) => {
          for (const c of list) {
            map!.set(c.id, c.version.number);
            walk(c.replies as typeof list);
          }
        };
        walk((await load()) ?? []);
        storedVersions.set(containerKey, map);
      }
      return map;
    };
    for (const c of scanned) {
      const pageId = c.pageId ?? c.blogPostId;
      if (pageId) {
        const container = byId.get(pageId);
        if (!container) continue;
        const versions = await known(pageId, () => parent.comments(container.work.key, pageId));
        if (versions.get(c.id) !== c.version?.number) comments.affected.add(pageId);
        continue;
      }
      const attachmentId = attachmentOf(c);
      if (attachmentId) {
        // The attachment's page is not in the comment: ask for it (rare: comments on attachments).
        let att: Attachment;
        try {
          att = await api.getAttachment(attachmentId, signal);
        } catch (error) {
          this.#deps.signal?.throwIfAborted();
          // Gone (404): its comments went with it. Otherwise the change cannot be placed: named, not dropped.
          if (!(error instanceof StepvaultError && error.code === 'not-found'))
            this.#miss({
              path: `comment ${c.id} on attachment ${attachmentId}`,
              error: `${errorText(error)}; the next metadata sweep reads it again`,
            });
          continue;
        }
        const containerId = att.pageId ?? att.blogPostId;
        const container = containerId ? byId.get(containerId) : undefined;
        if (!container) continue;
        const stored = await parent.attachment(container.work.key, container.item.id, att.id);
        const versions = await known(att.id, async () => stored?.comments);
        if (versions.get(c.id) !== c.version?.number) {
          comments.affected.add(att.id);
          comments.affected.add(container.item.id);
        }
      }
    }
  }

  async #sweep(
    works: SpaceWork[],
    byId: Map<string, { work: SpaceWork; item: ContentRecord }>,
    comments: ItemContext['comments'],
    attachments: ItemContext['attachments'],
    metas: Map<string, StoredContent>,
    attachmentLabels: Map<string, LabelRecord[]>,
    watermarks: Watermarks,
  ): Promise<void> {
    const { api } = this.#deps;
    const signal = this.#deps.signal ? { signal: this.#deps.signal } : {};
    const [{ newestAttachments, footer, inline }] = await Promise.all([
      this.#scanSiteListings(undefined, watermarks),
      forEachConcurrently(works, 4, async (work) => {
        work.meta = await this.#content.storeBytes(encodeRecord(await this.#fetchSpaceMeta(work.space)));
      }),
    ]);
    for (const att of newestAttachments) {
      const containerId = att.pageId ?? att.blogPostId;
      if (!containerId || !byId.has(containerId)) continue;
      const list = attachments.byContainer.get(containerId) ?? [];
      list.push(att);
      attachments.byContainer.set(containerId, list);
    }
    const seenComments = new Map<string, ApiComment>();
    for (const c of [
      ...footer.map((x) => ({ ...x, kind: 'footer' as const })),
      ...inline.map((x) => ({ ...x, kind: 'inline' as const })),
    ])
      keepNewest(seenComments, c);
    for (const c of seenComments.values()) {
      const containerId = c.pageId ?? c.blogPostId ?? attachmentOf(c);
      if (!containerId) continue;
      const list = comments.byContainer.get(containerId) ?? [];
      list.push(c);
      comments.byContainer.set(containerId, list);
    }

    // Per item and per attachment: what has no change feed. Failures are left to the item phase.
    const items = [...byId.values()];
    const concurrency = this.#request.concurrency ?? 16;
    await forEachConcurrently(items, concurrency, async ({ item }) => {
      try {
        metas.set(item.id, await this.#content.storeBytes(encodeRecord(await fetchMeta(api, item, signal))));
      } catch {
        this.#deps.signal?.throwIfAborted();
      }
      this.#progress();
    });
    const all = [...attachments.byContainer.values()].flat().filter((a) => a.status !== 'trashed');
    await forEachConcurrently(all, concurrency, async (att) => {
      try {
        const labels = [];
        for await (const label of api.listLabels('attachment', att.id, signal)) labels.push(label);
        attachmentLabels.set(att.id, labelRecords(labels));
      } catch {
        this.#deps.signal?.throwIfAborted();
      }
    });
  }

  async #fetchSpaceMeta(space: Space): Promise<SpaceMeta> {
    const { api } = this.#deps;
    const signal = this.#deps.signal ? { signal: this.#deps.signal } : {};
    const all = async <T>(items: AsyncIterable<T>) => {
      const out: T[] = [];
      for await (const x of items) out.push(x);
      return out;
    };
    const [labels, properties, permissions] = await Promise.all([
      all(api.listSpaceLabels(space.id, signal)),
      all(api.listSpaceProperties(space.id, signal)),
      all(api.listSpacePermissions(space.id, signal)),
    ]);
    return {
      labels: labelRecords(labels),
      properties: propertyRecords(properties),
      permissions: permissionRecords(permissions),
    };
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

const TREE_ITEM_PLURALS = {
  folder: 'folders',
  whiteboard: 'whiteboards',
  database: 'databases',
  embed: 'smart links',
} as const;

/** The attachment a (footer) comment is on, if it is on one. */
function attachmentOf(comment: ApiComment): string | undefined {
  const id = (comment as { attachmentId?: unknown }).attachmentId;
  return typeof id === 'string' ? id : undefined;
}
