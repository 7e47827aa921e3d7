// v1 CQL search (`GET /rest/api/content/search`): pages, blog posts, folders and other tree items,
// attachments and comments, with cursor paging in `_links.next` (relative to `/wiki`). As in Cloud, search
// ignores the Admin Key: restricted content stays hidden (CONFCLOUD-81961).

import { readChecker } from './access.ts';
import { storageOf } from './bodies.ts';
import { storageText } from './convert-bodies.ts';
import { type CqlItem, type CqlQuery, parseCql } from './cql.ts';
import { pageAfter, type SortSpec } from './cursor.ts';
import {
  actorOf,
  type Ctx,
  queryInt,
  queryList,
  type SimApp,
  type SimDeps,
  sendJson,
  wikiPath,
} from './http-context.ts';
import { labelsOf } from './metadata-ops.ts';
import type { Comment, Content } from './model.ts';
import { cursorParam, queryWithCursor } from './paging.ts';
import { attachmentV1Json, contentV1Json } from './serialize-v1.ts';
import { badRequest } from './sim-error.ts';
import type { SimStore } from './store.ts';

interface Hit {
  item: CqlItem;
  json: () => Record<string, unknown>;
}

function commentV1Json(store: SimStore, comment: Comment): Record<string, unknown> {
  const container = store.contents.get(comment.containerId);
  return {
    id: comment.id,
    type: 'comment',
    status: comment.status,
    title: `Re: ${container?.versions.at(-1)?.title ?? ''}`,
    extensions: { location: comment.kind },
    _expandable: { container: `/rest/api/content/${comment.containerId}` },
    _links: { self: `/wiki/rest/api/content/${comment.id}` },
  };
}

/** The contents a query may match: those of the spaces it is bound to, or all. */
function* candidates(store: SimStore, bounds: CqlQuery['bounds']): Generator<Content> {
  if (!bounds.spaceKeys) {
    yield* store.contents.values();
    return;
  }
  for (const key of bounds.spaceKeys) {
    const space = store.spaceByKey(key);
    if (space) yield* store.contentInSpace(space.id);
  }
}

function* searchable(
  c: Ctx,
  store: SimStore,
  expand: Set<string>,
  bounds: CqlQuery['bounds'],
): Generator<Hit> {
  const wants = (type: string) => !bounds.types || bounds.types.has(type);
  // Search ignores the Admin Key: judge as the same user without it.
  const check = readChecker(store, { ...actorOf(c), adminKey: false });
  const canRead = (id: string): boolean => {
    const content = store.contents.get(id);
    return content !== undefined && check(content);
  };
  for (const content of candidates(store, bounds)) {
    if (!wants(content.kind) || content.status !== 'current' || !canRead(content.id)) continue;
    const latest = content.versions.at(-1)!;
    const ancestors = store.ancestorsOf(content);
    yield {
      item: {
        type: content.kind,
        id: content.id,
        spaceKey: store.spaces.get(content.spaceId)!.key,
        title: latest.title,
        labels: labelsOf(store, content).map((l) => l.name),
        created: content.createdAt,
        modified: latest.createdAt,
        creator: content.authorId,
        parentId: content.parentId,
        ancestorIds: ancestors.map((a) => a.id),
        containerId: undefined,
        text: () => storageText(storageOf(latest.body)),
      },
      json: () => contentV1Json(store, content, expand),
    };
  }
  const attachments = !wants('attachment')
    ? []
    : bounds.spaceKeys
      ? [...candidates(store, bounds)].flatMap((content) => store.attachmentsOf(content.id))
      : store.attachments.values();
  for (const att of attachments) {
    if (att.status !== 'current' || !canRead(att.containerId)) continue;
    const container = store.contents.get(att.containerId)!;
    const latest = att.versions.at(-1)!;
    yield {
      item: {
        type: 'attachment',
        id: att.id,
        spaceKey: store.spaces.get(container.spaceId)!.key,
        title: latest.title,
        labels: labelsOf(store, att).map((l) => l.name),
        created: att.createdAt,
        modified: latest.createdAt,
        creator: att.versions[0]!.authorId,
        parentId: undefined,
        ancestorIds: [container.id, ...store.ancestorsOf(container).map((a) => a.id)],
        containerId: container.id,
        text: () => latest.comment,
      },
      json: () => attachmentV1Json(store, att, expand),
    };
  }
  for (const comment of wants('comment') ? store.comments.values() : []) {
    const containerId = store.attachments.get(comment.containerId)?.containerId ?? comment.containerId;
    if (comment.status !== 'current' || !canRead(containerId)) continue;
    const container = store.contents.get(containerId)!;
    const latest = comment.versions.at(-1)!;
    yield {
      item: {
        type: 'comment',
        id: comment.id,
        spaceKey: store.spaces.get(container.spaceId)!.key,
        title: `Re: ${container.versions.at(-1)!.title}`,
        labels: [],
        created: comment.createdAt,
        modified: latest.createdAt,
        creator: comment.versions[0]!.authorId,
        parentId: undefined,
        ancestorIds: [container.id],
        containerId: comment.containerId,
        text: () => storageText(latest.body),
      },
      json: () => commentV1Json(store, comment),
    };
  }
}

