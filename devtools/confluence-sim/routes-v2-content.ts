// v2 pages and blog posts: list (global and per space), get (any version, drafts), create, update (version
// check), retitle, delete (trash, purge, discard draft). Their sub-resources are in routes-v2-content-parts.ts.

import { canWriteContent, readChecker } from './access.ts';
import { BULK_FORMATS, bodyFromWrite, SINGLE_FORMATS } from './bodies.ts';
import { createContent, purge, retitle, trash, updateContent } from './content-ops.ts';
import {
  actorOf,
  type Ctx,
  jsonBody,
  queryBool,
  queryEnum,
  queryList,
  queryStatuses,
  type SimApp,
  type SimDeps,
  sendEmpty,
  sendJson,
} from './http-context.ts';
import { numericId, readableContent, readableSpace, requireWritable, sortParam } from './lookup.ts';
import { labelsOf } from './metadata-ops.ts';
import type { Body, Content, ContentVersion } from './model.ts';
import { baseLink, limitParam, sendPage } from './paging.ts';
import { labelJson, pageJson, propertyJson, versionJson } from './serialize-v2.ts';
import { badRequest, notFound } from './sim-error.ts';
import { byId, CONTENT_SORTS } from './sorts.ts';

type DocKind = 'page' | 'blogpost';

const PAGE_STATUSES = ['current', 'archived', 'deleted', 'trashed'] as const;
const BLOG_STATUSES = ['current', 'deleted', 'trashed'] as const;
const SINGLE_STATUSES = ['current', 'archived', 'trashed', 'deleted', 'historical', 'draft'] as const;
const PAGE_SORT_NAMES = ['id', 'created-date', 'modified-date', 'title'];
const BLOG_SORT_NAMES = ['id', 'created-date', 'modified-date'];

function listDocs(c: Ctx, deps: SimDeps, kind: DocKind, source: () => Iterable<Content>): Response {
  const { store } = deps;
  const statuses: string[] =
    kind === 'page'
      ? queryStatuses(c, PAGE_STATUSES, ['current', 'archived'])
      : queryStatuses(c, BLOG_STATUSES, ['current']);
  const ids = new Set(queryList(c, 'id'));
  const spaceIds = new Set(queryList(c, 'space-id'));
  const title = c.req.query('title');
  const subtype = kind === 'page' ? queryEnum(c, 'subtype', ['live', 'page'] as const) : undefined;
  const depthRoot = c.req.query('depth') === 'root';
  const bodyFormat = queryEnum(c, 'body-format', BULK_FORMATS);
  const sort = sortParam(
    c,
    CONTENT_SORTS,
    kind === 'page' ? PAGE_SORT_NAMES : BLOG_SORT_NAMES,
    byId<Content>((x) => x.id),
  );
  const limit = limitParam(c);
  const canRead = readChecker(store, actorOf(c));
  const items = function* (): Iterable<Content> {
    for (const content of source()) {
      if (content.kind !== kind || !statuses.includes(content.status)) continue;
      if (ids.size > 0 && (!ids.has(content.id) || deps.faults.hiddenFromBatch(content.id))) continue;
      if (spaceIds.size > 0 && !spaceIds.has(content.spaceId)) continue;
      if (title !== undefined && content.versions.at(-1)!.title !== title) continue;
      if (subtype === 'live' && content.subtype !== 'live') continue;
      if (subtype === 'page' && content.subtype === 'live') continue;
      if (depthRoot && content.parentId !== undefined) continue;
      if (!deps.store.spaces.has(content.spaceId)) continue;
      if (!canRead(content)) continue;
      yield content;
    }
  };
  return sendPage(c, deps, items, sort, limit, (content) => pageJson(store, content, { bodyFormat }));
}

function pickVersion(c: Ctx, content: Content): ContentVersion {
  if (queryBool(c, 'get-draft')) {
    if (content.draft) return content.draft;
    if (content.status === 'draft') return content.versions.at(-1)!;
    throw notFound(`Draft of ${content.id}`);
  }
  const wanted = c.req.query('version');
  if (wanted === undefined) return content.versions.at(-1)!;
  const version = content.versions.find((v) => String(v.number) === wanted);
  if (!version) throw notFound(`Version ${wanted} of ${content.id}`);
  return version;
}

function singleJson(
  c: Ctx,
  deps: SimDeps,
  content: Content,
  version?: ContentVersion,
): Record<string, unknown> {
  const bodyFormat = queryEnum(c, 'body-format', SINGLE_FORMATS);
  const view = version ? { version, bodyFormat, single: true } : { bodyFormat, single: true };
  const out = pageJson(deps.store, content, view);
  if (c.req.query('include-version') === 'false') delete out.version;
  const meta = (total: number) => ({ hasMore: total > 50, cursor: '' });
  if (queryBool(c, 'include-labels')) {
    const labels = labelsOf(deps.store, content);
    out.labels = {
      results: labels.slice(0, 50).map(labelJson),
      meta: meta(labels.length),
      _links: { self: `/wiki/api/v2/${content.kind}s/${content.id}/labels` },
    };
  }
  if (queryBool(c, 'include-properties')) {
    out.properties = {
      results: content.properties.slice(0, 50).map(propertyJson),
      meta: meta(content.properties.length),
      _links: { self: `/wiki/api/v2/${content.kind}s/${content.id}/properties` },
    };
  }
  if (queryBool(c, 'include-versions')) {
    const versions = [...content.versions].reverse();
    out.versions = {
      results: versions.slice(0, 50).map(versionJson),
      meta: meta(versions.length),
      _links: { self: `/wiki/api/v2/${content.kind}s/${content.id}/versions` },
    };
  }
  out._links = { ...(out._links as object), base: baseLink(deps) };
  return out;
}

