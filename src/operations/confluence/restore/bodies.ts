// The body pass, once every new id is known: a page or blog post gets a new version when the body it must
// have (references rewritten with the complete id map) differs from what the target holds. That covers the
// pages created with forward references, the homepage of a new space, pages found by title, and, in place,
// pages changed since the snapshot (rolled back by a new version with the old content). Pages created with
// their final body were marked done at creation and cost nothing here.
//
// A page the target already held (in place, found by title, or made by an earlier restore whose journal is gone)
// keeps the markers of its inline comments that match the snapshot's (see anchoredInTarget), under the target's
// own refs, so those comments stay anchored; the other markers are unwrapped and their comments created later.
// Bodies are compared as Cloud spells them (storage-compare.ts): a page that already says what the snapshot
// says gets no version. Every existing item that does get one is reported as changed.

import { forEachConcurrently } from '../../../common/concurrency.ts';
import type { ContentRecord } from '../../../sources/confluence/layout.ts';
import { inlineMarkers, unwrapMarkers } from '../../../sources/confluence/restore/inline-anchors.ts';
import { sameStorage } from '../../../sources/confluence/restore/storage-compare.ts';
import { type ExistingComment, existingFor } from './comments.ts';
import {
  attempt,
  desiredBody,
  documentKind,
  itemName,
  restoredStatus,
  type SpaceRestore,
} from './context.ts';

/**
 * The snapshot's inline comments that already stand in the target's page, with the ref of their marker there:
 * matched as the comments pass matches them (`existingFor`, each target comment once), and only those whose
 * marker is in the target's body.
 */
async function anchoredInTarget(
  ctx: SpaceRestore,
  item: ContentRecord,
  newId: string,
  targetStorage: string,
): Promise<Map<string, string>> {
  const anchored = new Map<string, string>();
  const kind = documentKind(item);
  if (!kind) return anchored;
  const storage = await ctx.reader.body(ctx.source.key, item.id, 'storage');
  if (storage === undefined || inlineMarkers(storage).length === 0) return anchored;
  const inTarget = new Set(inlineMarkers(targetStorage).map((m) => m.ref));
  if (inTarget.size === 0) return anchored;
  const records = (await ctx.reader.comments(ctx.source.key, item.id)).filter(
    (c) => c.kind === 'inline' && c.status === 'current' && c.inline?.markerRef !== undefined,
  );
  if (records.length === 0) return anchored;
  const existing: ExistingComment[] = [];
  const call = ctx.signal ? { signal: ctx.signal } : {};
  for await (const c of ctx.client.listInlineComments(kind, newId, call))
    existing.push({
      id: c.id,
      body: c.body?.storage?.value ?? '',
      replies: [],
      ref: c.properties?.inlineMarkerRef ?? undefined,
    });
  const claimed = new Set<string>();
  for (const record of records) {
    const found = existingFor(ctx, record, existing, claimed);
    if (!found) continue;
    claimed.add(found.id);
    if (found.ref !== undefined && inTarget.has(found.ref))
      anchored.set(record.inline!.markerRef!, found.ref);
  }
  return anchored;
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
  const createdNow = ctx.createdNow.has(item.id);
  if (createdNow && ctx.settings.dryRun) return;
  const target = ctx.index.byId.get(newId);
  const targetStorage = target?.storage ?? '';
  const anchored = createdNow
    ? new Map<string, string>()
    : await anchoredInTarget(ctx, item, newId, targetStorage);
  const body = await desiredBody(ctx, item, anchored);
  // In place, the same version is the same content as long as the rewrite changes nothing (a link to a page
  // recreated with a new id needs a new version); elsewhere the body must say what the snapshot says. Markers
  // of the target's own inline comments (none of the snapshot's) are not content.
  const sameVersion =
    ctx.settings.inPlace &&
    newId === item.id &&
    target !== undefined &&
    target.version === item.version.number &&
    body.withMarkers !== undefined &&
    body.withMarkers === (await ctx.reader.body(ctx.source.key, item.id, 'storage'));
  const ours = new Set(anchored.values());
  const sameBody =
    body.write.representation === 'storage' &&
    sameStorage(
      unwrapMarkers(targetStorage, (ref) => !ours.has(ref)),
      body.write.value,
    );
  if (!createdNow && target !== undefined && target.title === item.title && (sameVersion || sameBody)) {
    if (!ctx.settings.dryRun) await ctx.journal.record({ t: 'done', step });
    return;
  }
  ctx.report.counts.versionsWritten++;
  if (!createdNow && target !== undefined) {
    const lost = inlineMarkers(targetStorage).filter((m) => !ours.has(m.ref)).length;
    ctx.report.changed(
      ctx.source.key,
      itemName(item),
      (target.title === item.title
        ? 'its body'
        : `its title (was ${JSON.stringify(target.title)}) and body`) +
        ` replaced by the snapshot's (version ${target.version} -> ${target.version + 1})` +
        (lost > 0
          ? `; ${lost} inline comment${lost === 1 ? '' : 's'} of the target lose their place in it`
          : ''),
    );
  }
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
