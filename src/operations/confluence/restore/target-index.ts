// The pages and blog posts a target space holds before the restore writes anything (with their storage bodies,
// so a rollback can tell whether a page changed): found by id (in place), by title (page titles are unique in a
// space, so a page a crashed run created is found again instead of duplicated), and blog posts by title and
// creation time (a restore back-dates them, so the pair names the one it made).

import type { ConfluenceClient } from '../../../sources/confluence/client/client.ts';
import type { Page } from '../../../sources/confluence/client/records.ts';

export interface TargetItem {
  id: string;
  type: 'page' | 'blogpost';
  status: string;
  title: string;
  parentId: string | undefined;
  position: number | undefined;
  version: number;
  createdAt: string | undefined;
  storage: string | undefined;
}

/** A page as a listing returned it (with its storage body). */
export function targetPage(p: Page): TargetItem {
  return {
    id: p.id,
    type: 'page',
    status: p.status,
    title: p.title,
    parentId: p.parentId ?? undefined,
    position: p.position ?? undefined,
    version: p.version?.number ?? 0,
    createdAt: p.createdAt ?? undefined,
    storage: p.body?.storage?.value ?? undefined,
  };
}

function blogKey(title: string, createdAt: string | undefined): string {
  const ms = createdAt === undefined ? Number.NaN : Date.parse(createdAt);
  return `${title}\n${Number.isNaN(ms) ? '' : ms}`;
}

export class TargetIndex {
  readonly byId = new Map<string, TargetItem>();
  readonly #pages = new Map<string, TargetItem>();
  readonly #posts = new Map<string, TargetItem>();

  /** Reads the space's pages (current, archived, trashed) and blog posts (current, trashed) with bodies. */
  static async load(
    client: ConfluenceClient,
    spaceId: string,
    signal: AbortSignal | undefined,
  ): Promise<TargetIndex> {
    const index = new TargetIndex();
    const call = signal ? { signal } : {};
    const pages = client.listPagesInSpace(spaceId, {
      statuses: ['current', 'archived', 'trashed'],
      bodyFormat: 'storage',
      ...call,
    });
    for await (const p of pages) {
      index.add(targetPage(p));
    }
    const posts = client.listBlogPostsInSpace(spaceId, {
      statuses: ['current', 'trashed'],
      bodyFormat: 'storage',
      ...call,
    });
    for await (const p of posts) {
      index.add({
        id: p.id,
        type: 'blogpost',
        status: p.status,
        title: p.title,
        parentId: undefined,
        position: undefined,
        version: p.version?.number ?? 0,
        createdAt: p.createdAt ?? undefined,
        storage: p.body?.storage?.value ?? undefined,
      });
    }
    return index;
  }

  /** Adds an item; a listing may return an item twice under concurrent edits: the newest version wins. */
  add(item: TargetItem): void {
    const known = this.byId.get(item.id);
    if (known && known.version > item.version) return;
    this.byId.set(item.id, item);
    if (item.type === 'page' && (item.status === 'current' || item.status === 'archived'))
      this.#pages.set(item.title.toLowerCase(), item);
    if (item.type === 'blogpost' && item.status === 'current')
      this.#posts.set(blogKey(item.title, item.createdAt), item);
  }

  /** The current or archived page with this title (case-insensitive, as Confluence compares them). */
  pageWithTitle(title: string): TargetItem | undefined {
    const page = this.#pages.get(title.toLowerCase());
    // An entry a newer version of the item replaced (renamed, trashed) no longer counts.
    return page && this.byId.get(page.id) === page ? page : undefined;
  }

  blogPost(title: string, createdAt: string | undefined): TargetItem | undefined {
    const post = this.#posts.get(blogKey(title, createdAt));
    return post && this.byId.get(post.id) === post ? post : undefined;
  }
}
