// Comments of an exported page: footer comments, then inline comments with the text they highlight and their
// resolution, each with its replies nested, then the footer comments of each attachment under its file name.
// Every comment appears once: one the snapshot holds both on the page and on an attachment (a comment on an
// attachment that also names the page) is shown with the attachment only. Bodies are storage format, rendered
// like the page body. Nesting deeper than a few levels is shown flat, so hostile reply chains cannot make the
// page unreadable.

import type { CommentRecord } from '../../../sources/confluence/layout.ts';
import { escapeText } from '../../../sources/confluence/render/html-escape.ts';
import type { RenderContext } from '../../../sources/confluence/render/render-context.ts';
import { renderStorage } from '../../../sources/confluence/render/render-storage.ts';
import { versionHtml } from './html-format.ts';

const MAX_NESTING = 8;

function commentHtml(comment: CommentRecord, ctx: RenderContext, depth: number): string {
  const inline = comment.inline;
  const quote = inline?.originalSelection
    ? `<blockquote class="comment-selection">${escapeText(inline.originalSelection)}</blockquote>`
    : '';
  const resolution = inline?.resolutionStatus
    ? ` <span class="badge badge-resolution">${escapeText(inline.resolutionStatus)}</span>`
    : '';
  const body = renderStorage(comment.body, ctx).html;
  const replies = repliesHtml(comment.replies, ctx, depth + 1);
  return (
    `<li class="comment comment-${comment.kind}"><div class="comment-meta">${versionHtml(comment.version, (id) => ctx.userName(id))}${resolution}</div>` +
    `${quote}<div class="comment-body">${body}</div>${replies}</li>`
  );
}

function flatten(comments: CommentRecord[]): CommentRecord[] {
  const out: CommentRecord[] = [];
  const stack = [...comments].reverse();
  while (stack.length > 0) {
    const c = stack.pop()!;
    out.push({ ...c, replies: [] });
    for (let i = c.replies.length - 1; i >= 0; i--) stack.push(c.replies[i]!);
  }
  return out;
}

function repliesHtml(replies: CommentRecord[], ctx: RenderContext, depth: number): string {
  if (replies.length === 0) return '';
  const list = depth >= MAX_NESTING ? flatten(replies) : replies;
  return `<ol class="replies">${list.map((r) => commentHtml(r, ctx, depth)).join('')}</ol>`;
}

function isVisible(c: CommentRecord): boolean {
  return c.status === 'current' || c.status === undefined;
}

function collectIds(comments: readonly CommentRecord[], into: Set<string>): Set<string> {
  for (const c of comments) {
    into.add(c.id);
    collectIds(c.replies, into);
  }
  return into;
}

/** The comments without those in `ids` (a reply of a left-out comment goes with it). */
function without(comments: readonly CommentRecord[], ids: ReadonlySet<string>): CommentRecord[] {
  return comments.filter((c) => !ids.has(c.id)).map((c) => ({ ...c, replies: without(c.replies, ids) }));
}

export interface CommentedAttachment {
  title: string;
  comments: CommentRecord[];
}

export function commentsHtml(
  comments: CommentRecord[],
  ctx: RenderContext,
  attachments: readonly CommentedAttachment[] = [],
): string {
  const onAttachments = attachments
    .map((a) => ({ title: a.title, comments: a.comments.filter(isVisible) }))
    .filter((a) => a.comments.length > 0);
  const attachmentIds = new Set<string>();
  for (const a of onAttachments) collectIds(a.comments, attachmentIds);
  const visible = without(comments, attachmentIds).filter(isVisible);
  const footer = visible.filter((c) => c.kind === 'footer');
  const inline = visible.filter((c) => c.kind === 'inline');
  if (footer.length + inline.length + onAttachments.length === 0) return '';
  const list = (items: CommentRecord[]) =>
    `<ol class="comments">${items.map((c) => commentHtml(c, ctx, 0)).join('')}</ol>`;
  const perAttachment = onAttachments.map(
    (a) => `<h4><bdi>${escapeText(a.title)}</bdi></h4>${list(a.comments)}`,
  );
  return (
    `<section class="comments-section"><h2>Comments</h2>` +
    `${footer.length > 0 ? list(footer) : ''}` +
    `${inline.length > 0 ? `<h3>Inline comments</h3>${list(inline)}` : ''}` +
    `${perAttachment.length > 0 ? `<h3>Comments on attachments</h3>${perAttachment.join('')}` : ''}</section>`
  );
}
