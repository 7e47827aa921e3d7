// Finding what a request names, with Confluence's visibility rules: content, spaces, attachments and comments
// the caller may not read are "not found"; a write the caller may not make is a 404 in v2 and a 403 in v1.

import { canReadContent, canReadSpace, canWriteContent } from './access.ts';
import type { SortSpec } from './cursor.ts';
import { actorOf, type Ctx, isV1 } from './http-context.ts';
import type { Attachment, Comment, Content, ContentKind, Space } from './model.ts';
import { badRequest, notFound, SimError } from './sim-error.ts';
import type { SimStore } from './store.ts';

/** Statuses whose sub-resources (versions, labels, attachments, comments, properties) can be read. */
export const STORED_STATUSES = ['current', 'archived', 'trashed', 'draft'] as const;

export function readableContent(
  c: Ctx,
  store: SimStore,
  id: string,
  kinds: readonly ContentKind[],
  statuses: readonly string[] = ['current', 'archived'],
): Content {
  const content = store.contents.get(id);
  if (!content || !kinds.includes(content.kind) || !statuses.includes(content.status))
    throw notFound(`Content ${id}`);
  if (!canReadContent(store, content, actorOf(c))) throw notFound(`Content ${id}`);
  return content;
}

export function requireWritable(c: Ctx, store: SimStore, content: Content): void {
  const space = store.spaces.get(content.spaceId)!;
  if (!canWriteContent(store, space, actorOf(c), content)) {
    throw isV1(c)
      ? new SimError(403, 'You do not have permission to edit this content')
      : notFound(`Content ${content.id}`);
  }
}

export function readableSpace(c: Ctx, store: SimStore, id: string): Space {
  const space = store.spaces.get(id);
  if (!space || !canReadSpace(space, actorOf(c))) throw notFound(`Space ${id}`);
  return space;
}

export function readableSpaceByKey(c: Ctx, store: SimStore, key: string): Space {
  const space = store.spaceByKey(key);
  if (!space || !canReadSpace(space, actorOf(c))) throw notFound(`Space ${key}`);
  return space;
}

export function readableAttachment(
  c: Ctx,
  store: SimStore,
  id: string,
  statuses = ['current', 'archived'],
): Attachment {
  const normalised = id.startsWith('att') ? id : `att${id}`;
  const att = store.attachments.get(normalised);
  const container = att ? store.contents.get(att.containerId) : undefined;
  if (!att || !container || !statuses.includes(att.status) || !canReadContent(store, container, actorOf(c))) {
    throw notFound(`Attachment ${id}`);
  }
  return att;
}

export function readableComment(c: Ctx, store: SimStore, id: string, kind: Comment['kind']): Comment {
  const comment = store.comments.get(id);
  if (!comment || comment.kind !== kind) throw notFound(`Comment ${id}`);
  containerOfComment(c, store, comment);
  return comment;
}

/** The page or blog post a comment belongs to (through its attachment if needed), if the caller may read it. */
export function containerOfComment(c: Ctx, store: SimStore, comment: Comment): Content {
  const direct = store.contents.get(comment.containerId);
  const viaAttachment = store.attachments.get(comment.containerId);
  const container = direct ?? (viaAttachment ? store.contents.get(viaAttachment.containerId) : undefined);
  if (!container || !canReadContent(store, container, actorOf(c))) throw notFound(`Comment ${comment.id}`);
  return container;
}

/** The sort named by `?sort=`, limited to `allowed`, or the fallback. */
export function sortParam<T>(
  c: Ctx,
  sorts: Map<string, SortSpec<T>>,
  allowed: readonly string[],
  fallback: SortSpec<T>,
): SortSpec<T> {
  const raw = c.req.query('sort');
  if (raw === undefined || raw === '') return fallback;
  const spec = sorts.get(raw);
  if (!spec || !allowed.includes(raw.replace(/^-/, ''))) throw badRequest(`Invalid sort ${raw}`);
  return spec;
}

/** A path id that must be a positive integer (the spec types them int64). */
export function numericId(raw: string | undefined): string {
  if (raw === undefined || !/^\d{1,18}$/.test(raw)) throw badRequest(`Invalid id ${String(raw)}`);
  return raw;
}
