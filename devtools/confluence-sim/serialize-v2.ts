// JSON shapes of the v2 API (as in openapi-v2.json): pages, blog posts, tree items, spaces, attachments,
// comments, labels, properties, versions and hierarchy entries. Optional fields the spec does not mark
// nullable are left out rather than sent as null.

import { sizeOf } from './attachment-bytes.ts';
import { currentVersion } from './attachment-ops.ts';
import { bodyIn } from './bodies.ts';
import { isoTime } from './http-context.ts';
import type {
  Attachment,
  AttachmentVersion,
  Comment,
  Content,
  ContentProperty,
  ContentVersion,
  Label,
  Space,
  SpacePermission,
  SpaceProperty,
  VersionMeta,
} from './model.ts';
import type { SimStore } from './store.ts';

export function versionJson(v: VersionMeta): Record<string, unknown> {
  return {
    createdAt: isoTime(v.createdAt),
    message: v.message,
    number: v.number,
    minorEdit: v.minorEdit,
    authorId: v.authorId,
  };
}

function slug(title: string): string {
  return encodeURIComponent(title.replace(/\s+/g, '+')).replaceAll('%2B', '+');
}

export function webuiOf(store: SimStore, content: Content): string {
  const key = store.spaces.get(content.spaceId)?.key ?? '';
  const title = content.versions.at(-1)!.title;
  if (content.kind === 'page') return `/spaces/${key}/pages/${content.id}/${slug(title)}`;
  if (content.kind === 'blogpost') {
    const d = new Date(content.createdAt);
    const date = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
    return `/spaces/${key}/blog/${date}/${content.id}/${slug(title)}`;
  }
  return `/spaces/${key}/${content.kind}/${content.id}`;
}

function contentLinks(store: SimStore, content: Content): Record<string, string> {
  return {
    webui: webuiOf(store, content),
    editui: `/pages/resumedraft.action?draftId=${content.id}`,
    tinyui: `/x/${Number(content.id).toString(36)}`,
  };
}

export interface ContentView {
  /** The version to show (a historical one, or a draft); the latest published by default. */
  version?: ContentVersion;
  bodyFormat?: string | undefined;
  /** Shape for single GETs (no `subtype`). */
  single?: boolean;
}

function statusShown(content: Content, version: ContentVersion): string {
  const latest = content.versions.at(-1)!;
  if (version !== latest && version.number < latest.number && content.draft !== version) return 'historical';
  if (content.draft === version) return 'draft';
  return content.status;
}

export function pageJson(store: SimStore, content: Content, view: ContentView = {}): Record<string, unknown> {
  const version = view.version ?? content.versions.at(-1)!;
  const out: Record<string, unknown> = {
    id: content.id,
    status: statusShown(content, version),
    title: version.title,
    spaceId: content.spaceId,
  };
  if (content.kind === 'page' && content.parentId !== undefined) {
    out.parentId = content.parentId;
    out.parentType = store.contents.get(content.parentId)?.kind ?? 'page';
  }
  if (content.kind === 'page') out.position = content.position ?? null;
  out.authorId = content.authorId;
  if (content.kind === 'page') {
    out.ownerId = content.ownerId;
    out.lastOwnerId = null;
    if (!view.single) out.subtype = content.subtype ?? null;
  }
  out.createdAt = isoTime(content.createdAt);
  out.version = versionJson(version);
  out.body = view.bodyFormat ? { [view.bodyFormat]: bodyIn(version.body, view.bodyFormat) } : {};
  out._links = contentLinks(store, content);
  return out;
}

/** Folders, whiteboards, databases and smart links: metadata only (the API exports no content for them). */
export function treeItemJson(store: SimStore, content: Content): Record<string, unknown> {
  const version = content.versions.at(-1)!;
  const out: Record<string, unknown> = {
    id: content.id,
    type: content.kind,
    status: content.status,
    title: version.title,
  };
  if (content.parentId !== undefined) {
    out.parentId = content.parentId;
    out.parentType = store.contents.get(content.parentId)?.kind ?? 'page';
  }
  out.position = content.position ?? null;
  out.authorId = content.authorId;
  out.ownerId = content.ownerId;
  out.createdAt = isoTime(content.createdAt);
  if (content.kind === 'embed') out.embedUrl = content.embedUrl ?? '';
  out.spaceId = content.spaceId;
  out.version = versionJson(version);
  out._links = { webui: webuiOf(store, content) };
  return out;
}

export function spaceJson(space: Space, descriptionFormat?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: space.id,
    key: space.key,
    name: space.name,
    type: space.type,
    status: space.status,
    authorId: space.authorId,
    createdAt: isoTime(space.createdAt),
  };
  if (space.homepageId !== undefined) out.homepageId = space.homepageId;
  if (descriptionFormat) {
    const value = descriptionFormat === 'view' ? `<p>${space.description}</p>` : space.description;
    out.description = { [descriptionFormat]: { representation: descriptionFormat, value } };
  }
  out._links = { webui: `/spaces/${space.key}` };
  return out;
}

export function labelJson(label: Label): Record<string, unknown> {
  return { id: label.id, name: label.name, prefix: label.prefix };
}

export function propertyJson(p: ContentProperty): Record<string, unknown> {
  return { id: p.id, key: p.key, value: p.value, version: versionJson(p.version) };
}

