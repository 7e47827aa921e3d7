// The tree of a restore: every selected item exists in the target afterwards, with its parent and its place
// among its siblings. An item is found before it is created (the journal, the same id in place, the space
// homepage, a page's title, a blog post's title and creation time, a folder's title under its parent), so a
// resumed restore never duplicates. New items are created parents first and siblings in order, each appended
// as its parent's last child, so their order needs no move; siblings of different parents are created
// concurrently. Bodies are written at creation with the ids known at that moment (a later pass rewrites the
// few with forward references, see bodies.ts). Trashed items are created after the rest (and moved to
// the trash at the end), so that a current page and a trashed one of the same title never meet.

import { forEachConcurrently, Semaphore } from '../../../common/concurrency.ts';
import { StepvaultError } from '../../../common/errors.ts';
import type {
  BodyWrite,
  HierarchyKind,
  TreeItemKind,
} from '../../../sources/confluence/client/client-types.ts';
import { httpStatusOf } from '../../../sources/confluence/client/http-errors.ts';
import { cqlString } from '../../../sources/confluence/cql-string.ts';
import type { ContentRecord } from '../../../sources/confluence/layout.ts';
import { childrenByParent, reorderMoves } from '../../../sources/confluence/restore/tree-order.ts';
import {
  attempt,
  desiredBody,
  documentKind,
  isFatal,
  itemName,
  restoredStatus,
  type SpaceRestore,
} from './context.ts';
import { type TargetItem, targetPage } from './target-index.ts';

const ROOT = '\0root';

interface Found {
  id: string;
  /** The target's page or blog post as indexed, when known. */
  target: TargetItem | undefined;
  journaled: boolean;
  createdEarlier: boolean;
  /** The parent of a folder, whiteboard, … found in place (pages have theirs in `target`). */
  treeParentId?: string | undefined;
}

interface Placement {
  parentId: string | undefined;
  rootLevel: boolean;
}

class TreeRestore {
  readonly ctx: SpaceRestore;
  readonly call: { signal?: AbortSignal };
  /** Parents (new id, or ROOT) whose children's order must be checked against the target. */
  readonly orderCheck = new Set<string>();
  /** Target ids already standing for some snapshot item. */
  readonly claimed = new Set<string>();
  /** New id -> old id. */
  readonly oldOf = new Map<string, string>();
  readonly #listings = new Map<string, Promise<{ id: string; type: string; title: string }[]>>();
  /** Children being looked for or created, per parent (new id, or ROOT). */
  readonly #working = new Map<string, number>();
  done = 0;

  constructor(ctx: SpaceRestore) {
    this.ctx = ctx;
    this.call = ctx.signal ? { signal: ctx.signal } : {};
    for (const [oldId, id] of ctx.run.ids) {
      this.claimed.add(id);
      this.oldOf.set(id, oldId);
    }
  }

  map(oldId: string, newId: string): void {
    this.ctx.run.ids.set(oldId, newId);
    this.claimed.add(newId);
    this.oldOf.set(newId, oldId);
  }

  placement(item: ContentRecord): Placement {
    const { ctx } = this;
    if (item.type === 'blogpost') return { parentId: undefined, rootLevel: false };
    if (item.parentId === undefined) return { parentId: undefined, rootLevel: true };
    const parentNew = ctx.run.ids.get(item.parentId);
    if (parentNew !== undefined) return { parentId: parentNew, rootLevel: false };
    if (!ctx.selectedIds.has(item.parentId)) {
      // The parent is not restored: page mode puts the item where the orchestrator decided.
      if (ctx.anchorParentId !== undefined) return { parentId: ctx.anchorParentId, rootLevel: false };
      return { parentId: undefined, rootLevel: true };
    }
    throw new StepvaultError('internal', `parent ${item.parentId} of ${item.id} was not created first`);
  }

  async children(parent: { id: string; kind: HierarchyKind }) {
    let listing = this.#listings.get(parent.id);
    if (!listing) {
      listing = (async () => {
        const out: { id: string; type: string; title: string }[] = [];
        for await (const c of this.ctx.client.listDirectChildren(parent.kind, parent.id, this.call))
          out.push({ id: c.id, type: c.type, title: c.title ?? '' });
        return out;
      })();
      this.#listings.set(parent.id, listing);
    }
    return listing;
  }

