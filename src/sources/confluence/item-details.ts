// Reads what hangs off one content item when it has to be read item by item: labels, properties and
// restrictions; its comments with their replies (for the few items the site-wide listings do not cover);
// its attachments; an attachment's labels, comments and versions; and older versions of a page (history).

import { StepvaultError } from '../../common/errors.ts';
import type { ContentKind } from './client/client-types.ts';
import { collectNewest } from './client/dedupe.ts';
import type { MetaHit } from './client/meta-search.ts';
import type { Attachment, ContentProperty, Label, VersionEntry } from './client/records.ts';
import type { Restriction } from './client/records-v1.ts';
import type { CommentRecord, ContentMeta, ContentRecord, DraftRecord, HistoricalVersion } from './layout.ts';
import type { BackupApi } from './read-api.ts';
import {
  type ApiComment,
  commentTree,
  contentMeta,
  historicalVersion,
  isTreeItemType,
  labelRecords,
  versionRecord,
} from './record-mapping.ts';

type Signal = { signal?: AbortSignal };

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** What a metadata search already told of an item (see `client/meta-search.ts`); the rest is read item by item. */
export type KnownMeta = Pick<MetaHit, 'labels' | 'restrictions'>;

/**
 * Labels, content properties and restrictions of an item (tree items: properties only): one request for the
 * properties (with the labels, for a current item whose labels `known` lacks), and one for the restrictions unless
 * `known` has them (an operation whose lists go on is read on).
 */
export async function fetchMeta(
  api: BackupApi,
  item: Pick<ContentRecord, 'id' | 'type' | 'status'>,
  options: Signal,
  known?: KnownMeta,
): Promise<ContentMeta> {
  if (item.type === 'page' || item.type === 'blogpost') {
    const restrictions = async (): Promise<Restriction[]> => {
      const told = known?.restrictions;
      if (!told) return api.getRestrictions(item.id, options);
      return Promise.all(
        [told.read, told.update].map((part) => api.readRestrictionOn(item.id, part, options)),
      );
    };
    const labelsAndProperties = async (): Promise<{ labels: Label[]; properties: ContentProperty[] }> => {
      const type = item.type as 'page' | 'blogpost';
      if (known?.labels)
        return {
          labels: known.labels,
          properties: await all(api.listContentProperties(type, item.id, options)),
        };
      // One request for both, where the single read finds the item without a status filter.
      if (item.status === 'current') return api.getLabelsAndProperties(type, item.id, options);
      const [labels, properties] = await Promise.all([
        all<Label>(api.listLabels(type, item.id, options)),
        all<ContentProperty>(api.listContentProperties(type, item.id, options)),
      ]);
      return { labels, properties };
    };
    const [{ labels, properties }, restricted] = await Promise.all([labelsAndProperties(), restrictions()]);
    return contentMeta(labels, properties, restricted);
  }
  if (!isTreeItemType(item.type)) throw new StepvaultError('internal', `unknown content type ${item.type}`);
  const properties = await all<ContentProperty>(api.listContentProperties(item.type, item.id, options));
  return contentMeta([], properties, []);
}

/** Footer and inline comments of a page or blog post, replies nested (a few requests per comment thread). */
export async function fetchComments(
  api: BackupApi,
  kind: ContentKind,
  id: string,
  options: Signal,
): Promise<CommentRecord[]> {
  const [footer, inline] = await Promise.all([
    all(api.listFooterComments(kind, id, { ...options, bodyFormat: 'storage' })),
    all(api.listInlineComments(kind, id, { ...options, bodyFormat: 'storage' })),
  ]);
  const collected: ApiComment[] = [];
  const withReplies = async (top: ApiComment[]): Promise<void> => {
    for (const c of top) {
      collected.push(c);
      const replies =
        c.kind === 'footer'
          ? await all(api.listFooterCommentReplies(c.id, { ...options, bodyFormat: 'storage' }))
          : await all(api.listInlineCommentReplies(c.id, { ...options, bodyFormat: 'storage' }));
      await withReplies(
        replies.map(
          (r) => ({ ...r, kind: c.kind, parentCommentId: r.parentCommentId ?? c.id }) as ApiComment,
        ),
      );
    }
  };
  await withReplies([
    ...footer.map((c) => ({ ...c, kind: 'footer' as const })),
    ...inline.map((c) => ({ ...c, kind: 'inline' as const })),
  ]);
  return commentTree(collected);
}

