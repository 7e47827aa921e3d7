// Footer and inline comments with replies. An inline comment needs its highlighted text to be present in the
// page body: creating one wraps the chosen occurrence in an `ac:inline-comment-marker`, in place (as Cloud
// does, the page keeps its version number), which is why a restore cannot always recreate inline comments.

import { storageOf } from './bodies.ts';
import type { Comment, Content } from './model.ts';
import { escapeXml } from './render-storage.ts';
import { badRequest, notFound, SimError } from './sim-error.ts';
import type { SimStore } from './store.ts';

export interface CommentInput {
  containerId?: string;
  parentCommentId?: string;
  body: string;
  authorId: string;
}

function newComment(
  store: SimStore,
  kind: Comment['kind'],
  containerId: string,
  input: CommentInput,
): Comment {
  const now = store.stamp();
  const comment: Comment = {
    id: store.newId(),
    kind,
    containerId,
    status: 'current',
    createdAt: now,
    versions: [
      {
        number: 1,
        createdAt: now,
        authorId: input.authorId,
        message: '',
        minorEdit: false,
        body: input.body,
      },
    ],
    properties: [],
  };
  if (input.parentCommentId !== undefined) comment.parentCommentId = input.parentCommentId;
  return comment;
}

function parentComment(store: SimStore, id: string, kind: Comment['kind']): Comment {
  const parent = store.comments.get(id);
  if (!parent || parent.kind !== kind || parent.status !== 'current') throw notFound(`Comment ${id}`);
  if (parent.parentCommentId !== undefined)
    throw badRequest('Replies can only be made to top-level comments');
  return parent;
}

export function createFooterComment(store: SimStore, input: CommentInput): Comment {
  let containerId = input.containerId;
  if (input.parentCommentId !== undefined)
    containerId = parentComment(store, input.parentCommentId, 'footer').containerId;
  if (containerId === undefined) throw badRequest('A container or a parent comment is required');
  const comment = newComment(store, 'footer', containerId, input);
  store.addComment(comment);
  return comment;
}

/** Positions of `needle` in `storage` that lie in text, not inside a tag. */
function textOccurrences(storage: string, needle: string): number[] {
  const out: number[] = [];
  if (needle === '') return out;
  for (let at = storage.indexOf(needle); at >= 0; at = storage.indexOf(needle, at + 1)) {
    const lastOpen = storage.lastIndexOf('<', at);
    const lastClose = storage.lastIndexOf('>', at);
    const end = at + needle.length;
    const crossesTag = storage.slice(at, end).includes('<') || storage.slice(at, end).includes('>');
    if (lastOpen <= lastClose && !crossesTag) out.push(at);
  }
  return out;
}

export interface InlineSelection {
  textSelection: string;
  matchCount: number;
  matchIndex: number;
}

export function createInlineComment(
  store: SimStore,
  page: Content | undefined,
  input: CommentInput,
  selection: InlineSelection | undefined,
): Comment {
  if (input.parentCommentId !== undefined) {
    const parent = parentComment(store, input.parentCommentId, 'inline');
    const reply = newComment(store, 'inline', parent.containerId, input);
    reply.resolutionStatus = 'open';
    store.addComment(reply);
    return reply;
  }
  if (!page) throw badRequest('pageId, blogPostId or parentCommentId is required');
  if (!selection) throw badRequest('inlineCommentProperties are required for a top-level inline comment');
  const latest = page.versions.at(-1)!;
  const storage = storageOf(latest.body);
  const needle = escapeXml(selection.textSelection);
  const found = textOccurrences(storage, needle);
  if (
    found.length === 0 ||
    found.length !== selection.matchCount ||
    found[selection.matchIndex] === undefined
  ) {
    throw badRequest(
      `Text selection "${selection.textSelection}" matches ${found.length} times, not ${selection.matchCount} (index ${selection.matchIndex})`,
    );
  }
  const comment = newComment(store, 'inline', page.id, input);
  const ref = `${comment.id}-marker`;
  const at = found[selection.matchIndex]!;
  latest.body = {
    kind: 'storage',
    value: `${storage.slice(0, at)}<ac:inline-comment-marker ac:ref="${ref}">${needle}</ac:inline-comment-marker>${storage.slice(at + needle.length)}`,
  };
  comment.inline = { markerRef: ref, originalSelection: selection.textSelection };
  comment.resolutionStatus = 'open';
  store.addComment(comment);
  return comment;
}

export function updateComment(
  store: SimStore,
  comment: Comment,
  input: { body: string; versionNumber: unknown; authorId: string; resolved?: unknown },
): Comment {
  const latest = comment.versions.at(-1)!;
  if (input.versionNumber !== latest.number + 1)
    throw new SimError(409, `Version must be ${latest.number + 1}`);
  const now = store.stamp();
  comment.versions.push({
    number: latest.number + 1,
    createdAt: now,
    authorId: input.authorId,
    message: '',
    minorEdit: false,
    body: input.body,
  });
  if (comment.kind === 'inline' && typeof input.resolved === 'boolean') {
    comment.resolutionStatus = input.resolved
      ? 'resolved'
      : comment.resolutionStatus === 'resolved'
        ? 'reopened'
        : 'open';
    comment.resolutionLastModifierId = input.authorId;
    comment.resolutionLastModifiedAt = now;
  }
  return comment;
}
