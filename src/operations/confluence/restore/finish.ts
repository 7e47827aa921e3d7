// The last writes of a restore: items that were in the trash go back there, and restrictions are set, children
// before parents (a read restriction is inherited down the tree: set on a parent first, it could hide the
// children from the restoring user before theirs are written). Only principals that exist on the target are
// written (principals.ts: a group the target lacks by id is looked up by its recorded name); the others are
// reported. Pages archived in the snapshot come back current (the archive API is an asynchronous,
// edition-dependent job outside what a restore can rely on) and are reported as a warning.

import { forEachConcurrently } from '../../../common/concurrency.ts';
import type { RestrictionInput } from '../../../sources/confluence/client/client-types.ts';
import type { ContentRecord } from '../../../sources/confluence/layout.ts';
import { attempt, documentKind, itemName, type SpaceRestore } from './context.ts';
import { Principals } from './principals.ts';

export async function finishRestore(ctx: SpaceRestore): Promise<void> {
  const { report, journal } = ctx;
  const dry = ctx.settings.dryRun;
  const call = ctx.signal ? { signal: ctx.signal } : {};
  const restored = ctx.selected.filter((i) => ctx.run.ids.has(i.id) && !ctx.failed.has(i.id));

  for (const item of restored) {
    if (item.status === 'archived' && ctx.createdNow.has(item.id))
      report.warn('archived pages are restored as current pages: archive them again in Confluence');
    if (item.status !== 'trashed' || !ctx.createdNow.has(item.id)) continue;
    const kind = documentKind(item);
    if (!kind) {
      report.warn(
        `trashed ${item.type}s are not restored to the trash (the API can only trash pages and blog posts)`,
      );
      continue;
    }
    report.counts.itemsTrashed++;
    if (dry) continue;
    await attempt(ctx, `${itemName(item)}: move to the trash`, async () => {
      await ctx.client.deleteContent(kind, ctx.run.ids.get(item.id)!, call);
      await journal.record({ t: 'done', step: `trash:${item.id}` });
    });
  }

  const principals = new Principals(ctx);
  const restricted = restored.filter((i) => i.status !== 'trashed').reverse();
  let done = 0;
  // Children before parents: one depth level at a time, deepest first, each level concurrently.
  const depth = new Map<string, number>();
  const depthOf = (item: ContentRecord): number => {
    const known = depth.get(item.id);
    if (known !== undefined) return known;
    const parent = item.parentId === undefined ? undefined : ctx.items.get(item.parentId);
    const d = parent && parent.id !== item.id ? depthOf(parent) + 1 : 0;
    depth.set(item.id, d);
    return d;
  };
  const levels = new Map<number, ContentRecord[]>();
  for (const item of restricted) {
    const d = depthOf(item);
    const level = levels.get(d);
    if (level) level.push(item);
    else levels.set(d, [item]);
  }
  for (const d of [...levels.keys()].sort((a, b) => b - a)) {
    await forEachConcurrently(levels.get(d)!, ctx.settings.concurrency, async (item) => {
      await restoreRestrictions(ctx, item, principals);
      ctx.progress('finish', ++done, restricted.length);
    });
  }
}

async function restoreRestrictions(
  ctx: SpaceRestore,
  item: ContentRecord,
  principals: Principals,
): Promise<void> {
  const step = `restrictions:${item.id}`;
  if (ctx.journal.state.done.has(step)) return;
  const meta = await ctx.reader.meta(ctx.source.key, item.id);
  const { read, update } = meta.restrictions;
  const any = read.users.length + read.groups.length + update.users.length + update.groups.length > 0;
  // An item this restore created (in any run) has none until this step sets them; one that existed before may
  // have gained some since the snapshot.
  if (!any && (ctx.createdNow.has(item.id) || ctx.journal.state.created.has(item.id))) return;
  const newId = ctx.run.ids.get(item.id)!;
  const name = itemName(item);
  const keep = async (operation: 'read' | 'update', list: { users: string[]; groups: string[] }) => {
    const out: RestrictionInput = { operation, users: [], groups: [] };
    for (const user of list.users) {
      if (await principals.user(user)) out.users.push(user);
      else
        ctx.report.failed(
          ctx.source.key,
          `${name}: ${operation} restriction for user ${user}`,
          'no such user on the target',
        );
    }
    for (const group of list.groups) {
      const found = await principals.group(group, meta.groupNames[group]);
      if (found !== undefined) {
        if (!out.groups.includes(found)) out.groups.push(found);
      } else
        ctx.report.failed(
          ctx.source.key,
          `${name}: ${operation} restriction for group ${meta.groupNames[group] ?? group}`,
          'no such group on the target',
        );
    }
    return out;
  };
  await attempt(ctx, `${name}: restrictions`, async () => {
    const wanted = [await keep('read', read), await keep('update', update)];
    if (!ctx.createdNow.has(item.id) && !newId.startsWith('new:')) {
      const current = await ctx.client.getRestrictions(newId, ctx.signal ? { signal: ctx.signal } : {});
      const same = wanted.every((w) => {
        const c = current.find((r) => r.operation === w.operation);
        const users = [...(c?.users ?? [])].sort().join();
        const groups = (c?.groups ?? [])
          .map((g) => g.id)
          .sort()
          .join();
        return users === [...w.users].sort().join() && groups === [...w.groups].sort().join();
      });
      if (same) {
        if (!ctx.settings.dryRun) await ctx.journal.record({ t: 'done', step });
        return;
      }
    }
    ctx.report.counts.restrictions++;
    if (ctx.settings.dryRun) return;
    await ctx.client.setRestrictions(newId, wanted, ctx.signal ? { signal: ctx.signal } : {});
    await ctx.journal.record({ t: 'done', step });
  });
}