  async searchRoot(item: ContentRecord): Promise<{ id: string; type: string; title: string }[]> {
    const cql = `type = ${item.type} and space = ${cqlString(this.ctx.target.key)} and title = ${cqlString(item.title)}`;
    const out: { id: string; type: string; title: string }[] = [];
    for await (const hit of this.ctx.client.searchContent(cql, this.call))
      out.push({ id: hit.id, type: hit.type, title: hit.title ?? '' });
    return out;
  }

  kindOfNew(newId: string): HierarchyKind {
    const oldId = this.oldOf.get(newId);
    const type = oldId === undefined ? undefined : this.ctx.items.get(oldId)?.type;
    return type === undefined || type === 'blogpost' ? 'page' : type;
  }

  async find(item: ContentRecord, place: Placement): Promise<Found | undefined> {
    const { ctx } = this;
    const { index, journal } = ctx;
    const doc = documentKind(item);
    const journaled = journal.state.items.get(item.id);
    if (journaled !== undefined) {
      const target = index.byId.get(journaled);
      if (target || !doc || item.status === 'draft')
        return { id: journaled, target, journaled: true, createdEarlier: journal.state.created.has(item.id) };
      // Journaled but gone from the target (purged since): create it again.
    }
    if (ctx.settings.inPlace) {
      if (doc) {
        const target = index.byId.get(item.id);
        if (target) return { id: item.id, target, journaled: false, createdEarlier: false };
      } else {
        try {
          const found = await ctx.client.getTreeItem(item.type as TreeItemKind, item.id, this.call);
          return {
            id: item.id,
            target: undefined,
            journaled: false,
            createdEarlier: false,
            treeParentId: found.parentId ?? undefined,
          };
        } catch (error) {
          if (httpStatusOf(error) !== 404) throw error;
        }
      }
    }
    if (item.id === ctx.source.homepageId && ctx.target.homepageId !== undefined)
      return {
        id: ctx.target.homepageId,
        target: index.byId.get(ctx.target.homepageId),
        journaled: false,
        createdEarlier: false,
      };
    if (ctx.target.fresh || item.status === 'trashed') return undefined;
    let target: TargetItem | undefined;
    if (item.type === 'page' && item.status !== 'draft') target = index.pageWithTitle(item.title);
    else if (item.type === 'blogpost') target = index.blogPost(item.title, item.createdAt);
    if (target && !this.claimed.has(target.id))
      return { id: target.id, target, journaled: false, createdEarlier: false };
    if (!doc) {
      // Folders, whiteboards, …: under their parent, or at the root through search (no listing exists).
      const candidates =
        place.parentId !== undefined
          ? await this.children({ id: place.parentId, kind: this.kindOfNew(place.parentId) })
          : await this.searchRoot(item);
      const same = candidates.find(
        (c) => c.type === item.type && c.title === item.title && !this.claimed.has(c.id),
      );
      if (same) return { id: same.id, target: undefined, journaled: false, createdEarlier: false };
    }
    return undefined;
  }

  async adopt(item: ContentRecord, found: Found, place: Placement): Promise<void> {
    const { ctx } = this;
    this.map(item.id, found.id);
    if (!found.journaled)
      await ctx.journal.record({ t: 'item', old: item.id, new: found.id, created: false });
    if (!found.createdEarlier) ctx.report.counts.itemsFound++;
    // Found, or made by an earlier run that may have stopped before it checked the order: checked again.
    this.orderCheck.add(place.parentId ?? ROOT);
    const target = found.target;
    const doc = documentKind(item);
    const wanted = restoredStatus(item);
    if (!doc && found.treeParentId !== undefined && place.parentId !== undefined) {
      if (found.treeParentId !== place.parentId) await this.moveUnder(found.id, place.parentId);
      return;
    }
    if (!target || !doc || wanted === 'trashed') return;
    if (target.status === 'trashed') {
      ctx.report.counts.itemsUntrashed++;
      this.orderCheck.add(place.parentId ?? ROOT);
      if (!ctx.settings.dryRun) await ctx.client.restoreFromTrash(doc, found.id, this.call);
    }
    if (doc === 'page' && place.parentId !== undefined && target.parentId !== place.parentId)
      await this.moveUnder(found.id, place.parentId);
  }

  /** Moves an item found elsewhere under its parent (as the last child; the order pass places it). */
  async moveUnder(id: string, parentId: string): Promise<void> {
    this.ctx.report.counts.itemsMoved++;
    this.orderCheck.add(parentId);
    if (!this.ctx.settings.dryRun) await this.ctx.client.movePage(id, 'append', parentId, this.call);
  }

