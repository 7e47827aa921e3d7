// Turns the records the Confluence API returns (client/records*.ts) into the records a snapshot stores
// (layout.ts): nulls become absent fields, the few fields kept are copied in a fixed order (so equal content
// always gives equal bytes, and equal blobs), and restrictions become plain id lists.

import type {
  Attachment,
  BlogPost,
  ContentProperty,
  FooterComment,
  InlineComment,
  Label,
  Page,
  Space,
  SpacePermission,
  SpaceProperty,
  TreeItem,
  Version,
  VersionEntry,
} from './client/records.ts';
import type { Restriction } from './client/records-v1.ts';
import type {
  AttachmentVersionRecord,
  CommentRecord,
  ContentMeta,
  ContentRecord,
  ContentType,
  HistoricalVersion,
  LabelRecord,
  PropertyRecord,
  SpacePermissionRecord,
  SpaceRecord,
  VersionRecord,
} from './layout.ts';

type Nullish<T> = T | null | undefined;

/** Copies the defined, non-null values of `fields` into a new object, in the order given. */
function defined<T extends object>(fields: { [K in keyof T]: Nullish<T[K]> }): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields))
    if (value !== undefined && value !== null) out[key] = value;
  return out as T;
}

export function versionRecord(v: Nullish<Version>): VersionRecord {
  if (!v) return { number: 0 };
  return defined<VersionRecord>({
    number: v.number,
    createdAt: v.createdAt,
    message: v.message,
    minorEdit: v.minorEdit,
    authorId: v.authorId,
  });
}

export function spaceRecord(space: Space): SpaceRecord {
  return defined<SpaceRecord>({
    id: space.id,
    key: space.key,
    name: space.name,
    type: space.type,
    status: space.status ?? 'current',
    homepageId: space.homepageId,
    description: space.description?.plain?.value ?? '',
    authorId: space.authorId,
    createdAt: space.createdAt,
  });
}

export function pageRecord(page: Page): ContentRecord {
  return defined<ContentRecord>({
    id: page.id,
    type: 'page',
    status: page.status,
    title: page.title,
    spaceId: page.spaceId,
    parentId: page.parentId,
    parentType: page.parentId ? (page.parentType ?? 'page') : undefined,
    position: page.position,
    authorId: page.authorId,
    ownerId: page.ownerId,
    createdAt: page.createdAt,
    version: versionRecord(page.version),
    subtype: page.subtype,
  });
}

export function blogPostRecord(post: BlogPost): ContentRecord {
  return defined<ContentRecord>({
    id: post.id,
    type: 'blogpost',
    status: post.status,
    title: post.title,
    spaceId: post.spaceId,
    authorId: post.authorId,
    createdAt: post.createdAt,
    version: versionRecord(post.version),
  });
}

export const TREE_ITEM_TYPES = ['folder', 'whiteboard', 'database', 'embed'] as const;
export type TreeItemType = (typeof TREE_ITEM_TYPES)[number];

export function isTreeItemType(type: unknown): type is TreeItemType {
  return TREE_ITEM_TYPES.includes(type as TreeItemType);
}

export function treeItemRecord(item: TreeItem, kind: TreeItemType, spaceId: string): ContentRecord {
  return defined<ContentRecord>({
    id: item.id,
    type: (isTreeItemType(item.type) ? item.type : kind) as ContentType,
    status: item.status ?? 'current',
    title: item.title ?? '',
    spaceId: item.spaceId ?? spaceId,
    parentId: item.parentId,
    parentType: item.parentId ? (item.parentType ?? 'page') : undefined,
    position: item.position,
    authorId: item.authorId,
    ownerId: item.ownerId,
    createdAt: item.createdAt,
    version: versionRecord(item.version),
    embedUrl: item.embedUrl,
  });
}

export function labelRecord(label: Label): LabelRecord {
  return { id: label.id, name: label.name, prefix: label.prefix ?? 'global' };
}

/** Labels in a stable order (prefix, name), so unchanged labels give unchanged bytes. */
export function labelRecords(labels: readonly Label[]): LabelRecord[] {
  return labels
    .map(labelRecord)
    .sort((a, b) => compare(a.prefix, b.prefix) || compare(a.name, b.name) || compare(a.id, b.id));
}

export function propertyRecords(properties: readonly (ContentProperty | SpaceProperty)[]): PropertyRecord[] {
  return properties
    .map((p) =>
      defined<PropertyRecord>({
        id: p.id,
        key: p.key,
        value: p.value,
        version: p.version ? versionRecord(p.version as Version) : undefined,
      }),
    )
    .sort((a, b) => compare(a.key, b.key) || compare(a.id, b.id));
}

