// Comments of one restored item, oldest first as the snapshot keeps them, so the target lists them in the same
// order: footer comments with their replies, and inline comments anchored again to the text they highlighted
// (see inline-anchors.ts); one whose text is no longer in the page cannot be placed and is reported. A comment
// is created once: the journal maps old to new ids, and on an item that existed before this run the target's
// comments are listed first and matched by id (in place) or by body (a run that stopped before its journal
// write). Authors and times become the restoring user and now, as Cloud allows nothing else.

import type {
  FooterCommentTarget,
  InlineCommentTarget,
} from '../../../sources/confluence/client/client-types.ts';
import type { CommentRecord, ContentRecord } from '../../../sources/confluence/layout.ts';
import { anchorFor } from '../../../sources/confluence/restore/inline-anchors.ts';
import { sameStorage } from '../../../sources/confluence/restore/storage-compare.ts';
import { attempt, documentKind, itemName, rewrite, type SpaceRestore } from './context.ts';

export interface ExistingComment {
  id: string;
  body: string;
  replies: ExistingComment[];
  /** Inline comments: the ref of their marker in the page's body. */
  ref?: string | undefined;
}

/**
 * The comment of the target that a snapshot comment already stands as: the same id (in place, or the one this
 * restore's journal recorded), else the same body (made by an earlier restore whose journal is gone). `claimed`:
 * target comments already matched to another, never matched twice.
 */
export function existingFor(
  ctx: SpaceRestore,
  record: CommentRecord,
  pool: readonly ExistingComment[],
  claimed: ReadonlySet<string> = new Set(),
): ExistingComment | undefined {
  const id = ctx.journal.state.comments.get(record.id) ?? record.id;
  const free = pool.filter((c) => !claimed.has(c.id));
  const byId = free.find((c) => c.id === id);
  if (byId) return byId;
  const body = rewrite(ctx, record.body).text;
  return free.find((c) => sameStorage(c.body, body));
}

type Kind = 'footer' | 'inline';

async function listExisting(
  ctx: SpaceRestore,
  kind: Kind,
  target: FooterCommentTarget | InlineCommentTarget,
): Promise<ExistingComment[]> {
  const { client } = ctx;
  const call = ctx.signal ? { signal: ctx.signal } : {};
  const out: ExistingComment[] = [];
  const container =
    'pageId' in target
      ? { kind: 'page' as const, id: target.pageId }
      : 'blogPostId' in target
        ? { kind: 'blogpost' as const, id: target.blogPostId }
        : 'attachmentId' in target
          ? { kind: 'attachment' as const, id: target.attachmentId }
          : undefined;
  if (!container || container.id.startsWith('new:')) return out;
  const tops =
    kind === 'footer'
      ? client.listFooterComments(container.kind, container.id, call)
      : container.kind === 'attachment'
        ? []
        : client.listInlineComments(container.kind, container.id, call);
  for await (const c of tops) {
    const replies: ExistingComment[] = [];
    const children =
      kind === 'footer'
        ? client.listFooterCommentReplies(c.id, call)
        : client.listInlineCommentReplies(c.id, call);
    for await (const r of children)
      replies.push({ id: r.id, body: r.body?.storage?.value ?? '', replies: [] });
    out.push({ id: c.id, body: c.body?.storage?.value ?? '', replies });
  }
  return out;
}

/** Footer and inline comments of a page or blog post; `withMarkers`: its body with every inline marker. */
export async function restoreComments(
  ctx: SpaceRestore,
  item: ContentRecord,
  newId: string,
  withMarkers: string | undefined,
): Promise<void> {
  const kind = documentKind(item);
  if (!kind) return;
  const records = await ctx.reader.comments(ctx.source.key, item.id);
  if (records.length === 0) return;
  const target = kind === 'page' ? { pageId: newId } : { blogPostId: newId };
  const footer = records.filter((c) => c.kind === 'footer');
  const inline = records.filter((c) => c.kind === 'inline');
  if (footer.length > 0) await restoreCommentThreads(ctx, item, footer, 'footer', target, undefined);
  if (inline.length > 0)
    await restoreCommentThreads(ctx, item, inline, 'inline', target, { withMarkers, placed: new Set() });
}

/**
 * Top-level comments of one kind on one container (a page, blog post or attachment) and their replies.
 * `inline` carries the body with every marker and the refs already placed, for the anchors.
 */
