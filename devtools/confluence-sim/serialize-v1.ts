// JSON shapes of the v1 API (as in openapi-v1.json) for the endpoints the simulator serves: content (pages,
// blog posts, attachments, folders and the like, with `expand`), labels, restrictions, spaces, users, groups.

import { sizeOf } from './attachment-bytes.ts';
import { currentVersion } from './attachment-ops.ts';
import { bodyIn } from './bodies.ts';
import { isoTime } from './http-context.ts';
import type { RestrictionOperation } from './metadata-ops.ts';
import { labelsOf } from './metadata-ops.ts';
import type { Attachment, Content, Label, Principals, Space, User, VersionMeta } from './model.ts';
import { legacyDownloadLink, webuiOf } from './serialize-v2.ts';
import type { SimStore } from './store.ts';

export function userV1Json(user: User | undefined, accountId: string): Record<string, unknown> {
  return {
    type: 'known',
    accountId,
    accountType: user?.accountType ?? 'atlassian',
    email: user?.email ?? '',
    publicName: user?.displayName ?? 'Unknown user',
    displayName: user?.displayName ?? 'Unknown user',
    profilePicture: { path: `/wiki/aa-avatar/${accountId}`, width: 48, height: 48, isDefault: true },
    isExternalCollaborator: false,
    _expandable: { operations: '', personalSpace: '' },
    _links: { self: `/wiki/rest/api/user?accountId=${encodeURIComponent(accountId)}` },
  };
}

export function groupV1Json(store: SimStore, id: string): Record<string, unknown> {
  const group = store.groups.get(id);
  return {
    type: 'group',
    name: group?.name ?? id,
    id,
    _links: { self: `/wiki/rest/api/group/by-id?id=${id}` },
  };
}

export function versionV1Json(store: SimStore, v: VersionMeta): Record<string, unknown> {
  return {
    by: userV1Json(store.users.get(v.authorId), v.authorId),
    when: isoTime(v.createdAt),
    friendlyWhen: isoTime(v.createdAt),
    message: v.message,
    number: v.number,
    minorEdit: v.minorEdit,
    contentTypeModified: false,
    _expandable: { content: '', collaborators: '' },
    _links: {},
  };
}

export function labelV1Json(label: Label): Record<string, unknown> {
  return { prefix: label.prefix, name: label.name, id: label.id, label: label.name };
}

export function spaceV1Json(space: Space): Record<string, unknown> {
  return {
    id: Number(space.id),
    key: space.key,
    name: space.name,
    type: space.type,
    status: space.status,
    description: { plain: { value: space.description, representation: 'plain', embeddedContent: [] } },
    _expandable: {
      settings: '',
      metadata: '',
      operations: '',
      lookAndFeel: '',
      permissions: '',
      icon: '',
      theme: '',
      history: '',
      homepage: '',
    },
    _links: { webui: `/spaces/${space.key}`, self: `/wiki/rest/api/space/${space.key}` },
  };
}

/** The most labels an expanded `metadata.labels` lists (the rest are read from the item's label list). */
const EXPANDED_LABELS_LIMIT = 200;

function labelsPage(labels: Record<string, unknown>[]): Record<string, unknown> {
  const results = labels.slice(0, EXPANDED_LABELS_LIMIT);
  return { results, start: 0, limit: EXPANDED_LABELS_LIMIT, size: results.length, _links: {} };
}