export function registerV1SearchRoutes(app: SimApp, deps: SimDeps): void {
  const { store } = deps;
  // The site-wide search (`/rest/api/search`): hits as search results, `start`/`limit` paging and the
  // `totalSize` of the whole result (with `limit=0`, just the count).
  app.get('/rest/api/search', (c) => {
    const query = parsedCql(c, deps);
    const limit = Math.min(queryInt(c, 'limit', 25, 0, Number.MAX_SAFE_INTEGER), 250);
    const start = queryInt(c, 'start', 0, 0, Number.MAX_SAFE_INTEGER);
    const hits = [...searchable(c, store, new Set(), query.bounds)].filter((h) => query.matches(h.item));
    const results = hits.slice(start, start + limit).map((h) => ({
      content: h.json(),
      title: h.item.title,
      excerpt: '',
      url: `/spaces/${h.item.spaceKey}`,
      breadcrumbs: [],
      entityType: 'content',
      iconCssClass: `aui-icon content-type-${h.item.type}`,
      lastModified: new Date(h.item.modified).toISOString(),
    }));
    return sendJson(c, 200, {
      results,
      start,
      limit,
      size: results.length,
      totalSize: hits.length,
      cqlQuery: c.req.query('cql') ?? '',
      searchDuration: 1,
      _links: {
        base: `${deps.siteOrigin()}/wiki`,
        context: '/wiki',
        self: `${deps.siteOrigin()}${wikiPath(c)}`,
      },
    });
  });
  app.get('/rest/api/content/search', (c) => {
    const query = parsedCql(c, deps);
    const limit = Math.min(queryInt(c, 'limit', 25, 0, Number.MAX_SAFE_INTEGER), 250);
    const expand = new Set(queryList(c, 'expand'));
    const { field, descending } = query.order;
    const spec: SortSpec<Hit> = {
      name: `cql:${field}:${descending ? 'desc' : 'asc'}`,
      key: (h) =>
        field === 'id'
          ? Number(h.item.id.replace(/^\D+/, ''))
          : field === 'created'
            ? h.item.created
            : field === 'title'
              ? h.item.title
              : h.item.modified,
      id: (h) => h.item.id,
      descending,
    };
    const { after, raw } = cursorParam(c, deps, spec.name);
    const hits = [...searchable(c, store, expand, query.bounds)].filter((h) => query.matches(h.item));
    const page = pageAfter(hits, spec, after, limit);
    const links: Record<string, string> = {
      base: `${deps.siteOrigin()}/wiki`,
      context: '/wiki',
      self: `${deps.siteOrigin()}${wikiPath(c)}`,
    };
    if (page.next) {
      const listing = `${wikiPath(c)}${queryWithCursor(c, undefined)}`;
      const cursor = deps.faults.nextCursor(listing, raw, deps.cursors.encode(spec.name, page.next));
      links.next = `${wikiPath(c).replace(/^\/wiki/, '')}${queryWithCursor(c, cursor)}`;
    }
    const results = page.results.map((h) => h.json());
    return sendJson(c, 200, {
      results,
      start: 0,
      limit,
      size: results.length,
      _links: links,
    });
  });
}

/** The request's `cql`, parsed; a missing or malformed query is a 400 as Confluence answers it. */
function parsedCql(c: Ctx, deps: SimDeps): ReturnType<typeof parseCql> {
  const cql = c.req.query('cql');
  if (cql === undefined || cql.trim() === '') throw badRequest('cql is required');
  try {
    return parseCql(cql, deps.clock.now().getTime(), deps.settings.cqlTypes);
  } catch (error) {
    throw badRequest(`Could not parse cql: ${(error as Error).message}`);
  }
}
