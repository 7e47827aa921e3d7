// v2 page-tree endpoints: folders, whiteboards, databases and smart links (create, get, delete: metadata only),
// and for every tree type its ancestors, direct children and descendants (top-down, up to `depth` levels).

import { canWriteContent, readChecker } from './access.ts';
import { createContent, trash } from './content-ops.ts';
import type { SortSpec } from './cursor.ts';
import {
  actorOf,
  type Ctx,
  jsonBody,
  queryBool,
  queryInt,
  type SimApp,
  type SimDeps,
  sendEmpty,
  sendJson,
} from './http-context.ts';
import { numericId, readableContent, readableSpace, requireWritable, sortParam } from './lookup.ts';
import type { Content, TreeKind } from './model.ts';
import { baseLink, limitParam, sendPage } from './paging.ts';
import { treeItemJson } from './serialize-v2.ts';
import { badRequest, notFound } from './sim-error.ts';
import { CONTENT_SORTS } from './sorts.ts';

const TREE_KINDS: readonly TreeKind[] = ['page', 'folder', 'whiteboard', 'database', 'embed'];
const ITEM_KINDS = ['folder', 'whiteboard', 'database', 'embed'] as const;
const PATHS: Record<TreeKind, string> = {
  page: 'pages',
  folder: 'folders',
  whiteboard: 'whiteboards',
  database: 'databases',
  embed: 'embeds',
};
const CHILD_SORT_NAMES = ['created-date', 'id', 'modified-date', 'child-position', 'title'];

function visibleChildren(deps: SimDeps, canRead: (content: Content) => boolean, parent: Content): Content[] {
  return deps.store
    .childrenOf(parent.spaceId, parent.id)
    .filter((child) => (child.status === 'current' || child.status === 'archived') && canRead(child));
}

function childJson(child: Content): Record<string, unknown> {
  return {
    id: child.id,
    status: child.status,
    title: child.versions.at(-1)!.title,
    type: child.kind,
    spaceId: child.spaceId,
    childPosition: child.position ?? null,
  };
}

interface Descendant {
  content: Content;
  depth: number;
  order: number;
}

function descendants(deps: SimDeps, c: Ctx, root: Content, maxDepth: number): Descendant[] {
  const canRead = readChecker(deps.store, actorOf(c));
  const out: Descendant[] = [];
  let level = [root];
  for (let depth = 1; depth <= maxDepth && level.length > 0; depth++) {
    const next: Content[] = [];
    for (const parent of level) {
      for (const child of visibleChildren(deps, canRead, parent)) {
        out.push({ content: child, depth, order: out.length });
        next.push(child);
      }
    }
    level = next;
  }
  return out;
}

export function registerTreeRoutes(app: SimApp, deps: SimDeps): void {
  const { store } = deps;

  for (const kind of ITEM_KINDS) {
    const base = `/api/v2/${PATHS[kind]}`;
    app.post(base, async (c) => {
      const body = await jsonBody(c);
      const spaceId = String(body.spaceId ?? '');
      const space = readableSpace(c, store, spaceId);
      if (!canWriteContent(store, space, actorOf(c))) throw notFound(`Space ${spaceId}`);
      if (kind === 'embed' && body.embedUrl !== undefined && typeof body.embedUrl !== 'string')
        throw badRequest('embedUrl must be a string');
      const content = createContent(store, {
        kind,
        spaceId,
        title: typeof body.title === 'string' && body.title !== '' ? body.title : `Untitled ${kind}`,
        ...(typeof body.parentId === 'string' ? { parentId: body.parentId } : {}),
        rootLevel: body.parentId === undefined,
        ...(kind === 'embed' ? { embedUrl: typeof body.embedUrl === 'string' ? body.embedUrl : '' } : {}),
        authorId: actorOf(c).user.accountId,
      });
      if (queryBool(c, 'private')) content.restrictions.read.users = [actorOf(c).user.accountId];
      return sendJson(c, 200, {
        ...treeItemJson(store, content),
        _links: { webui: '', base: baseLink(deps) },
      });
    });
    app.get(`${base}/:id`, (c) => {
      const content = readableContent(c, store, numericId(c.req.param('id')), [kind]);
      const json = treeItemJson(store, content);
      return sendJson(c, 200, { ...json, _links: { ...(json._links as object), base: baseLink(deps) } });
    });
    app.delete(`${base}/:id`, (c) => {
      const content = readableContent(c, store, numericId(c.req.param('id')), [kind]);
      requireWritable(c, store, content);
      trash(store, content);
      return sendEmpty(204);
    });
  }

  for (const kind of TREE_KINDS) {
    const base = `/api/v2/${PATHS[kind]}/:id`;
    app.get(`${base}/ancestors`, (c) => {
      const content = readableContent(c, store, numericId(c.req.param('id')), [kind]);
      const limit = limitParam(c);
      const ancestors = store.ancestorsOf(content);
      const results = ancestors.slice(-limit).map((a) => ({ id: a.id, type: a.kind }));
      // As in the spec, only the page variant carries `_links`.
      return sendJson(c, 200, kind === 'page' ? { results, _links: { base: baseLink(deps) } } : { results });
    });
    app.get(`${base}/direct-children`, (c) => {
      const content = readableContent(c, store, numericId(c.req.param('id')), [kind]);
      const sort = sortParam(c, CONTENT_SORTS, CHILD_SORT_NAMES, CONTENT_SORTS.get('child-position')!);
      return sendPage(
        c,
        deps,
        () => visibleChildren(deps, readChecker(store, actorOf(c)), content),
        sort,
        limitParam(c),
        childJson,
      );
    });
    app.get(`${base}/descendants`, (c) => {
      const content = readableContent(c, store, numericId(c.req.param('id')), [kind]);
      const depth = queryInt(c, 'depth', 2, 1, 10);
      const spec: SortSpec<Descendant> = {
        name: 'tree',
        key: (d) => d.order,
        id: (d) => d.content.id,
        descending: false,
      };
      return sendPage(
        c,
        deps,
        () => descendants(deps, c, content, depth),
        spec,
        limitParam(c),
        (d) => ({
          id: d.content.id,
          status: d.content.status,
          title: d.content.versions.at(-1)!.title,
          type: d.content.kind,
          parentId: d.content.parentId ?? content.id,
          depth: d.depth,
          childPosition: d.content.position ?? null,
        }),
      );
    });
  }

  app.get('/api/v2/pages/:id/children', (c) => {
    const content = readableContent(c, store, numericId(c.req.param('id')), ['page']);
    const sort = sortParam(c, CONTENT_SORTS, CHILD_SORT_NAMES, CONTENT_SORTS.get('child-position')!);
    const pages = () =>
      visibleChildren(deps, readChecker(store, actorOf(c)), content).filter((child) => child.kind === 'page');
    return sendPage(c, deps, pages, sort as SortSpec<Content>, limitParam(c), (child) => ({
      id: child.id,
      status: child.status,
      title: child.versions.at(-1)!.title,
      spaceId: child.spaceId,
      childPosition: child.position ?? null,
    }));
  });
}