export function spacePropertyJson(p: SpaceProperty): Record<string, unknown> {
  return {
    id: p.id,
    key: p.key,
    value: p.value,
    createdAt: isoTime(p.createdAt),
    createdBy: p.createdBy,
    version: {
      createdAt: isoTime(p.version.createdAt),
      createdBy: p.version.createdBy,
      message: p.version.message,
      number: p.version.number,
    },
  };
}

export function permissionJson(p: SpacePermission): Record<string, unknown> {
  return {
    id: p.id,
    principal: { type: p.principal.type, id: p.principal.id },
    operation: { ...p.operation },
  };
}

/** The legacy servlet path (`/download/attachments/...`) that v2 still returns, and that refuses API tokens. */
export function legacyDownloadLink(att: Attachment, v: AttachmentVersion): string {
  return `/download/attachments/${att.containerId}/${encodeURIComponent(v.title)}?version=${v.number}&modificationDate=${v.createdAt}&cacheVersion=1&api=v2`;
}

export function attachmentJson(
  store: SimStore,
  att: Attachment,
  version?: AttachmentVersion,
): Record<string, unknown> {
  const v = version ?? currentVersion(att);
  const container = store.contents.get(att.containerId);
  const out: Record<string, unknown> = {
    id: att.id,
    status: att.status,
    title: v.title,
    createdAt: isoTime(att.createdAt),
  };
  if (container?.kind === 'blogpost') out.blogPostId = att.containerId;
  else out.pageId = att.containerId;
  const download = legacyDownloadLink(att, v);
  const webui = `${container ? webuiOf(store, container).replace(/\/[^/]*$/, '') : ''}/attachments/${att.id}`;
  Object.assign(out, {
    mediaType: v.mediaType,
    mediaTypeDescription: v.mediaType.split('/')[1]?.toUpperCase() ?? 'File',
    comment: v.comment,
    fileId: v.fileId,
    fileSize: sizeOf(v.bytes),
    webuiLink: webui,
    downloadLink: download,
    version: versionJson(v),
    _links: { webui, download },
  });
  return out;
}

/** Attachment or page/blog post version entry of a versions list. */
export function versionEntryJson(
  entity: 'page' | 'blogpost' | 'attachment' | 'comment',
  v: VersionMeta & { title?: string },
  id: string,
  body?: Record<string, unknown>,
): Record<string, unknown> {
  const inner: Record<string, unknown> = { id };
  if (v.title !== undefined) inner.title = v.title;
  if (body) inner.body = body;
  return { ...versionJson(v), [entity]: inner };
}

export function detailedVersionJson(versions: VersionMeta[], v: VersionMeta): Record<string, unknown> {
  const out: Record<string, unknown> = {
    number: v.number,
    authorId: v.authorId,
    message: v.message,
    createdAt: isoTime(v.createdAt),
    minorEdit: v.minorEdit,
    contentTypeModified: false,
    collaborators: [v.authorId],
  };
  if (versions.some((x) => x.number === v.number - 1)) out.prevVersion = v.number - 1;
  if (versions.some((x) => x.number === v.number + 1)) out.nextVersion = v.number + 1;
  return out;
}

export type CommentShape = 'full' | 'in-container' | 'child';

export function commentJson(
  store: SimStore,
  comment: Comment,
  shape: CommentShape,
  bodyFormat: string | undefined,
): Record<string, unknown> {
  const v = comment.versions.at(-1)!;
  const container = store.contents.get(comment.containerId);
  const containerTitle = container
    ? container.versions.at(-1)!.title
    : (store.attachments.get(comment.containerId)?.versions.at(-1)?.title ?? '');
  const out: Record<string, unknown> = {
    id: comment.id,
    status: comment.status,
    title: `Re: ${containerTitle}`,
  };
  if (shape !== 'child') {
    if (container?.kind === 'blogpost') out.blogPostId = comment.containerId;
    else if (container) out.pageId = comment.containerId;
    else out.attachmentId = comment.containerId;
  }
  if (shape !== 'in-container' && comment.parentCommentId !== undefined)
    out.parentCommentId = comment.parentCommentId;
  out.version = versionJson(v);
  const body = { kind: 'storage' as const, value: v.body };
  out.body = bodyFormat ? { [bodyFormat]: bodyIn(body, bodyFormat) } : {};
  if (comment.kind === 'inline') {
    out.resolutionStatus = comment.resolutionStatus ?? 'open';
    const anchor = comment.inline
      ? {
          inlineMarkerRef: comment.inline.markerRef,
          inlineOriginalSelection: comment.inline.originalSelection,
        }
      : {};
    out.properties = shape === 'full' ? { ...anchor } : anchor;
    if (shape === 'full' && comment.resolutionLastModifierId !== undefined) {
      out.resolutionLastModifierId = comment.resolutionLastModifierId;
      out.resolutionLastModifiedAt = isoTime(comment.resolutionLastModifiedAt ?? comment.createdAt);
    }
  }
  const webui = container
    ? `${webuiOf(store, container)}?focusedCommentId=${comment.id}`
    : `/attachments?focusedCommentId=${comment.id}`;
  out._links = { webui };
  return out;
}
