// v2 spaces: list, get (with permissions, properties, labels), create, space labels and the labels of its
// content, permission assignments, and space properties (create, read, update with version check, delete).

import { canAdministerSpace, canReadSpace } from './access.ts';
import {
  actorOf,
  type Ctx,
  jsonBody,
  queryBool,
  queryEnum,
  queryList,
  type SimApp,
  type SimDeps,
  sendEmpty,
  sendJson,
} from './http-context.ts';
import { numericId, readableSpace, sortParam } from './lookup.ts';
import { labelsOf } from './metadata-ops.ts';
import type { Label, Space } from './model.ts';
import { baseLink, limitParam, sendPage } from './paging.ts';
import { labelJson, permissionJson, spaceJson, spacePropertyJson } from './serialize-v2.ts';
import { badRequest, notFound } from './sim-error.ts';
import { byId, LABEL_SORTS, SPACE_SORTS } from './sorts.ts';
import { createSpace, createSpaceProperty, updateSpaceProperty } from './space-ops.ts';

const SPACE_TYPES = [
  'global',
  'collaboration',
  'knowledge_base',
  'personal',
  'system',
  'onboarding',
  'xflow_sample_space',
] as const;

function optional(c: Ctx, space: Space, deps: SimDeps): Record<string, unknown> {
  const out = spaceJson(space, queryEnum(c, 'description-format', ['plain', 'view'] as const));
  const meta = (n: number) => ({ hasMore: n > 50, cursor: '' });
  if (queryBool(c, 'include-labels')) {
    const labels = labelsOf(deps.store, space);
    out.labels = {
      results: labels.slice(0, 50).map(labelJson),
      meta: meta(labels.length),
      _links: { self: `/wiki/api/v2/spaces/${space.id}/labels` },
    };
  }
  if (queryBool(c, 'include-properties')) {
    out.properties = {
      results: space.properties.slice(0, 50).map(spacePropertyJson),
      meta: meta(space.properties.length),
      _links: { self: `/wiki/api/v2/spaces/${space.id}/properties` },
    };
  }
  if (queryBool(c, 'include-permissions')) {
    out.permissions = {
      results: space.permissions.slice(0, 50).map(permissionJson),
      meta: meta(space.permissions.length),
      _links: { self: `/wiki/api/v2/spaces/${space.id}/permissions` },
    };
  }
  out._links = { ...(out._links as object), base: baseLink(deps) };
  return out;
}