  async create(item: ContentRecord, place: Placement): Promise<void> {
    const { ctx } = this;
    const { client } = ctx;
    ctx.report.created(item.type);
    if (ctx.settings.dryRun) {
      // A stand-in id, so that children and links can be planned; a forward reference means a second version.
      this.map(item.id, `new:${item.id}`);
      ctx.createdNow.add(item.id);
      if (documentKind(item) && (await desiredBody(ctx, item)).pending) ctx.report.counts.versionsWritten++;
      return;
    }
    const spaceId = ctx.target.id;
    const status = restoredStatus(item) === 'draft' ? 'draft' : 'current';
    let newId: string;
    let final = true;
    if (item.type === 'page' || item.type === 'blogpost') {
      const body = await desiredBody(ctx, item);
      final = !body.pending;
      const post = async (write: BodyWrite): Promise<string> => {
        if (item.type === 'blogpost') {
          const made = await client.createBlogPost(
            {
              spaceId,
              title: item.title,
              body: write,
              status,
              ...(item.createdAt !== undefined ? { createdAt: item.createdAt } : {}),
            },
            this.call,
          );
          return made.id;
        }
        const made = await client.createPage(
          {
            spaceId,
            title: item.title,
            body: write,
            status,
            ...(place.parentId !== undefined ? { parentId: place.parentId } : {}),
            ...(place.rootLevel ? { rootLevel: true } : {}),
            ...(item.subtype === 'live' ? { subtype: 'live' as const } : {}),
          },
          this.call,
        );
        return made.id;
      };
      try {
        newId = await post(body.write);
      } catch (error) {
        if (httpStatusOf(error) === 413) {
          // The site refuses a body this large: the item is made without it, so that its children, attachments
          // and comments keep their place, and the body pass tries again and names what the site refused.
          newId = await post({ representation: 'storage', value: '' });
          final = false;
        } else {
          const existing =
            item.type === 'page' && httpStatusOf(error) === 400
              ? await this.pageNamed(item.title)
              : undefined;
          if (!existing || item.status === 'trashed') throw error;
          // Created by a run that stopped before its journal write, or by someone meanwhile: take it.
          ctx.report.counts.itemsCreated[item.type]! -= 1;
          await this.adopt(
            item,
            { id: existing.id, target: existing, journaled: false, createdEarlier: false },
            place,
          );
          return;
        }
      }
    } else {
      const made = await client.createTreeItem(
        item.type,
        {
          spaceId,
          title: item.title,
          ...(place.parentId !== undefined ? { parentId: place.parentId } : {}),
          ...(item.embedUrl !== undefined ? { embedUrl: item.embedUrl } : {}),
        },
        this.call,
      );
      newId = made.id;
    }
    this.map(item.id, newId);
    ctx.createdNow.add(item.id);
    await ctx.journal.record({ t: 'item', old: item.id, new: newId, created: true });
    if (final && documentKind(item)) await ctx.journal.record({ t: 'done', step: `body:${item.id}` });
  }

  async pageNamed(title: string): Promise<TargetItem | undefined> {
    const { ctx } = this;
    for await (const p of ctx.client.listPagesInSpace(ctx.target.id, {
      title,
      statuses: ['current', 'archived'],
      bodyFormat: 'storage',
      ...this.call,
    })) {
      if (this.claimed.has(p.id)) continue;
      const item = targetPage(p);
      ctx.index.add(item);
      return item;
    }
    return undefined;
  }

  /** Finds or creates one item; a failure that is not fatal is reported and marks the item failed. */
  async ensure(item: ContentRecord): Promise<void> {
    const { ctx } = this;
    if (item.parentId !== undefined && ctx.failed.has(item.parentId)) {
      ctx.failed.add(item.id);
      ctx.report.failed(ctx.source.key, itemName(item), 'its parent could not be restored');
      return;
    }
    try {
      const place = this.placement(item);
      const key = place.parentId ?? ROOT;
      const siblingsInFlight = this.#working.get(key) ?? 0;
      // Cloud appends a new item as its parent's last child when it handles the request: siblings worked on
      // at overlapping times (looked for, then created) may land in another order, checked afterwards.
      if (siblingsInFlight > 0 && item.type !== 'blogpost') this.orderCheck.add(key);
      this.#working.set(key, siblingsInFlight + 1);
      try {
        const found = await this.find(item, place);
        if (found) await this.adopt(item, found, place);
        else await this.create(item, place);
      } finally {
        this.#working.set(key, this.#working.get(key)! - 1);
      }
    } catch (error) {
      if (isFatal(error, ctx.signal)) throw error;
      ctx.failed.add(item.id);
      ctx.report.failed(
        ctx.source.key,
        itemName(item),
        error instanceof Error ? error.message : String(error),
      );
    }
    ctx.progress('tree', ++this.done, ctx.selected.length);
  }
}

