// Archives one content item into the snapshot tree: its record, bodies, metadata, comments, attachments and
// history — each reused from the parent snapshot (grafted by stored ID, no request) when its id and version
// say it is unchanged, fetched otherwise. An item's entries are collected first and placed in the tree only
// when the whole item succeeded, so a failed item never leaves half a directory behind. On the final attempt,
// an attachment that still fails is looked up alone: left out as deleted only when the site confirms it.

import { isDeepStrictEqual } from 'node:util';
import type { DiskSpool } from '../../../common/disk-spool.ts';
import { StepvaultError } from '../../../common/errors.ts';
import type { MissingItem } from '../../../domain/snapshot.ts';
import type { TreeNode } from '../../../domain/tree-node.ts';
import type { ContentWriter, StoredContent } from '../../../repository/content-writer.ts';
import type { NodeTime } from '../../../repository/tree/tree-builder.ts';
import type { AccountIds } from '../../../sources/confluence/account-ids.ts';
import type { Attachment } from '../../../sources/confluence/client/records.ts';
import { confirmedDeleted } from '../../../sources/confluence/deletion-check.ts';
import {
  fetchAttachmentComments,
  fetchAttachmentLabels,
  fetchAttachments,
  fetchAttachmentVersionNumbers,
  fetchComments,
  fetchDraft,
  fetchHistory,
  fetchMeta,
} from '../../../sources/confluence/item-details.ts';
import {
  type AttachmentRecord,
  type AttachmentVersionRecord,
  type CommentRecord,
  type ContentRecord,
  encodeRecord,
  type HistoricalVersion,
  type LabelRecord,
  NAMES,
  parseVersionFileName,
  paths,
  versionFileName,
} from '../../../sources/confluence/layout.ts';
import type { BackupApi } from '../../../sources/confluence/read-api.ts';
import {
  type ApiComment,
  attachmentVersionRecord,
  byNumericId,
  commentTree,
  versionRecord,
} from '../../../sources/confluence/record-mapping.ts';
import { missingAttachmentPath, type ParentState } from './parent-state.ts';

export type Entry =
  | { path: string; file: StoredContent; mtime: NodeTime }
  | { path: string; graft: TreeNode };

/** Something listed that the site confirmed deleted when read alone; named like a missing item. */
export interface DeletedItem {
  path: string;
  reason: string;
}

export interface ItemCounters {
  itemsFetched: number;
  itemsReused: number;
  /** Attachment files (versions) downloaded. */
  attachmentsDownloaded: number;
  /** Attachments kept whole from the parent snapshot: nothing of them downloaded. */
  attachmentsReused: number;
  bytesDownloaded: number;
}

/** What the phases before the items learnt, shared by every item. */
export interface ItemContext {
  api: BackupApi;
  /** Notes the account ids of every record stored (for users.json). */
  accounts: AccountIds;
  content: ContentWriter;
  parent: ParentState | undefined;
  history: 'latest' | 'all';
  attachmentVersions: 'latest' | 'all';
  /** Keep pending drafts of published pages and blog posts. */
  drafts: boolean;
  /** Whether the metadata of the item (or of a container's attachments) with this id is re-read, not carried over. */
  sweeps: (id: string) => boolean;
  backupTime: string;
  signal: AbortSignal | undefined;
  /** Bodies fetched for items whose version is not the parent's, by id. */
  bodies: Map<string, { storage?: StoredContent; adf?: StoredContent; record?: ContentRecord }>;
  /** `meta.json` contents fetched by the sweep phase, by id. */
  metas: Map<string, StoredContent>;
  /** Attachment labels fetched by the sweep phase, by attachment id. */
  attachmentLabels: Map<string, LabelRecord[]>;
  comments: {
    /** Lists of every comment of every (non-trashed) container: no per-item listing needed. */
    complete: boolean;
    /** When complete: the comments by container id (a page, blog post or attachment), on disk. */
    byContainer: Pick<DiskSpool<ApiComment>, 'put' | 'group'>;
    /** Incremental: containers (pages, blog posts, attachments) with new or edited comments. */
    affected: Set<string>;
  };
  attachments: {
    /** Lists of every attachment of every (non-trashed) container. */
    complete: boolean;
    byContainer: Map<string, Attachment[]>;
  };
  counters: ItemCounters;
}