export function registerSpaceRoutes(app: SimApp, deps: SimDeps): void {
  const { store } = deps;

  app.get('/api/v2/spaces', (c) => {
    const ids = new Set(queryList(c, 'ids'));
    const keys = new Set(queryList(c, 'keys').map((k) => k.toUpperCase()));
    const type = queryEnum(c, 'type', SPACE_TYPES);
    const status = queryEnum(c, 'status', ['current', 'archived'] as const);
    const labels = queryList(c, 'labels');
    const format = queryEnum(c, 'description-format', ['plain', 'view'] as const);
    const sort = sortParam(
      c,
      SPACE_SORTS,
      ['id', 'key', 'name'],
      byId((s: Space) => s.id),
    );
    const actor = actorOf(c);
    const items = () =>
      [...store.spaces.values()].filter(
        (s) =>
          canReadSpace(s, actor) &&
          (ids.size === 0 || ids.has(s.id)) &&
          (keys.size === 0 || keys.has(s.key)) &&
          (!type || s.type === type) &&
          (!status || s.status === status) &&
          (labels.length === 0 || labelsOf(store, s).some((l) => labels.includes(l.name))),
      );
    return sendPage(c, deps, items, sort, limitParam(c), (s) => spaceJson(s, format));
  });

  app.post('/api/v2/spaces', async (c) => {
    const actor = actorOf(c);
    if (!actor.canWrite || !actor.user.siteAdmin) throw notFound('Permission to create spaces');
    const body = await jsonBody(c);
    if (typeof body.name !== 'string') throw badRequest('name is required');
    const description = body.description as { value?: unknown } | undefined;
    const key = typeof body.key === 'string' ? body.key : typeof body.alias === 'string' ? body.alias : '';
    const space = createSpace(store, {
      key:
        key === ''
          ? body.name
              .replace(/[^A-Za-z0-9]/g, '')
              .slice(0, 10)
              .toUpperCase() || 'SPACE'
          : key,
      name: body.name,
      ...(typeof description?.value === 'string' ? { description: description.value } : {}),
      authorId: actor.user.accountId,
    });
    if (body.createPrivateSpace === true)
      space.permissions = space.permissions.filter((p) => p.principal.type === 'user');
    return sendJson(c, 201, {
      ...spaceJson(space),
      _links: { webui: `/spaces/${space.key}`, base: baseLink(deps) },
    });
  });

  app.get('/api/v2/spaces/:id', (c) => {
    const space = readableSpace(c, store, numericId(c.req.param('id')));
    return sendJson(c, 200, optional(c, space, deps));
  });

  app.get('/api/v2/spaces/:id/labels', (c) => {
    const space = readableSpace(c, store, numericId(c.req.param('id')));
    const prefix = queryEnum(c, 'prefix', ['my', 'team', 'global', 'system'] as const);
    const sort = sortParam(
      c,
      LABEL_SORTS,
      ['id', 'name'],
      byId((l: Label) => l.id),
    );
    return sendPage(
      c,
      deps,
      () => labelsOf(store, space).filter((l) => !prefix || l.prefix === prefix),
      sort,
      limitParam(c),
      labelJson,
    );
  });

  app.get('/api/v2/spaces/:id/content/labels', (c) => {
    const space = readableSpace(c, store, numericId(c.req.param('id')));
    const sort = sortParam(
      c,
      LABEL_SORTS,
      ['id', 'name'],
      byId((l: Label) => l.id),
    );
    const items = () => {
      const seen = new Map<string, Label>();
      for (const content of store.contentInSpace(space.id))
        for (const l of labelsOf(store, content)) seen.set(l.id, l);
      return seen.values();
    };
    return sendPage(c, deps, items, sort, limitParam(c), labelJson);
  });

  app.get('/api/v2/spaces/:id/permissions', (c) => {
    const space = readableSpace(c, store, numericId(c.req.param('id')));
    return sendPage(
      c,
      deps,
      () => space.permissions,
      byId((p: { id: string }) => p.id),
      limitParam(c),
      permissionJson,
    );
  });

  app.get('/api/v2/spaces/:id/properties', (c) => {
    const space = readableSpace(c, store, numericId(c.req.param('id')));
    const key = c.req.query('key');
    return sendPage(
      c,
      deps,
      () => space.properties.filter((p) => key === undefined || p.key === key),
      byId((p: { id: string }) => p.id),
      limitParam(c, 10),
      spacePropertyJson,
    );
  });

  app.post('/api/v2/spaces/:id/properties', async (c) => {
    const space = readableSpace(c, store, numericId(c.req.param('id')));
    if (!canAdministerSpace(space, actorOf(c))) throw notFound(`Space ${space.id}`);
    const body = await jsonBody(c);
    return sendJson(
      c,
      201,
      spacePropertyJson(createSpaceProperty(store, space, body.key, body.value, actorOf(c).user.accountId)),
    );
  });

  const property = (c: Ctx) => {
    const space = readableSpace(c, store, numericId(c.req.param('id')));
    const found = space.properties.find((p) => p.id === c.req.param('propertyId'));
    if (!found) throw notFound(`Property ${c.req.param('propertyId')}`);
    return { space, found };
  };

  app.get('/api/v2/spaces/:id/properties/:propertyId', (c) =>
    sendJson(c, 200, spacePropertyJson(property(c).found)),
  );

  app.put('/api/v2/spaces/:id/properties/:propertyId', async (c) => {
    const { space, found } = property(c);
    if (!canAdministerSpace(space, actorOf(c))) throw notFound(`Space ${space.id}`);
    const body = await jsonBody(c);
    const version = body.version as { number?: unknown; message?: unknown } | undefined;
    const updated = updateSpaceProperty(
      store,
      found,
      { value: body.value, versionNumber: version?.number, message: version?.message },
      actorOf(c).user.accountId,
    );
    return sendJson(c, 200, spacePropertyJson(updated));
  });

  app.delete('/api/v2/spaces/:id/properties/:propertyId', (c) => {
    const { space, found } = property(c);
    if (!canAdministerSpace(space, actorOf(c))) throw notFound(`Space ${space.id}`);
    space.properties = space.properties.filter((p) => p !== found);
    return sendEmpty(204);
  });
}