/** Creates or finds every selected item, then repairs the order where items were found rather than made. */
export async function restoreTree(ctx: SpaceRestore): Promise<void> {
  const tree = new TreeRestore(ctx);
  const live = ctx.selected.filter((i) => i.type !== 'blogpost' && i.status !== 'trashed');
  const children = childrenByParent(live);
  const gate = new Semaphore(ctx.settings.concurrency);
  const running: Promise<void>[] = [];
  let stop: unknown;
  // Every item as soon as its parent stands, siblings too, within the gate (whose queue keeps the snapshot's
  // order, so Cloud mostly appends them in it); a parent whose children were created at overlapping times has
  // its order checked, and repaired with the fewest moves, afterwards. The items at the root of the space go one
  // after the other: the API lists the root's pages but not its folders, so their order could not be checked.
  const one = async (item: ContentRecord): Promise<void> => {
    if (stop !== undefined) return;
    try {
      await gate.run(() => tree.ensure(item));
    } catch (error) {
      stop ??= error;
      return;
    }
    const kids = children.get(item.id);
    if (kids) running.push(group(kids));
  };
  const group = async (list: ContentRecord[]): Promise<void> => {
    await Promise.all(list.map(one));
  };
  running.push(
    (async () => {
      for (const item of children.get(undefined) ?? []) await one(item);
    })(),
  );
  for (let i = 0; i < running.length; i++) await running[i];
  if (stop !== undefined) throw stop;

  const posts = ctx.selected.filter((i) => i.type === 'blogpost' && i.status !== 'trashed');
  await forEachConcurrently(posts, ctx.settings.concurrency, (item) => tree.ensure(item));
  // Trashed items last (their parents exist by now), in creation order: a trashed parent comes first.
  for (const item of ctx.selected.filter((i) => i.status === 'trashed')) await tree.ensure(item);

  await restoreOrder(ctx, tree);
}

async function restoreOrder(ctx: SpaceRestore, tree: TreeRestore): Promise<void> {
  const parents = [...tree.orderCheck];
  if (parents.length === 0 || ctx.settings.dryRun) return;
  // Siblings as the snapshot has them, including items outside the selection that the target holds.
  const all = childrenByParent([...ctx.items.values()].filter((i) => i.type !== 'blogpost'));
  const targetIdOf = (oldId: string): string | undefined =>
    ctx.run.ids.get(oldId) ?? (ctx.settings.inPlace && ctx.index.byId.has(oldId) ? oldId : undefined);
  let done = 0;
  await forEachConcurrently(parents, ctx.settings.concurrency, async (parentKey) => {
    const oldParent =
      parentKey === ROOT ? undefined : (tree.oldOf.get(parentKey) ?? (ctx.settings.inPlace ? parentKey : ''));
    const siblings = (all.get(oldParent) ?? []).filter((c) => restoredStatus(c) === 'current');
    const wanted = siblings.map((c) => targetIdOf(c.id)).filter((id): id is string => id !== undefined);
    if (wanted.length >= 2)
      await attempt(ctx, `order of the children of ${oldParent ?? 'the space root'}`, async () => {
        let current: string[];
        if (parentKey === ROOT) {
          const roots: { id: string; position: number }[] = [];
          for await (const p of ctx.client.listPagesInSpace(ctx.target.id, { depth: 'root', ...tree.call }))
            roots.push({ id: p.id, position: p.position ?? 0 });
          current = roots.sort((a, b) => a.position - b.position).map((r) => r.id);
        } else {
          current = [];
          for await (const c of ctx.client.listDirectChildren(
            tree.kindOfNew(parentKey),
            parentKey,
            tree.call,
          ))
            current.push(c.id);
        }
        for (const move of reorderMoves(current, wanted)) {
          await ctx.client.movePage(move.id, move.position, move.targetId, tree.call);
          ctx.report.counts.itemsMoved++;
        }
      });
    ctx.progress('order', ++done, parents.length);
  });
}
