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
import { cqlString } from './cql-string.ts';
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
  /**
   * List bodies in this format along with the items (a full backup: no batch fetch needed afterwards), each
   * handed to `onBody` as it arrives (with its item's id and version) and not kept: a space's bodies are never
   * all in memory. An item listed twice under concurrent edits gives two bodies: the newer version's counts.
   */
  bodies?:
    | { format: BodyFormat; onBody: (id: string, version: number, value: string) => Promise<void> }
    | undefined;
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
  const body = options.bodies ? { bodyFormat: options.bodies.format } : {};
  const [pages, posts, search] = await Promise.all([
    newest<Page>(
      api.listPagesInSpace(space.id, { statuses: [...PAGE_STATUSES], ...body, ...signal }),
      options.bodies,
    ),
    newest<BlogPost>(
      api.listBlogPostsInSpace(space.id, {
        statuses: [...BLOG_POST_STATUSES],
        ...body,
        ...signal,
      }),
      options.bodies,
    ),
    searchTreeItems(api, space.key, options.signal),
  ]);
  const documents: ContentRecord[] = [];
  for (const page of pages) documents.push(pageRecord(page));
  for (const post of posts) documents.push(blogPostRecord(post));
  const treeItems = new Map<string, TreeItemRef>(search.hits.map((h) => [h.id, h]));
  const documentIds = new Set(documents.map((d) => d.id));
  for (const page of pages) {
    const parent = page.parentId;
    if (parent && isTreeItemType(page.parentType) && !treeItems.has(parent) && !documentIds.has(parent))
      treeItems.set(parent, { id: parent, kind: page.parentType });
  }
  return { documents, treeItems: [...treeItems.values()], refused: search.refused };
}

type Listed = {
  id: string;
  version?: { number: number } | null | undefined;
  body?:
    | Partial<Record<BodyFormat, { value?: string | null | undefined } | null | undefined>>
    | null
    | undefined;
};

/** The newest listed version of each item, its body handed on and dropped. */
async function newest<T extends Listed>(
  items: AsyncIterable<T>,
  bodies: InventoryOptions['bodies'],
): Promise<T[]> {
  const map = new Map<string, T>();
  for await (const item of items) {
    const value = bodies ? item.body?.[bodies.format]?.value : undefined;
    if (item.body !== undefined) item.body = undefined;
    if (bodies && value !== undefined && value !== null)
      await bodies.onBody(item.id, item.version?.number ?? 0, value);
    keepNewest(map, item);
  }
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
  const cql = `space = ${cqlString(spaceKey)} and type in (${kinds.join(', ')})`;
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