export async function restoreCommentThreads(
  ctx: SpaceRestore,
  item: ContentRecord,
  records: CommentRecord[],
  kind: Kind,
  target: FooterCommentTarget | InlineCommentTarget,
  inline: { withMarkers: string | undefined; placed: Set<string> } | undefined,
): Promise<void> {
  const dry = ctx.settings.dryRun;
  const fresh = ctx.createdNow.has(item.id);
  const existing = fresh ? [] : await listExisting(ctx, kind, target);
  const claimed = new Set<string>();

  const ensure = async (
    record: CommentRecord,
    where: FooterCommentTarget | InlineCommentTarget,
    pool: ExistingComment[],
    anchor: Parameters<typeof ctx.client.createInlineComment>[2],
  ): Promise<{ id: string; replies: ExistingComment[] } | undefined> => {
    const body = rewrite(ctx, record.body).text;
    const journaled = ctx.journal.state.comments.get(record.id);
    if (journaled !== undefined) {
      claimed.add(journaled);
      await resolve(record, journaled, undefined);
      return { id: journaled, replies: pool.find((c) => c.id === journaled)?.replies ?? [] };
    }
    const found = existingFor(ctx, record, pool, claimed);
    if (found) {
      claimed.add(found.id);
      if (!dry) await ctx.journal.record({ t: 'comment', old: record.id, new: found.id });
      await resolve(record, found.id, undefined);
      return { id: found.id, replies: found.replies };
    }
    if (kind === 'footer') ctx.report.counts.footerComments++;
    else ctx.report.counts.inlineComments++;
    if (dry) return { id: `new:${record.id}`, replies: [] };
    const storage = { representation: 'storage' as const, value: body };
    const made =
      kind === 'footer'
        ? await ctx.client.createFooterComment(where as FooterCommentTarget, storage, callOf(ctx))
        : await ctx.client.createInlineComment(where as InlineCommentTarget, storage, anchor, callOf(ctx));
    await ctx.journal.record({ t: 'comment', old: record.id, new: made.id });
    await resolve(record, made.id, { body: storage, version: made.version?.number ?? 1, status: 'open' });
    return { id: made.id, replies: [] };
  };

  /** Sets the resolution state of an inline comment (once: recorded in the journal). */
  const resolve = async (
    record: CommentRecord,
    id: string,
    known:
      | { body: { representation: 'storage'; value: string }; version: number; status: string }
      | undefined,
  ): Promise<void> => {
    const state = record.inline?.resolutionStatus;
    const step = `resolution:${record.id}`;
    if (kind !== 'inline' || state === undefined || state === 'open' || dry) return;
    if (ctx.journal.state.done.has(step)) return;
    if (state !== 'resolved' && state !== 'reopened') {
      ctx.report.warn(`inline comments come back open: their resolution state (${state}) cannot be set`);
      return;
    }
    await ctx.resolutions.ensure(id, state, known, callOf(ctx));
    await ctx.journal.record({ t: 'done', step });
  };

  const standing = (record: CommentRecord) => existingFor(ctx, record, existing) !== undefined;
  // Markers already in the target body (the body pass kept them): comments that still exist or that a run before
  // placed.
  for (const top of records) {
    const ref = top.inline?.markerRef;
    if (inline && ref !== undefined && (ctx.journal.state.comments.has(top.id) || standing(top)))
      inline.placed.add(ref);
  }
  for (const top of records) {
    if (top.status !== 'current') continue;
    const what = `${itemName(item)}: ${kind} comment ${top.id}`;
    let anchor: Parameters<typeof ctx.client.createInlineComment>[2];
    const ref = top.inline?.markerRef;
    if (inline && ref !== undefined && !ctx.journal.state.comments.has(top.id)) {
      if (!standing(top)) {
        const outcome = anchorFor(
          inline.withMarkers ?? '',
          ref,
          top.inline?.originalSelection ?? '',
          inline.placed,
        );
        if (!outcome.ok) {
          ctx.report.failed(ctx.source.key, what, `cannot be placed: ${outcome.reason}`);
          continue;
        }
        anchor = outcome.anchor;
      }
    }
    const made = await attempt(ctx, what, () => ensure(top, target, existing, anchor));
    if (!made) continue;
    if (inline && ref !== undefined) inline.placed.add(ref);
    for (const reply of top.replies) {
      if (reply.status !== 'current') continue;
      await attempt(ctx, `${what}: reply ${reply.id}`, () =>
        ensure(reply, { parentCommentId: made.id }, made.replies, undefined),
      );
    }
  }
}

function callOf(ctx: SpaceRestore): { signal?: AbortSignal } {
  return ctx.signal ? { signal: ctx.signal } : {};
}