/** A page, blog post or tree item; `expand` names the optional parts to include. */
export function contentV1Json(
  store: SimStore,
  content: Content,
  expand: Set<string>,
): Record<string, unknown> {
  const latest = content.versions.at(-1)!;
  const type = content.kind;
  const out: Record<string, unknown> = { id: content.id, type, status: content.status, title: latest.title };
  const space = store.spaces.get(content.spaceId);
  if (expand.has('space') && space) out.space = spaceV1Json(space);
  if (expand.has('version')) out.version = versionV1Json(store, latest);
  if (expand.has('ancestors'))
    out.ancestors = store.ancestorsOf(content).map((a) => contentV1Json(store, a, new Set()));
  const body: Record<string, unknown> = {};
  for (const format of ['storage', 'atlas_doc_format', 'view', 'export_view']) {
    if (expand.has(`body.${format}`))
      body[format] = { ...bodyIn(latest.body, format), _expandable: { content: '' } };
  }
  if (Object.keys(body).length > 0) out.body = body;
  if (expand.has('metadata.labels'))
    out.metadata = { labels: labelsPage(labelsOf(store, content).map(labelV1Json)) };
  const restrictions: Record<string, unknown> = {};
  for (const op of ['read', 'update'] as const) {
    const parts = {
      user: expand.has(`restrictions.${op}.restrictions.user`),
      group: expand.has(`restrictions.${op}.restrictions.group`),
    };
    if (parts.user || parts.group || expand.has(`restrictions.${op}`))
      restrictions[op] = restrictionV1Json(store, content.id, op, content.restrictions[op], undefined, parts);
  }
  if (Object.keys(restrictions).length > 0) out.restrictions = restrictions;
  out.extensions = content.kind === 'page' ? { position: content.position ?? 0 } : {};
  out._expandable = {
    container: '',
    metadata: '',
    restrictions: '',
    history: '',
    body: '',
    version: '',
    descendants: '',
    space: '',
    children: '',
    ancestors: '',
  };
  out._links = {
    webui: webuiOf(store, content),
    self: `/wiki/rest/api/content/${content.id}`,
    tinyui: `/x/${Number(content.id).toString(36)}`,
  };
  return out;
}

export function attachmentV1Json(
  store: SimStore,
  att: Attachment,
  expand: Set<string> = new Set(['version']),
): Record<string, unknown> {
  const v = currentVersion(att);
  const out: Record<string, unknown> = { id: att.id, type: 'attachment', status: att.status, title: v.title };
  if (expand.has('version')) out.version = versionV1Json(store, v);
  const container = store.contents.get(att.containerId);
  if (expand.has('container') && container) out.container = contentV1Json(store, container, new Set());
  out.metadata = { labels: labelsPage(labelsOf(store, att).map(labelV1Json)) };
  out.extensions = {
    mediaType: v.mediaType,
    fileSize: sizeOf(v.bytes),
    comment: v.comment,
    mediaTypeDescription: v.mediaType,
    fileId: v.fileId,
    collectionName: `contentId-${att.containerId}`,
  };
  out._expandable = {
    container: '',
    operations: '',
    children: '',
    restrictions: '',
    history: '',
    ancestors: '',
    body: '',
    descendants: '',
    space: '',
  };
  out._links = {
    webui: container ? `${webuiOf(store, container)}/attachments/${att.id}` : '',
    download: legacyDownloadLink(att, v),
    self: `/wiki/rest/api/content/${att.id}`,
  };
  return out;
}

/**
 * Cloud's fixed limit on the users and on the groups one restriction lists per response (`limit` may ask for
 * fewer, never more): a longer list is read on with `start`.
 */
export const RESTRICTION_LIST_LIMIT = 100;

/** One operation's restriction, its users and groups each a page of `start`/`limit` (as Cloud pages them). */
export function restrictionV1Json(
  store: SimStore,
  contentId: string,
  op: RestrictionOperation,
  principals: Principals,
  page: { start: number; limit: number } = { start: 0, limit: RESTRICTION_LIST_LIMIT },
  parts: { user: boolean; group: boolean } = { user: true, group: true },
): Record<string, unknown> {
  const limit = Math.min(page.limit, RESTRICTION_LIST_LIMIT);
  const slice = <T>(all: T[]) => all.slice(page.start, page.start + limit);
  const users = slice(principals.users).map((id) => userV1Json(store.users.get(id), id));
  const groups = slice(principals.groups).map((id) => groupV1Json(store, id));
  const restrictions: Record<string, unknown> = {};
  const expandable: Record<string, string> = {};
  const self = `/rest/api/content/${contentId}/restriction/byOperation/${op}`;
  if (parts.user) restrictions.user = { results: users, start: page.start, limit, size: users.length };
  else expandable.user = `${self}/user`;
  if (parts.group) restrictions.group = { results: groups, start: page.start, limit, size: groups.length };
  else expandable.group = `${self}/group`;
  if (Object.keys(expandable).length > 0) restrictions._expandable = expandable;
  return {
    operation: op,
    restrictions,
    _expandable: { content: `/rest/api/content/${contentId}` },
    _links: { self: `/wiki${self}` },
  };
}