export interface ItemResult {
  entries: Entry[];
  /** What this item added to the counters (added to the backup's only when the item is committed). */
  counters: ItemCounters;
  /** Attachment versions that could not be stored (final attempt only; otherwise they throw). */
  missing: MissingItem[];
  /** Attachments confirmed deleted since they were listed (final attempt only). */
  deleted: DeletedItem[];
}

export function zeroCounters(): ItemCounters {
  return {
    itemsFetched: 0,
    itemsReused: 0,
    attachmentsDownloaded: 0,
    attachmentsReused: 0,
    bytesDownloaded: 0,
  };
}

export async function archiveItem(
  shared: ItemContext,
  spaceKey: string,
  record: ContentRecord,
  final: boolean,
): Promise<ItemResult> {
  const ctx: ItemContext = { ...shared, counters: zeroCounters() };
  const { id } = record;
  const entries: Entry[] = [];
  const missing: MissingItem[] = [];
  const deleted: DeletedItem[] = [];
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const isDocument = record.type === 'page' || record.type === 'blogpost';
  const parentRecord = ctx.parent ? (await ctx.parent.items(spaceKey)).get(id) : undefined;
  const parentIncomplete = ctx.parent?.incomplete.has(id) ?? false;
  const sameVersion =
    parentRecord !== undefined &&
    parentRecord.type === record.type &&
    parentRecord.version.number === record.version.number &&
    !parentIncomplete;
  const mtime = record.version.createdAt ?? ctx.backupTime;
  const itemDir = paths.itemDir(spaceKey, id);

  // Nothing about the item changed: the whole directory is the parent's.
  if (
    sameVersion &&
    !ctx.sweeps(id) &&
    isDeepStrictEqual(parentRecord, record) &&
    !ctx.comments.complete &&
    !ctx.comments.affected.has(id) &&
    !ctx.attachments.complete &&
    !(ctx.attachments.byContainer.get(id)?.length ?? 0)
  ) {
    const node = await ctx.parent!.node(itemDir);
    if (node) {
      ctx.counters.itemsReused++;
      // Its attachments come along unread: counted as reused all the same (from the grafted node, not the root).
      const attachments = (await ctx.parent!.reader.entries(node)).get(NAMES.attachments);
      if (attachments) ctx.counters.attachmentsReused += (await ctx.parent!.reader.entries(attachments)).size;
      return { entries: [{ path: itemDir, graft: node }], missing, deleted, counters: ctx.counters };
    }
  }

  const parentFiles = parentRecord ? await ctx.parent!.files(itemDir) : new Map<string, TreeNode>();
  const reuse =
    sameVersion && (!isDocument || (parentFiles.has(NAMES.storage) && parentFiles.has(NAMES.adf)));
  const file = async (name: string, data: Uint8Array | StoredContent, time: NodeTime = mtime) => {
    const stored = data instanceof Uint8Array ? await ctx.content.storeBytes(data) : data;
    entries.push({ path: `${itemDir}/${name}`, file: stored, mtime: time });
  };
  const graft = (name: string) => {
    const node = parentFiles.get(name);
    if (!node) return false;
    entries.push({ path: `${itemDir}/${name}`, graft: node });
    return true;
  };

  // Bodies come first: a fetched body may carry a newer record than the listing's.
  let item = record;
  if (isDocument) {
    if (reuse) {
      graft(NAMES.storage);
      graft(NAMES.adf);
      ctx.counters.itemsReused++;
    } else {
      const fetched = ctx.bodies.get(id);
      if (!fetched?.storage || !fetched.adf)
        throw new StepvaultError('io', 'its body could not be read', { retryable: true });
      if (fetched.record) item = fetched.record;
      await file(NAMES.storage, fetched.storage, item.version.createdAt ?? mtime);
      await file(NAMES.adf, fetched.adf, item.version.createdAt ?? mtime);
      ctx.counters.itemsFetched++;
    }
  } else if (reuse) ctx.counters.itemsReused++;
  else ctx.counters.itemsFetched++;
  await file(NAMES.item, encodeRecord(ctx.accounts.see(item)), item.version.createdAt ?? mtime);

  const tasks: Promise<void>[] = [];

  // Metadata: the sweep's, else the parent's, else fetched now (a new item).
  tasks.push(
    (async () => {
      const swept = ctx.metas.get(id);
      if (swept) await file(NAMES.meta, swept);
      else if (ctx.sweeps(id) || !graft(NAMES.meta))
        await file(NAMES.meta, encodeRecord(ctx.accounts.see(await fetchMeta(ctx.api, item, signal))));
    })(),
  );

  if (isDocument) {
    const kind = item.type as 'page' | 'blogpost';
    tasks.push(
      (async () => {
        let comments: CommentRecord[] | undefined;
        if (ctx.comments.complete && item.status !== 'trashed')
          comments = commentTree(ctx.comments.byContainer.group(id));
        else if (!ctx.comments.affected.has(id) && parentRecord && graft(NAMES.comments)) return;
        else comments = await fetchComments(ctx.api, kind, id, signal);
        await file(NAMES.comments, encodeRecord(ctx.accounts.see(comments)));
      })(),
    );
    tasks.push(
      archiveAttachments(
        ctx,
        spaceKey,
        item,
        parentRecord,
        parentFiles,
        entries,
        { missing, deleted },
        final,
      ),
    );
    if (ctx.history === 'all')
      tasks.push(archiveHistory(ctx, spaceKey, item, parentRecord, parentFiles, entries));
    if (ctx.drafts && item.status === 'current')
      tasks.push(
        (async () => {
          // Between sweeps an unchanged item keeps its stored draft (or none): drafts have no change feed.
          if (reuse && !ctx.sweeps(id)) {
            graft(NAMES.draft);
            return;
          }
          const draft = await fetchDraft(ctx.api, kind, id, signal);
          if (!draft) return;
          const time = draft.record.version.createdAt ?? mtime;
          await file(`${NAMES.draft}/${NAMES.item}`, encodeRecord(ctx.accounts.see(draft.record)), time);
          ctx.accounts.seeBody(draft.storage);
          await file(`${NAMES.draft}/${NAMES.storage}`, Buffer.from(draft.storage), time);
        })(),
      );
  }
  await settleAll(tasks);
  return { entries, missing, deleted, counters: ctx.counters };
}

