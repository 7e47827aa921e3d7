// The body pass, once every new id is known: a page or blog post gets a new version when the body it must
// have (references rewritten with the complete id map) differs from what the target holds. That covers the
// pages created with forward references, the homepage of a new space, pages found by title, and, in place,
// pages changed since the snapshot (rolled back by a new version with the old content). Pages created with
// their final body were marked done at creation and cost nothing here.
//
// In place, the markers of inline comments that still exist on the page stay in the body (the comments stay
// anchored); the others are unwrapped and the comments are recreated later.

import { forEachConcurrently } from '../../common/concurrency.ts';
import type { ContentRecord } from '../../sources/confluence/layout.ts';
import { inlineMarkers } from '../../sources/confluence/restore/inline-anchors.ts';
import {
  attempt,
  desiredBody,
  documentKind,
  itemName,
  restoredStatus,
  type SpaceRestore,
} from './restore-context.ts';

async function markersToKeep(ctx: SpaceRestore, item: ContentRecord, newId: string): Promise<Set<string>> {
  const kind = documentKind(item);
  if (!ctx.settings.inPlace || newId !== item.id || !kind) return new Set();
  const storage = await ctx.reader.body(ctx.source.key, item.id, 'storage');
  if (storage === undefined || inlineMarkers(storage).length === 0) return new Set();
  const kept = new Set<string>();
  const call = ctx.signal ? { signal: ctx.signal } : {};
  for await (const c of ctx.client.listInlineComments(kind, newId, call)) {
    const ref = c.properties?.inlineMarkerRef;
    if (ref) kept.add(ref);
  }
  return kept;
}

export async function restoreBodies(ctx: SpaceRestore): Promise<void> {
  const docs = ctx.selected.filter((i) => documentKind(i) && !ctx.failed.has(i.id));
  let done = 0;
  await forEachConcurrently(docs, ctx.settings.concurrency, async (item) => {
    await attempt(ctx, `${itemName(item)}: body`, () => restoreBody(ctx, item));
    ctx.progress('bodies', ++done, docs.length);
  });
}

async function restoreBody(ctx: SpaceRestore, item: ContentRecord): Promise<void> {
  const newId = ctx.run.ids.get(item.id);
  const kind = documentKind(item);
  if (newId === undefined || !kind) return;
  const step = `body:${item.id}`;
  if (ctx.journal.state.done.has(step)) return;
  if (ctx.createdNow.has(item.id) && ctx.settings.dryRun) return;
  const keep = ctx.createdNow.has(item.id) ? new Set<string>() : await markersToKeep(ctx, item, newId);
  const body = await desiredBody(ctx, item, keep);
  const target = ctx.index.byId.get(newId);
  const createdNow = ctx.createdNow.has(item.id);
  // In place, the same version is the same content (Cloud may write a body back in another spelling, so the
  // version is the surer test) as long as the rewrite changes nothing (a link to a page recreated with a new id
  // needs a new version); elsewhere the body must be the one wanted.
  const sameVersion =
    ctx.settings.inPlace &&
    newId === item.id &&
    target !== undefined &&
    target.version === item.version.number &&
    body.withMarkers !== undefined &&
    body.withMarkers === (await ctx.reader.body(ctx.source.key, item.id, 'storage'));
  if (
    !createdNow &&
    target !== undefined &&
    target.title === item.title &&
    (sameVersion || (body.write.representation === 'storage' && (target.storage ?? '') === body.write.value))
  ) {
    if (!ctx.settings.dryRun) await ctx.journal.record({ t: 'done', step });
    return;
  }
  ctx.report.counts.versionsWritten++;
  if (ctx.settings.dryRun) return;
  const status = restoredStatus(item) === 'draft' ? 'draft' : 'current';
  // A page this run created is at version 1; one that was untrashed or found has to be read first.
  const input = {
    title: item.title,
    body: body.write,
    status,
    ...(createdNow ? { baseVersion: 1 } : {}),
  } as const;
  const call = ctx.signal ? { signal: ctx.signal } : {};
  if (kind === 'page') await ctx.client.updatePage(newId, input, call);
  else await ctx.client.updateBlogPost(newId, input, call);
  await ctx.journal.record({ t: 'done', step });
}