function writeBody(raw: unknown): Body {
  const body = bodyFromWrite(raw as Parameters<typeof bodyFromWrite>[0]);
  if (typeof body === 'string') throw badRequest(body);
  return body;
}

export function registerContentRoutes(app: SimApp, deps: SimDeps): void {
  const { store } = deps;
  for (const kind of ['page', 'blogpost'] as const) {
    const base = `/api/v2/${kind}s`;

    app.get(base, (c) => listDocs(c, deps, kind, () => store.contents.values()));
    app.get(`/api/v2/spaces/:id/${kind}s`, (c) => {
      const space = readableSpace(c, store, numericId(c.req.param('id')));
      return listDocs(c, deps, kind, () => store.contentInSpace(space.id));
    });

    app.post(base, async (c) => {
      const body = await jsonBody(c);
      const spaceId = typeof body.spaceId === 'string' ? body.spaceId : String(body.spaceId ?? '');
      const space = store.spaces.get(spaceId);
      if (!space) throw notFound(`Space ${spaceId}`);
      readableSpace(c, store, spaceId);
      if (!canWriteContent(store, space, actorOf(c))) throw notFound(`Space ${spaceId}`);
      const status = body.status ?? 'current';
      if (status !== 'current' && status !== 'draft') throw badRequest('status must be current or draft');
      const createdAt =
        kind === 'blogpost' && typeof body.createdAt === 'string' ? Date.parse(body.createdAt) : undefined;
      if (createdAt !== undefined && Number.isNaN(createdAt)) throw badRequest('Invalid createdAt');
      const content = createContent(store, {
        kind,
        spaceId,
        title: typeof body.title === 'string' ? body.title : '',
        ...(typeof body.parentId === 'string' ? { parentId: body.parentId } : {}),
        rootLevel: queryBool(c, 'root-level'),
        status,
        body: writeBody(body.body),
        ...(body.subtype === 'live' ? { subtype: 'live' as const } : {}),
        ...(createdAt !== undefined ? { createdAt } : {}),
        authorId: actorOf(c).user.accountId,
      });
      if (queryBool(c, 'private')) content.restrictions.read.users = [actorOf(c).user.accountId];
      return sendJson(c, 200, singleJson(c, deps, content));
    });

    app.get(`${base}/:id`, (c) => {
      const statuses = queryList(c, 'status');
      for (const s of statuses)
        if (!(SINGLE_STATUSES as readonly string[]).includes(s)) throw badRequest(`Invalid status ${s}`);
      const allowed = statuses.length > 0 ? statuses : ['current', 'archived'];
      if (queryBool(c, 'get-draft') || c.req.query('version') !== undefined)
        allowed.push('draft', 'current', 'archived');
      const content = readableContent(c, store, numericId(c.req.param('id')), [kind], allowed);
      return sendJson(c, 200, singleJson(c, deps, content, pickVersion(c, content)));
    });

    app.put(`${base}/:id`, async (c) => {
      const id = numericId(c.req.param('id'));
      const content = readableContent(
        c,
        store,
        id,
        [kind],
        ['current', 'archived', 'draft', 'trashed', 'deleted'],
      );
      requireWritable(c, store, content);
      const body = await jsonBody(c);
      if (body.id !== undefined && String(body.id) !== id)
        throw badRequest('id in the body does not match the path');
      const version = body.version as { number?: unknown; message?: unknown } | undefined;
      if (typeof version?.number !== 'number') throw badRequest('version.number is required');
      if (typeof body.title !== 'string') throw badRequest('title is required');
      if (body.status !== 'current' && body.status !== 'draft')
        throw badRequest('status must be current or draft');
      updateContent(store, content, {
        title: body.title,
        body: writeBody(body.body),
        status: body.status,
        versionNumber: version.number,
        ...(typeof version.message === 'string' ? { message: version.message } : {}),
        ...(typeof body.parentId === 'string' ? { parentId: body.parentId } : {}),
        ...(body.spaceId !== undefined ? { spaceId: String(body.spaceId) } : {}),
        ...(typeof body.ownerId === 'string' ? { ownerId: body.ownerId } : {}),
        authorId: actorOf(c).user.accountId,
      });
      const shown = body.status === 'draft' ? (content.draft ?? content.versions.at(-1)) : undefined;
      return sendJson(c, 200, singleJson(c, deps, content, shown));
    });

    app.delete(`${base}/:id`, (c) => {
      const content = readableContent(
        c,
        store,
        numericId(c.req.param('id')),
        [kind],
        ['current', 'archived', 'trashed', 'draft'],
      );
      requireWritable(c, store, content);
      if (queryBool(c, 'draft')) {
        if (content.status === 'draft') store.removeContent(content.id);
        else if (content.draft) delete content.draft;
        else throw notFound(`Draft of ${content.id}`);
      } else if (queryBool(c, 'purge')) purge(store, content);
      else trash(store, content);
      return sendEmpty(204);
    });
  }

  app.put('/api/v2/pages/:id/title', async (c) => {
    const content = readableContent(c, store, numericId(c.req.param('id')), ['page']);
    requireWritable(c, store, content);
    const body = await jsonBody(c);
    if (typeof body.title !== 'string' || body.title.trim() === '') throw badRequest('title is required');
    retitle(store, content, body.title, actorOf(c).user.accountId);
    return sendJson(c, 200, singleJson(c, deps, content));
  });
}