/** Waits for every task; rethrows the first failure once all have settled. */
async function settleAll(tasks: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

async function archiveHistory(
  ctx: ItemContext,
  spaceKey: string,
  item: ContentRecord,
  parentRecord: ContentRecord | undefined,
  parentFiles: Map<string, TreeNode>,
  entries: Entry[],
): Promise<void> {
  if (item.version.number <= 1) return;
  const dir = paths.historyDir(spaceKey, item.id);
  const known = new Set<number>();
  if (parentFiles.has(NAMES.history)) {
    for (const node of await ctx.parent!.files(dir).then((m) => [...m.values()])) {
      const n = parseVersionFileName(node.name, '.json');
      if (n === undefined || n >= item.version.number) continue;
      known.add(n);
      entries.push({ path: `${dir}/${node.name}`, graft: node });
    }
  }
  // The parent's current version is now history: built from its stored body, no request.
  const p = parentRecord?.version.number;
  const parentBody = parentFiles.get(NAMES.storage);
  if (p !== undefined && p < item.version.number && !known.has(p) && parentBody && parentRecord) {
    const old: HistoricalVersion = {
      version: parentRecord.version,
      title: parentRecord.title,
      storage: await ctx.parent!.readText(parentBody),
    };
    entries.push({
      path: paths.history(spaceKey, item.id, p),
      file: await ctx.content.storeBytes(encodeRecord(ctx.accounts.see(old))),
      mtime: old.version.createdAt ?? ctx.backupTime,
    });
    known.add(p);
  }
  const fetched = await fetchHistory(ctx.api, item, known, ctx.signal ? { signal: ctx.signal } : {});
  for (const h of fetched) {
    entries.push({
      path: paths.history(spaceKey, item.id, h.version.number),
      file: await ctx.content.storeBytes(encodeRecord(ctx.accounts.see(h))),
      mtime: h.version.createdAt ?? ctx.backupTime,
    });
  }
}

async function archiveAttachments(
  ctx: ItemContext,
  spaceKey: string,
  item: ContentRecord,
  parentRecord: ContentRecord | undefined,
  parentFiles: Map<string, TreeNode>,
  entries: Entry[],
  report: { missing: MissingItem[]; deleted: DeletedItem[] },
  final: boolean,
): Promise<void> {
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const dir = paths.attachmentsDir(spaceKey, item.id);
  const parentIncomplete = ctx.parent?.incomplete.has(item.id) ?? false;
  let listed: Attachment[];
  /** Attachments of the parent that did not change (incremental): grafted as they are. */
  const unchanged: TreeNode[] = [];
  if (ctx.attachments.complete && item.status !== 'trashed') {
    listed = ctx.attachments.byContainer.get(item.id) ?? [];
  } else if (parentRecord && !parentIncomplete && !ctx.attachments.complete) {
    // Incremental: the parent's attachments, except those the scan saw change or whose comments changed, and
    // those of a container a rolling sweep covers now (their labels and versions are read again).
    listed = [...(ctx.attachments.byContainer.get(item.id) ?? [])];
    const parentAtts = parentFiles.has(NAMES.attachments)
      ? await ctx.parent!.files(dir)
      : new Map<string, TreeNode>();
    const swept = ctx.sweeps(item.id);
    const affected = [...parentAtts.keys()].filter((attId) => ctx.comments.affected.has(attId));
    if (listed.length === 0 && affected.length === 0 && !swept) {
      graftIfPresent(parentFiles, NAMES.attachments, dir, entries);
      ctx.counters.attachmentsReused += parentAtts.size;
      return;
    }
    const changed = new Set(listed.map((a) => a.id));
    for (const [attId, node] of parentAtts) {
      if (changed.has(attId)) continue;
      const record =
        swept || ctx.comments.affected.has(attId)
          ? await ctx.parent!.attachment(spaceKey, item.id, attId)
          : undefined;
      if (record) listed.push(attachmentFromRecord(record, item));
      else unchanged.push(node);
    }
  } else {
    listed = await fetchAttachments(ctx.api, item.type as 'page' | 'blogpost', item.id, signal);
  }
  for (const node of unchanged) entries.push({ path: `${dir}/${node.name}`, graft: node });
  ctx.counters.attachmentsReused += unchanged.length;
  const sorted = [...listed].sort((a, b) => byNumericId(a.id, b.id));
  const results = await Promise.allSettled(
    sorted.map((att) => archiveAttachment(ctx, spaceKey, item, att, entries)),
  );
  for (const [i, r] of results.entries()) {
    if (r.status === 'fulfilled') continue;
    if (!final) throw r.reason;
    const att = sorted[i]!;
    const path = missingAttachmentPath(spaceKey, item, att.id, att.version?.number ?? 1);
    const gone = await confirmedDeleted(ctx.api, 'attachment', att.id, ctx.signal);
    if (gone !== undefined) {
      report.deleted.push({ path, reason: gone });
      continue;
    }
    report.missing.push({ path, error: errorText(r.reason) });
    const old = ctx.parent
      ? await ctx.parent.node(paths.attachmentDir(spaceKey, item.id, att.id))
      : undefined;
    if (old) entries.push({ path: paths.attachmentDir(spaceKey, item.id, att.id), graft: old });
  }
}

function graftIfPresent(files: Map<string, TreeNode>, name: string, path: string, entries: Entry[]): void {
  const node = files.get(name);
  if (node) entries.push({ path, graft: node });
}

/** An attachment as the API would list it, rebuilt from a stored record (to re-read only its comments). */
function attachmentFromRecord(record: AttachmentRecord, item: ContentRecord): Attachment {
  return {
    id: record.id,
    status: record.status,
    title: record.title,
    createdAt: record.createdAt,
    ...(item.type === 'blogpost' ? { blogPostId: item.id } : { pageId: item.id }),
    mediaType: record.mediaType,
    comment: record.comment,
    fileId: record.fileId,
    fileSize: record.fileSize,
    version: record.version,
  };
}

async function archiveAttachment(
  ctx: ItemContext,
  spaceKey: string,
  item: ContentRecord,
  att: Attachment,
  entries: Entry[],
): Promise<void> {
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const dir = paths.attachmentDir(spaceKey, item.id, att.id);
  const own: Entry[] = [];
  const current = att.version?.number ?? 1;
  const parentRecord = ctx.parent ? await ctx.parent.attachment(spaceKey, item.id, att.id) : undefined;
  const parentFiles = parentRecord ? await ctx.parent!.files(dir) : new Map<string, TreeNode>();
  const sameVersion = parentRecord?.version.number === current;

  // A trashed attachment answers 404 to its labels and comments: it keeps what was stored, or none.
  const trashed = att.status === 'trashed';
  const labels =
    ctx.attachmentLabels.get(att.id) ??
    ((!ctx.sweeps(item.id) || trashed) && parentRecord
      ? parentRecord.labels
      : trashed
        ? []
        : await fetchAttachmentLabels(ctx.api, att.id, signal));
  let comments: CommentRecord[];
  if (ctx.comments.complete && !trashed) comments = commentTree(ctx.comments.byContainer.group(att.id));
  else if (parentRecord && (trashed || !ctx.comments.affected.has(att.id))) comments = parentRecord.comments;
  else if (trashed) comments = [];
  else comments = await fetchAttachmentComments(ctx.api, att.id, signal);

  let versions: AttachmentVersionRecord[];
  const latest = attachmentVersionRecord(att);
  if (trashed) {
    // Confluence serves no bytes of a trashed attachment: keep those stored before, if any.
    versions = (parentRecord?.versions ?? []).filter((v) => parentFiles.has(versionFileName(v.number)));
  } else if (ctx.attachmentVersions === 'latest') versions = [latest];
  else if (sameVersion && !ctx.sweeps(item.id)) versions = parentRecord!.versions;
  else {
    const entriesList = await fetchAttachmentVersionNumbers(ctx.api, att, signal);
    const known = new Map(parentRecord?.versions.map((v) => [v.number, v]));
    versions = entriesList
      .filter((v) => v.number < current)
      .map(
        (v) =>
          known.get(v.number) ?? {
            ...stripUndefined(versionRecord(v)),
            title: v.attachment?.title ?? att.title,
          },
      );
    versions.push(latest);
  }

  let downloads = 0;
  for (const v of versions) {
    const name = versionFileName(v.number);
    const old = parentFiles.get(name);
    // An attachment version's bytes never change: a stored one is reused.
    if (old && (v.number < current || sameVersion || trashed)) {
      own.push({ path: `${dir}/${name}`, graft: old });
      continue;
    }
    downloads++;
    const download = await ctx.api.downloadAttachment(item.id, att.id, {
      ...signal,
      ...(v.number === current ? {} : { version: v.number }),
    });
    const stored = await ctx.content.storeStream(download);
    const expected = v.number === current ? att.fileSize : v.fileSize;
    if (expected !== undefined && expected !== null && stored.size !== expected) {
      throw new StepvaultError('io', `downloaded ${stored.size} bytes, the attachment has ${expected}`, {
        retryable: true,
      });
    }
    ctx.counters.attachmentsDownloaded++;
    ctx.counters.bytesDownloaded += stored.size;
    own.push({ path: `${dir}/${name}`, file: stored, mtime: v.createdAt ?? ctx.backupTime });
  }
  if (downloads === 0) ctx.counters.attachmentsReused++;

  const record: AttachmentRecord = {
    id: att.id,
    status: att.status,
    title: att.title,
    ...optional('mediaType', att.mediaType),
    ...optional('fileSize', att.fileSize),
    ...optional('comment', att.comment),
    ...optional('fileId', att.fileId),
    ...optional('createdAt', att.createdAt),
    version: versionRecord(att.version),
    labels,
    comments,
    versions,
  };
  own.push({
    path: `${dir}/${NAMES.attachment}`,
    file: await ctx.content.storeBytes(encodeRecord(ctx.accounts.see(record))),
    mtime: att.version?.createdAt ?? ctx.backupTime,
  });
  entries.push(...own);
}

function optional<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return value === undefined || value === null ? {} : ({ [key]: value } as { [P in K]: V });
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
