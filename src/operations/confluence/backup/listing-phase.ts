// The listing phase of a Confluence backup: the spaces; the tree items (folders, whiteboards, databases, smart
// links) of each space, reused when unchanged; the site-wide listings of attachments and comments, newest first
// down to a watermark; and, between sweeps, which containers those changes touch. A search the site refuses
// costs the kind it names (a named gap), not the backup.

import { forEachConcurrently } from '../../../common/concurrency.ts';
import { StepvaultError } from '../../../common/errors.ts';
import { scanSince, walkSince } from '../../../sources/confluence/change-scan.ts';
import { collectNewest, keepNewest } from '../../../sources/confluence/client/dedupe.ts';
import type {
  Attachment,
  FooterComment,
  InlineComment,
  Space,
} from '../../../sources/confluence/client/records.ts';
import type { BackupOptionsRecord, ContentRecord, Watermarks } from '../../../sources/confluence/layout.ts';
import { type ApiComment, treeItemRecord } from '../../../sources/confluence/record-mapping.ts';
import type { SpaceInventory, TreeItemRef } from '../../../sources/confluence/space-inventory.ts';
import {
  type ArchiveRun,
  addListed,
  keepRecord,
  type Listed,
  type ListedItem,
  type SpaceWork,
} from './archive-run.ts';
import { errorText, type ItemContext } from './item-archiver.ts';
import { missingItemPath, type ParentState } from './parent-state.ts';

/** The spaces to back up (all the credentials see, or those `options.spaces` names: each must exist), by key. */
export async function listSpaces(
  run: Pick<ArchiveRun, 'api' | 'signal'>,
  site: string,
  options: BackupOptionsRecord,
): Promise<Space[]> {
  const { api } = run;
  const keys = options.spaces;
  const spaces = await collectNewest(
    api.listSpaces({
      statuses: options.includeArchivedSpaces ? ['current', 'archived'] : ['current'],
      ...(keys.length > 0 ? { keys: [...keys] } : {}),
      descriptionFormat: 'plain',
      ...(run.signal ? { signal: run.signal } : {}),
    }),
  );
  const found = new Set(spaces.map((s) => s.key));
  const unknown = keys.filter((k) => !found.has(k));
  if (unknown.length > 0) {
    throw new StepvaultError('not-found', `no space with key ${unknown.join(', ')} on ${site}`, {
      hint: 'space keys are case-sensitive; the credentials must be allowed to see the space',
    });
  }
  return spaces.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Tree items of types whose search the site refused: missing from the snapshot as a kind (a warning, exit 3),
 * except those found otherwise (as a page's parent) and those of the parent snapshot, which are read (or
 * reused) by id as any other.
 */
export async function refusedSearches(
  run: ArchiveRun,
  work: SpaceWork,
  inventory: SpaceInventory,
  treeRefs: { work: SpaceWork; ref: TreeItemRef }[],
): Promise<void> {
  const known = new Set(inventory.treeItems.map((r) => r.id));
  const parentItems = run.parent ? await run.parent.items(work.key) : undefined;
  for (const { kind, error } of inventory.refused) {
    run.miss({
      path: `space ${work.key} ${TREE_ITEM_PLURALS[kind]}`,
      error: `the site refused the search (${error}); not backed up`,
    });
    for (const old of parentItems?.values() ?? [])
      if (old.type === kind && !known.has(old.id)) treeRefs.push({ work, ref: { id: old.id, kind } });
  }
}

/** Metadata of folders, whiteboards, databases and smart links: reused when unchanged, else fetched. */
export async function treeItems(
  run: ArchiveRun,
  refs: { work: SpaceWork; ref: TreeItemRef }[],
  sweeps: (id: string) => boolean,
): Promise<{ work: SpaceWork; item: ListedItem }[]> {
  const { api, parent } = run;
  const failed: { work: SpaceWork; item: ListedItem }[] = [];
  const signal = run.signal ? { signal: run.signal } : {};
  await forEachConcurrently(refs, run.concurrency, async ({ work, ref }) => {
    const old = parent ? (await parent.items(work.key)).get(ref.id) : undefined;
    const unchanged =
      old !== undefined &&
      !sweeps(ref.id) &&
      old.type === ref.kind &&
      (ref.title === undefined || ref.title === old.title) &&
      (ref.versionNumber === undefined || ref.versionNumber === old.version.number);
    if (unchanged) {
      addListed(run, work, old);
      return;
    }
    try {
      addListed(
        run,
        work,
        treeItemRecord(await api.getTreeItem(ref.kind, ref.id, signal), ref.kind, work.space.id),
      );
    } catch (error) {
      run.signal?.throwIfAborted();
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
        run.gone(work.key, record, 'read alone after it was found, the site answers 404');
      else if (old) failed.push({ work, item: keepRecord(run, work, old) });
      else run.miss({ path: missingItemPath(work.key, record), error: errorText(error) });
    }
  });
  return failed;
}

/**
 * The site-wide listings of attachments, footer comments and inline comments, read newest first down to the
 * watermarks given (all of them without), concurrently; the newest times they showed go into `watermarks`.
 * Attachments come one per id, the newest version of each; comments are handed to `comment` as they come
 * (a comment edited during the listing may come twice: whoever keeps them keeps the newest).
 */
export async function scanSiteListings(
  run: ArchiveRun,
  since: Watermarks | undefined,
  watermarks: Watermarks,
  comment: (c: ApiComment) => void,
): Promise<Attachment[]> {
  const { api } = run;
  const sort = { sort: '-modified-date', ...(run.signal ? { signal: run.signal } : {}) };
  const modified = (x: { version?: { createdAt?: string | null | undefined } | null | undefined }) =>
    x.version?.createdAt;
  const [atts, footer, inline] = await Promise.all([
    scanSince<Attachment>(api.listAllAttachments(sort), modified, since?.attachments),
    walkSince<FooterComment>(api.listAllFooterComments(sort), modified, since?.footerComments, (c) =>
      comment({ ...c, kind: 'footer' }),
    ),
    walkSince<InlineComment>(api.listAllInlineComments(sort), modified, since?.inlineComments, (c) =>
      comment({ ...c, kind: 'inline' }),
    ),
  ]);
  watermarks.attachments = atts.newest;
  watermarks.footerComments = footer;
  watermarks.inlineComments = inline;
  const newest = new Map<string, Attachment>();
  for (const att of atts.items) keepNewest(newest, att);
  return [...newest.values()];
}

/** Between sweeps: attachments and comments changed since the parent's watermarks. */
export async function scanChanges(
  run: ArchiveRun,
  parent: ParentState,
  byId: Listed,
  comments: ItemContext['comments'],
  attachments: ItemContext['attachments'],
  watermarks: Watermarks,
): Promise<void> {
  const { api } = run;
  const signal = run.signal ? { signal: run.signal } : {};
  const scanned: ApiComment[] = [];
  const newestAttachments = await scanSiteListings(run, parent.site.watermarks, watermarks, (c) =>
    scanned.push(c),
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
        run.signal?.throwIfAborted();
        // Gone (404): its comments went with it. Otherwise the change cannot be placed: named, not dropped.
        if (!(error instanceof StepvaultError && error.code === 'not-found'))
          run.miss({
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

const TREE_ITEM_PLURALS = {
  folder: 'folders',
  whiteboard: 'whiteboards',
  database: 'databases',
  embed: 'smart links',
} as const;

/** The attachment a (footer) comment is on, if it is on one. */
export function attachmentOf(comment: ApiComment): string | undefined {
  const id = (comment as { attachmentId?: unknown }).attachmentId;
  return typeof id === 'string' ? id : undefined;
}
