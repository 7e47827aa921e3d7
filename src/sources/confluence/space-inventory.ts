// Lists what a space holds: its pages and blog posts (every status the backup keeps, 250 a request, optionally
// with storage bodies), keeping the newest version of an item a listing returns twice under concurrent edits;
// and the folders, whiteboards, databases and smart links, which no endpoint lists by space: found by a CQL
// search and by the parents the pages name (CQL ignores the Admin Key; a page's parent does not). A site that
// refuses the search (400: a type it does not have) is asked again one type at a time, so it costs only the
// types it refuses, which the inventory reports instead of failing.

import type { BodyFormat } from './client/client-types.ts';
import { keepNewest } from './client/dedupe.ts';
import { httpStatusOf } from './client/http-errors.ts';
import type { BlogPost, Page, Space } from './client/records.ts';
import type { ContentRecord } from './layout.ts';
import type { BackupApi } from './read-api.ts';
import {
  blogPostRecord,
  isTreeItemType,
  pageRecord,
  TREE_ITEM_TYPES,
  type TreeItemType,
} from './record-mapping.ts';

export interface InventoryOptions {
  /** List bodies in this format along with the items (a full backup: no batch fetch needed afterwards). */
  bodyFormat?: BodyFormat | undefined;
  signal?: AbortSignal | undefined;
}

/** A folder, whiteboard, database or smart link known by id (its metadata still to be read or reused). */
export interface TreeItemRef {
  id: string;
  kind: TreeItemType;
  /** From the search hit, when it came from one. */
  title?: string | undefined;
  versionNumber?: number | undefined;
}

export interface SpaceInventory {
  /** Pages and blog posts, newest listed version of each. */
  documents: ContentRecord[];
  /** Bodies listed with the items (`bodyFormat`), by id, of the version in `documents`. */
  bodies: Map<string, string>;
  treeItems: TreeItemRef[];
  /** Types of tree item whose CQL search the site refused, with its answer (`400 Could not parse cql: …`). */
  refused: RefusedSearch[];
}

export interface RefusedSearch {
  kind: TreeItemType;
  error: string;
}

export const PAGE_STATUSES = ['current', 'archived', 'trashed'] as const;
export const BLOG_POST_STATUSES = ['current', 'trashed'] as const;

export async function listSpaceInventory(
  api: BackupApi,
  space: Space,
  options: InventoryOptions,
): Promise<SpaceInventory> {
  const signal = options.signal ? { signal: options.signal } : {};
  const body = options.bodyFormat ? { bodyFormat: options.bodyFormat } : {};
  const [pages, posts, search] = await Promise.all([
    newest<Page>(api.listPagesInSpace(space.id, { statuses: [...PAGE_STATUSES], ...body, ...signal })),
    newest<BlogPost>(
      api.listBlogPostsInSpace(space.id, {
        statuses: [...BLOG_POST_STATUSES],
        ...body,
        ...signal,
      }),
    ),
    searchTreeItems(api, space.key, options.signal),
  ]);
  const bodies = new Map<string, string>();
  const documents: ContentRecord[] = [];
  const format = options.bodyFormat;
  for (const page of pages) {
    documents.push(pageRecord(page));
    const value = format ? page.body?.[format]?.value : undefined;
    if (value !== undefined && value !== null) bodies.set(page.id, value);
  }
  for (const post of posts) {
    documents.push(blogPostRecord(post));
    const value = format ? post.body?.[format]?.value : undefined;
    if (value !== undefined && value !== null) bodies.set(post.id, value);
  }
  const treeItems = new Map<string, TreeItemRef>(search.hits.map((h) => [h.id, h]));
  const documentIds = new Set(documents.map((d) => d.id));
  for (const page of pages) {
    const parent = page.parentId;
    if (parent && isTreeItemType(page.parentType) && !treeItems.has(parent) && !documentIds.has(parent))
      treeItems.set(parent, { id: parent, kind: page.parentType });
  }
  return { documents, bodies, treeItems: [...treeItems.values()], refused: search.refused };
}

async function newest<T extends { id: string; version?: { number: number } | null | undefined }>(
  items: AsyncIterable<T>,
): Promise<T[]> {
  const map = new Map<string, T>();
  for await (const item of items) keepNewest(map, item);
  return [...map.values()];
}

/**
 * The folders, whiteboards, databases and smart links of a space that CQL finds. When the site refuses the
 * search (400), each type is searched alone and the types it still refuses are reported; any other failure
 * throws (a listing that failed cannot say what it missed).
 */
async function searchTreeItems(
  api: BackupApi,
  spaceKey: string,
  signal: AbortSignal | undefined,
): Promise<{ hits: TreeItemRef[]; refused: RefusedSearch[] }> {
  try {
    return { hits: await searchTypes(api, spaceKey, TREE_ITEM_TYPES, signal), refused: [] };
  } catch (error) {
    if (httpStatusOf(error) !== 400) throw error;
  }
  const hits: TreeItemRef[] = [];
  const refused: RefusedSearch[] = [];
  for (const kind of TREE_ITEM_TYPES) {
    try {
      hits.push(...(await searchTypes(api, spaceKey, [kind], signal)));
    } catch (error) {
      if (httpStatusOf(error) !== 400) throw error;
      const detail = (error as { cause?: { detail?: unknown } }).cause?.detail;
      refused.push({ kind, error: typeof detail === 'string' && detail !== '' ? `400 ${detail}` : '400' });
    }
  }
  return { hits, refused };
}

async function searchTypes(
  api: BackupApi,
  spaceKey: string,
  kinds: readonly TreeItemType[],
  signal: AbortSignal | undefined,
): Promise<TreeItemRef[]> {
  const cql = `space = "${spaceKey.replaceAll('"', '\\"')}" and type in (${kinds.join(', ')})`;
  const out = new Map<string, TreeItemRef>();
  for await (const hit of api.searchContent(cql, signal ? { signal } : {})) {
    if (!isTreeItemType(hit.type)) continue;
    out.set(hit.id, {
      id: hit.id,
      kind: hit.type,
      title: hit.title ?? undefined,
      versionNumber: hit.version?.number ?? undefined,
    });
  }
  return [...out.values()];
}