/** Footer comments on an attachment, replies nested. */
export async function fetchAttachmentComments(
  api: BackupApi,
  attachmentId: string,
  options: Signal,
): Promise<CommentRecord[]> {
  const top = await all(
    api.listFooterComments('attachment', attachmentId, { ...options, bodyFormat: 'storage' }),
  );
  const collected: ApiComment[] = [];
  const withReplies = async (list: ApiComment[]): Promise<void> => {
    for (const c of list) {
      collected.push(c);
      const replies = await all(api.listFooterCommentReplies(c.id, { ...options, bodyFormat: 'storage' }));
      await withReplies(
        replies.map((r) => ({ ...r, kind: 'footer' as const, parentCommentId: r.parentCommentId ?? c.id })),
      );
    }
  };
  await withReplies(top.map((c) => ({ ...c, kind: 'footer' as const })));
  return commentTree(collected);
}

/** Every attachment of a page or blog post (all statuses), newest version of each. */
export async function fetchAttachments(
  api: BackupApi,
  kind: ContentKind,
  id: string,
  options: Signal,
): Promise<Attachment[]> {
  return collectNewest(api.listAttachments(kind, id, options));
}

export async function fetchAttachmentLabels(api: BackupApi, attachmentId: string, options: Signal) {
  return labelRecords(await all(api.listLabels('attachment', attachmentId, options)));
}

/** Version numbers of an attachment, oldest first (one request; none for a first version). */
export async function fetchAttachmentVersionNumbers(
  api: BackupApi,
  attachment: Attachment,
  options: Signal,
): Promise<VersionEntry[]> {
  const current = attachment.version?.number ?? 1;
  if (current <= 1) return [];
  const entries = await all(api.listVersions('attachment', attachment.id, options));
  return entries.sort((a, b) => a.number - b.number);
}

/**
 * Versions older than `item.version.number` of a page or blog post, with storage bodies, except those in
 * `known` (already stored). Fetched one by one when few are missing, else through the versions list.
 */
export async function fetchHistory(
  api: BackupApi,
  item: ContentRecord,
  known: ReadonlySet<number>,
  options: Signal,
): Promise<HistoricalVersion[]> {
  if (item.type !== 'page' && item.type !== 'blogpost') return [];
  const wanted: number[] = [];
  for (let n = 1; n < item.version.number; n++) if (!known.has(n)) wanted.push(n);
  if (wanted.length === 0) return [];
  if (wanted.length <= 2) {
    const out: HistoricalVersion[] = [];
    for (const n of wanted) {
      const get = item.type === 'page' ? api.getPage.bind(api) : api.getBlogPost.bind(api);
      try {
        const v = await get(item.id, { ...options, version: n, bodyFormat: 'storage' });
        out.push({
          version: historicalVersion({ ...(v.version ?? { number: n }) }, v.title).version,
          title: v.title,
          storage: v.body?.storage?.value ?? '',
        });
      } catch (error) {
        // A version can be missing from the history (Confluence lets admins delete versions).
        if (error instanceof StepvaultError && error.code === 'not-found') continue;
        throw error;
      }
    }
    return out;
  }
  const want = new Set(wanted);
  const out: HistoricalVersion[] = [];
  for await (const entry of api.listVersions(item.type, item.id, { ...options, bodyFormat: 'storage' })) {
    if (want.has(entry.number)) out.push(historicalVersion(entry, item.title));
  }
  return out.sort((a, b) => a.version.number - b.version.number);
}

/** The pending draft of a published page or blog post (storage body), or undefined when it has none. */
export async function fetchDraft(
  api: BackupApi,
  kind: ContentKind,
  id: string,
  options: Signal,
): Promise<{ record: DraftRecord; storage: string } | undefined> {
  try {
    const get = kind === 'page' ? api.getPage.bind(api) : api.getBlogPost.bind(api);
    const draft = await get(id, { ...options, getDraft: true, bodyFormat: 'storage' });
    return {
      record: { title: draft.title, version: versionRecord(draft.version) },
      storage: draft.body?.storage?.value ?? '',
    };
  } catch (error) {
    if (error instanceof StepvaultError && error.code === 'not-found') return undefined;
    throw error;
  }
}
