// What hangs off each restored item and does not need the final bodies: attachments (before the body pass, so
// bodies can name the new attachment ids), then labels, content properties and comments (after it: inline
// comments anchor to the final text). Items run concurrently; the steps of one item run in order and each is
// recorded in the journal once done, so a resumed restore skips them.

import { forEachConcurrently } from '../../../common/concurrency.ts';
import type { PropertyOwnerKind } from '../../../sources/confluence/client/client-types.ts';
import type { ContentRecord } from '../../../sources/confluence/layout.ts';
import { restoreAttachments } from './attachments.ts';
import { restoreComments } from './comments.ts';
import {
  attempt,
  desiredBody,
  documentKind,
  itemName,
  restoreLabels,
  rewrite,
  type SpaceRestore,
} from './context.ts';

function live(ctx: SpaceRestore): { item: ContentRecord; newId: string }[] {
  const out: { item: ContentRecord; newId: string }[] = [];
  for (const item of ctx.selected) {
    const newId = ctx.run.ids.get(item.id);
    if (newId !== undefined && !ctx.failed.has(item.id)) out.push({ item, newId });
  }
  return out;
}

export async function restoreAttachmentsOfItems(ctx: SpaceRestore): Promise<void> {
  const items = live(ctx).filter(({ item }) => documentKind(item));
  let done = 0;
  await forEachConcurrently(items, ctx.settings.concurrency, async ({ item, newId }) => {
    if (!ctx.journal.state.done.has(`attachments:${item.id}`)) {
      const before = ctx.report.notRestored.length;
      await attempt(ctx, `${itemName(item)}: attachments`, () => restoreAttachments(ctx, item, newId));
      if (!ctx.settings.dryRun && ctx.report.notRestored.length === before)
        await ctx.journal.record({ t: 'done', step: `attachments:${item.id}` });
    }
    ctx.progress('details', ++done, items.length);
  });
}

export async function restoreDetails(ctx: SpaceRestore): Promise<void> {
  const items = live(ctx);
  let done = 0;
  await forEachConcurrently(items, ctx.settings.concurrency, async ({ item, newId }) => {
    await restoreItemDetails(ctx, item, newId);
    ctx.progress('details', ++done, items.length);
  });
}

async function restoreItemDetails(ctx: SpaceRestore, item: ContentRecord, newId: string): Promise<void> {
  const { client, journal, report } = ctx;
  const call = ctx.signal ? { signal: ctx.signal } : {};
  const dry = ctx.settings.dryRun;
  const name = itemName(item);
  const meta = await ctx.reader.meta(ctx.source.key, item.id);

  const labelsStep = `labels:${item.id}`;
  if (meta.labels.length > 0 && !journal.state.done.has(labelsStep)) {
    await attempt(ctx, `${name}: labels`, async () => {
      const kind = documentKind(item);
      const existed = !ctx.createdNow.has(item.id) && !newId.startsWith('new:');
      await restoreLabels(ctx, newId, meta.labels, existed && kind ? kind : undefined);
      if (!dry) await journal.record({ t: 'done', step: labelsStep });
    });
  }

  const propsStep = `properties:${item.id}`;
  if (meta.properties.length > 0 && !journal.state.done.has(propsStep)) {
    await attempt(ctx, `${name}: properties`, async () => {
      const kind = item.type as PropertyOwnerKind;
      const existing = new Map<string, { id: string; value: unknown; version: number }>();
      if (!ctx.createdNow.has(item.id) && !newId.startsWith('new:'))
        for await (const p of client.listContentProperties(kind, newId, call))
          existing.set(p.key, { id: p.id, value: p.value, version: p.version?.number ?? 1 });
      for (const p of meta.properties) {
        const have = existing.get(p.key);
        if (have && JSON.stringify(have.value) === JSON.stringify(p.value)) continue;
        report.counts.properties++;
        if (dry) continue;
        if (have)
          await client.updateContentProperty(
            kind,
            newId,
            have.id,
            { key: p.key, value: p.value, version: have.version },
            call,
          );
        else await client.createContentProperty(kind, newId, { key: p.key, value: p.value }, call);
      }
      if (!dry) await journal.record({ t: 'done', step: propsStep });
    });
  }

  // Unpublished changes of a published page (backups with --drafts): saved again as its draft, on items the
  // restore made (in place, a draft someone saved since stays theirs).
  const draftStep = `draft:${item.id}`;
  const kind = documentKind(item);
  const made = ctx.createdNow.has(item.id) || journal.state.created.has(item.id);
  if (kind && made && item.status !== 'draft' && !journal.state.done.has(draftStep)) {
    await attempt(ctx, `${name}: pending draft`, async () => {
      const draft = await ctx.reader.draft(ctx.source.key, item.id);
      if (!draft) return;
      report.counts.pendingDrafts++;
      if (dry) return;
      const body = { representation: 'storage', value: rewrite(ctx, draft.storage).text } as const;
      const input = { title: draft.record.title, body, status: 'draft' } as const;
      if (kind === 'page') await client.updatePage(newId, input, call);
      else await client.updateBlogPost(newId, input, call);
      await journal.record({ t: 'done', step: draftStep });
    });
  }

  const commentsStep = `comments:${item.id}`;
  if (documentKind(item) && !journal.state.done.has(commentsStep)) {
    const before = report.notRestored.length;
    await attempt(ctx, `${name}: comments`, async () => {
      const body = await desiredBody(ctx, item);
      await restoreComments(ctx, item, newId, body.withMarkers);
    });
    if (!dry && report.notRestored.length === before) await journal.record({ t: 'done', step: commentsStep });
  }
}
