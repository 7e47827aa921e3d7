// The sort orders of the v2 list endpoints (`sort=-modified-date` etc.), as keyset specs for cursor paging.

import { currentVersion } from './attachment-ops.ts';
import type { SortKey, SortSpec } from './cursor.ts';
import type { Attachment, Comment, Content, Label, Space } from './model.ts';

function specs<T>(
  keys: Record<string, (item: T) => SortKey>,
  id: (item: T) => string,
): Map<string, SortSpec<T>> {
  const out = new Map<string, SortSpec<T>>();
  for (const [name, key] of Object.entries(keys)) {
    out.set(name, { name, key, id, descending: false });
    out.set(`-${name}`, { name: `-${name}`, key, id, descending: true });
  }
  return out;
}

const modified = (c: Content): number => c.versions.at(-1)!.createdAt;

export const CONTENT_SORTS = specs<Content>(
  {
    id: (c) => Number(c.id),
    'created-date': (c) => c.createdAt,
    'modified-date': modified,
    title: (c) => c.versions.at(-1)!.title,
    'child-position': (c) => c.position ?? 0,
  },
  (c) => c.id,
);

export const ATTACHMENT_SORTS = specs<Attachment>(
  { 'created-date': (a) => a.createdAt, 'modified-date': (a) => currentVersion(a).createdAt },
  (a) => a.id,
);

export const COMMENT_SORTS = specs<Comment>(
  { 'created-date': (c) => c.createdAt, 'modified-date': (c) => c.versions.at(-1)!.createdAt },
  (c) => c.id,
);

export const SPACE_SORTS = specs<Space>(
  { id: (s) => Number(s.id), key: (s) => s.key, name: (s) => s.name },
  (s) => s.id,
);

export const LABEL_SORTS = specs<Label>({ id: (l) => Number(l.id), name: (l) => l.name }, (l) => l.id);

/** Sort for lists without a `sort` parameter: by id (creation order). */
export function byId<T>(id: (item: T) => string, name = 'id'): SortSpec<T> {
  return { name, key: (item) => Number(id(item).replace(/^\D+/, '')), id, descending: false };
}