export function permissionRecords(permissions: readonly SpacePermission[]): SpacePermissionRecord[] {
  return permissions
    .map((p) => ({
      id: p.id,
      principal: defined<SpacePermissionRecord['principal']>({ type: p.principal.type, id: p.principal.id }),
      operation: { key: p.operation.key, targetType: p.operation.targetType },
    }))
    .sort((a, b) => compare(a.id, b.id));
}

export function contentMeta(
  labels: readonly Label[],
  properties: readonly ContentProperty[],
  restrictions: readonly Restriction[],
): ContentMeta {
  const of = (op: 'read' | 'update') => restrictions.find((r) => r.operation === op);
  const principals = (op: 'read' | 'update') => ({
    users: [...(of(op)?.users ?? [])].sort(),
    groups: (of(op)?.groups ?? []).map((g) => g.id).sort(),
  });
  const groupNames: Record<string, string> = {};
  for (const r of restrictions) for (const g of r.groups) groupNames[g.id] = g.name;
  return {
    labels: labelRecords(labels),
    properties: propertyRecords(properties),
    restrictions: { read: principals('read'), update: principals('update') },
    groupNames: Object.fromEntries(Object.entries(groupNames).sort(([a], [b]) => compare(a, b))),
  };
}

export type ApiComment = (FooterComment | InlineComment) & { kind: 'footer' | 'inline' };

/** One comment without replies. */
export function commentRecord(comment: ApiComment): CommentRecord {
  const out: CommentRecord = defined<CommentRecord>({
    id: comment.id,
    kind: comment.kind,
    status: comment.status ?? 'current',
    title: comment.title,
    version: versionRecord(comment.version),
    body: comment.body?.storage?.value ?? '',
    replies: [],
  });
  if (comment.kind === 'inline') {
    const inline = comment as InlineComment;
    out.inline = defined<NonNullable<CommentRecord['inline']>>({
      markerRef: inline.properties?.inlineMarkerRef,
      originalSelection: inline.properties?.inlineOriginalSelection,
      resolutionStatus: inline.resolutionStatus,
      resolutionLastModifierId: inline.resolutionLastModifierId,
      resolutionLastModifiedAt: inline.resolutionLastModifiedAt,
    });
  }
  return out;
}

/**
 * Nests comments of one container: replies under their parent (`parentCommentId`), each level oldest first
 * (by numeric id: Confluence hands out comment ids in creation order). Replies whose parent is not among them are kept at the top level.
 */
export function commentTree(comments: readonly ApiComment[]): CommentRecord[] {
  const records = new Map<string, CommentRecord>();
  for (const c of comments) records.set(c.id, commentRecord(c));
  const top: CommentRecord[] = [];
  for (const c of comments) {
    const record = records.get(c.id)!;
    const parent = c.parentCommentId ? records.get(c.parentCommentId) : undefined;
    if (parent && parent !== record) parent.replies.push(record);
    else top.push(record);
  }
  const order = (list: CommentRecord[]) => {
    list.sort((a, b) => byNumericId(a.id, b.id));
    for (const r of list) order(r.replies);
  };
  order(top);
  return top;
}

export function attachmentVersionRecord(att: Attachment): AttachmentVersionRecord {
  return defined<AttachmentVersionRecord>({
    number: att.version?.number ?? 1,
    title: att.title,
    mediaType: att.mediaType,
    fileSize: att.fileSize,
    fileId: att.fileId,
    comment: att.comment,
    createdAt: att.version?.createdAt,
    message: att.version?.message,
    minorEdit: att.version?.minorEdit,
    authorId: att.version?.authorId,
  });
}

/** An older version of a page or blog post, from a versions list asked with `body-format=storage`. */
export function historicalVersion(entry: VersionEntry, fallbackTitle: string): HistoricalVersion {
  const inner = entry.page ?? entry.blogpost;
  return {
    version: versionRecord(entry),
    title: inner?.title ?? fallbackTitle,
    storage: inner?.body?.storage?.value ?? '',
  };
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Numeric ids (optionally prefixed, like `att123`) in numeric order. */
export function byNumericId(a: string, b: string): number {
  const x = a.replace(/^\D+/, '');
  const y = b.replace(/^\D+/, '');
  return x.length - y.length || compare(x, y) || compare(a, b);
}
