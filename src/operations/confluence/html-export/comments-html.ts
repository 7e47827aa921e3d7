// Comments of an exported page: footer comments, then inline comments with the text they highlight and their
// resolution, each with its replies nested. Bodies are storage format, rendered like the page body. Nesting
// deeper than a few levels is shown flat, so hostile reply chains cannot make the page unreadable.

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
    `<li class="comment comment-${comment.kind}"><div class="comment-meta">${versionHtml(comment.version)}${resolution}</div>` +
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

export function commentsHtml(comments: CommentRecord[], ctx: RenderContext): string {
  const visible = comments.filter((c) => c.status === 'current' || c.status === undefined);
  const footer = visible.filter((c) => c.kind === 'footer');
  const inline = visible.filter((c) => c.kind === 'inline');
  if (footer.length + inline.length === 0) return '';
  const list = (items: CommentRecord[]) =>
    `<ol class="comments">${items.map((c) => commentHtml(c, ctx, 0)).join('')}</ol>`;
  return (
    `<section class="comments-section"><h2>Comments</h2>` +
    `${footer.length > 0 ? list(footer) : ''}` +
    `${inline.length > 0 ? `<h3>Inline comments</h3>${list(inline)}` : ''}</section>`
  );
}
