// A canonical, id-free description of a site's content, so that a test can compare an original site with a
// restored one (where every id is different): pages are named by space key and title, page ids inside bodies
// are replaced by those names, the site host by `{site}`, inline comment marker refs by their order, and
// attachments by their SHA-256. What Cloud cannot preserve on restore (authors, timestamps, version history,
// ids) is left out; callers choose which parts to compare.

import { sha256Of, sizeOf } from './attachment-bytes.ts';
import { storageOf } from './bodies.ts';
import { labelsOf } from './metadata-ops.ts';
import type { Comment, Content, Principals, Space } from './model.ts';
import type { SimStore } from './store.ts';

export interface DescribeOptions {
  /** Hash attachment bytes (costs time for large sites). @default true */
  hashAttachments?: boolean;
  /** Include the storage body of pages and blog posts. @default true */
  bodies?: boolean;
}

export interface AttachmentDescription {
  filename: string;
  mediaType: string;
  size: number;
  sha256?: string;
  comment: string;
  labels: string[];
}

export interface CommentDescription {
  body: string;
  selection?: string;
  resolution?: string;
  replies: CommentDescription[];
}

export interface ItemDescription {
  kind: string;
  /** `live` for a live doc. */
  subtype?: string;
  title: string;
  status: string;
  body?: string;
  embedUrl?: string;
  labels: string[];
  properties: Record<string, unknown>;
  restrictions: { read: Principals; update: Principals };
  attachments: AttachmentDescription[];
  footerComments: CommentDescription[];
  inlineComments: CommentDescription[];
  children: ItemDescription[];
}

export interface SpaceDescription {
  key: string;
  name: string;
  status: string;
  description: string;
  labels: string[];
  properties: Record<string, unknown>;
  /** `principalType:principalId:operation:target`, sorted. */
  permissions: string[];
  /** The homepage's subtree first, then other root items, in tree order. */
  tree: ItemDescription[];
  blogPosts: ItemDescription[];
}

export interface SiteDescription {
  spaces: SpaceDescription[];
}

function sorted(principals: Principals): Principals {
  return { users: [...principals.users].sort(), groups: [...principals.groups].sort() };
}

/** Replaces ids, the site host and marker refs in a storage body by stable names. */
export function canonicalBody(store: SimStore, storage: string): string {
  const name = (id: string): string => {
    const content = store.contents.get(id);
    return content
      ? `{${store.spaces.get(content.spaceId)?.key}/${content.versions.at(-1)!.title}}`
      : `{missing:${id}}`;
  };
  const refs = new Map<string, string>();
  return storage
    .replace(/ ac:macro-id="[^"]*"/g, '') // given by the site on write (bodies.ts: cloudSpelling)
    .replaceAll(`https://${store.siteHost}/wiki`, '{site}/wiki')
    .replace(/\/pages\/(\d+)/g, (_, id: string) => `/pages/${name(id)}`)
    .replace(/ri:content-id="(\d+)"/g, (_, id: string) => `ri:content-id="${name(id)}"`)
    .replace(/ac:ref="([^"]*)"/g, (_, ref: string) => {
      if (!refs.has(ref)) refs.set(ref, `marker-${refs.size + 1}`);
      return `ac:ref="${refs.get(ref)}"`;
    });
}

function comments(store: SimStore, list: Comment[]): CommentDescription[] {
  return [...list]
    .sort((a, b) => a.createdAt - b.createdAt || Number(a.id) - Number(b.id))
    .filter((c) => c.status === 'current')
    .map((c) => {
      const out: CommentDescription = {
        body: canonicalBody(store, c.versions.at(-1)!.body),
        replies: comments(store, store.repliesOf(c.id)),
      };
      if (c.inline) out.selection = c.inline.originalSelection;
      if (c.resolutionStatus !== undefined) out.resolution = c.resolutionStatus;
      return out;
    });
}

function describeItem(store: SimStore, content: Content, options: DescribeOptions): ItemDescription {
  const latest = content.versions.at(-1)!;
  const own = store.commentsOf(content.id);
  const out: ItemDescription = {
    kind: content.kind,
    ...(content.subtype ? { subtype: content.subtype } : {}),
    title: latest.title,
    status: content.status,
    labels: labelsOf(store, content)
      .map((l) => `${l.prefix}:${l.name}`)
      .sort(),
    properties: Object.fromEntries(content.properties.map((p) => [p.key, p.value]).sort()),
    restrictions: { read: sorted(content.restrictions.read), update: sorted(content.restrictions.update) },
    attachments: store
      .attachmentsOf(content.id)
      .filter((a) => a.status === 'current')
      .map((a) => {
        const v = a.versions.at(-1)!;
        const att: AttachmentDescription = {
          filename: v.title,
          mediaType: v.mediaType,
          size: sizeOf(v.bytes),
          comment: v.comment,
          labels: labelsOf(store, a)
            .map((l) => `${l.prefix}:${l.name}`)
            .sort(),
        };
        if (options.hashAttachments ?? true) att.sha256 = sha256Of(v.bytes);
        return att;
      })
      .sort((a, b) => (a.filename < b.filename ? -1 : 1)),
    footerComments: comments(
      store,
      own.filter((c) => c.kind === 'footer'),
    ),
    inlineComments: comments(
      store,
      own.filter((c) => c.kind === 'inline'),
    ),
    children: store
      .childrenOf(content.spaceId, content.id)
      .filter((c) => c.status === 'current' || c.status === 'archived')
      .map((c) => describeItem(store, c, options)),
  };
  if ((options.bodies ?? true) && (content.kind === 'page' || content.kind === 'blogpost'))
    out.body = canonicalBody(store, storageOf(latest.body));
  if (content.embedUrl !== undefined) out.embedUrl = content.embedUrl;
  return out;
}

function describeSpace(store: SimStore, space: Space, options: DescribeOptions): SpaceDescription {
  const roots = store
    .childrenOf(space.id, undefined)
    .filter((c) => c.status === 'current' || c.status === 'archived');
  roots.sort((a, b) => Number(b.id === space.homepageId) - Number(a.id === space.homepageId));
  return {
    key: space.key,
    name: space.name,
    status: space.status,
    description: space.description,
    labels: labelsOf(store, space)
      .map((l) => `${l.prefix}:${l.name}`)
      .sort(),
    properties: Object.fromEntries(space.properties.map((p) => [p.key, p.value]).sort()),
    permissions: space.permissions
      .map((p) => `${p.principal.type}:${p.principal.id}:${p.operation.key}:${p.operation.targetType}`)
      .sort(),
    tree: roots.map((c) => describeItem(store, c, options)),
    blogPosts: store
      .contentInSpace(space.id)
      .filter((c) => c.kind === 'blogpost' && c.status === 'current')
      .map((c) => describeItem(store, c, options))
      .sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0)),
  };
}

export function describeSite(store: SimStore, options: DescribeOptions = {}): SiteDescription {
  const spaces = [...store.spaces.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  return { spaces: spaces.map((s) => describeSpace(store, s, options)) };
}
