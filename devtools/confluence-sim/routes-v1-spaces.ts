// v1 spaces, users and groups: create a space (with its homepage), read one, add and remove space permissions
// and space labels (writes exist only in v1), look up users by account id and groups by id, list groups and their members.

import { canAdministerSpace } from './access.ts';
import {
  actorOf,
  jsonBody,
  jsonValue,
  queryInt,
  type SimApp,
  type SimDeps,
  sendEmpty,
  sendJson,
} from './http-context.ts';
import { readableSpaceByKey } from './lookup.ts';
import { addLabels, labelsOf, removeLabel } from './metadata-ops.ts';
import { groupV1Json, labelV1Json, spaceV1Json, userV1Json } from './serialize-v1.ts';
import { badRequest, notFound, SimError } from './sim-error.ts';
import { addSpacePermission, createSpace, removeSpacePermission } from './space-ops.ts';

export function registerV1SpaceRoutes(app: SimApp, deps: SimDeps): void {
  const { store } = deps;

  app.post('/rest/api/space', async (c) => {
    const actor = actorOf(c);
    if (!actor.canWrite || !actor.user.siteAdmin) throw new SimError(403, 'You may not create spaces');
    const body = await jsonBody(c);
    if (typeof body.key !== 'string' || typeof body.name !== 'string')
      throw badRequest('key and name are required');
    const description = (body.description as { plain?: { value?: unknown } } | undefined)?.plain?.value;
    const space = createSpace(store, {
      key: body.key,
      name: body.name,
      ...(typeof description === 'string' ? { description } : {}),
      authorId: actor.user.accountId,
    });
    return sendJson(c, 200, spaceV1Json(space));
  });

  app.get('/rest/api/space/:spaceKey', (c) =>
    sendJson(c, 200, spaceV1Json(readableSpaceByKey(c, store, c.req.param('spaceKey')))),
  );

  // Space labels: v1 only (v2 reads them but cannot write them); writing takes space admin rights.
  const labelArray = (labels: ReturnType<typeof labelsOf>, start = 0, limit = labels.length) => ({
    results: labels.slice(start, start + limit).map(labelV1Json),
    start,
    limit,
    size: Math.max(0, Math.min(limit, labels.length - start)),
    _links: {},
  });
  app.get('/rest/api/space/:spaceKey/label', (c) => {
    const space = readableSpaceByKey(c, store, c.req.param('spaceKey'));
    const prefix = c.req.query('prefix');
    const labels = labelsOf(store, space).filter((l) => prefix === undefined || l.prefix === prefix);
    const start = queryInt(c, 'start', 0, 0, Number.MAX_SAFE_INTEGER);
    return sendJson(c, 200, labelArray(labels, start, queryInt(c, 'limit', 200, 1, 1000)));
  });
  app.post('/rest/api/space/:spaceKey/label', async (c) => {
    const space = readableSpaceByKey(c, store, c.req.param('spaceKey'));
    if (!canAdministerSpace(space, actorOf(c))) throw new SimError(403, 'You may not administer this space');
    const body = await jsonValue(c);
    if (!Array.isArray(body)) throw badRequest('Expected an array of labels');
    return sendJson(
      c,
      200,
      labelArray(addLabels(store, space, body as { prefix?: unknown; name?: unknown }[])),
    );
  });
  app.delete('/rest/api/space/:spaceKey/label', (c) => {
    const space = readableSpaceByKey(c, store, c.req.param('spaceKey'));
    if (!canAdministerSpace(space, actorOf(c))) throw new SimError(403, 'You may not administer this space');
    const name = c.req.query('name');
    if (name === undefined || name === '') throw badRequest('Label name is required');
    removeLabel(store, space, name);
    return sendEmpty(204);
  });

  app.post('/rest/api/space/:spaceKey/permission', async (c) => {
    const space = readableSpaceByKey(c, store, c.req.param('spaceKey'));
    if (!canAdministerSpace(space, actorOf(c))) throw new SimError(403, 'You may not administer this space');
    const permission = addSpacePermission(store, space, await jsonBody(c));
    return sendJson(c, 200, {
      id: Number(permission.id),
      subject: { type: permission.principal.type, identifier: permission.principal.id },
      operation: { key: permission.operation.key, target: permission.operation.targetType },
      _links: {},
    });
  });

  app.delete('/rest/api/space/:spaceKey/permission/:id', (c) => {
    const space = readableSpaceByKey(c, store, c.req.param('spaceKey'));
    if (!canAdministerSpace(space, actorOf(c))) throw new SimError(403, 'You may not administer this space');
    removeSpacePermission(space, c.req.param('id'));
    return sendEmpty(204);
  });

  app.get('/rest/api/user', (c) => {
    const accountId = c.req.query('accountId');
    if (!accountId) throw badRequest('accountId is required');
    const user = store.users.get(accountId);
    if (!user) throw notFound(`User ${accountId}`);
    return sendJson(c, 200, userV1Json(user, accountId));
  });

  app.get('/rest/api/user/current', (c) => {
    const user = actorOf(c).user;
    return sendJson(c, 200, userV1Json(user, user.accountId));
  });

  app.get('/rest/api/group', (c) => {
    const start = queryInt(c, 'start', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = queryInt(c, 'limit', 200, 0, 1000);
    const all = [...store.groups.keys()].sort();
    const page = all.slice(start, start + limit).map((id) => groupV1Json(store, id));
    return sendJson(c, 200, { results: page, start, limit, size: page.length, _links: {} });
  });

  app.get('/rest/api/group/by-id', (c) => {
    const id = c.req.query('id');
    if (!id || !store.groups.has(id)) throw notFound(`Group ${String(id)}`);
    return sendJson(c, 200, groupV1Json(store, id));
  });

  app.get('/rest/api/group/by-name', (c) => {
    const name = c.req.query('name');
    const group = name ? store.groupByName(name) : undefined;
    if (!group) throw notFound(`Group ${String(name)}`);
    return sendJson(c, 200, groupV1Json(store, group.id));
  });

  app.get('/rest/api/group/:groupId/membersByGroupId', (c) => {
    const id = c.req.param('groupId');
    if (!store.groups.has(id)) throw notFound(`Group ${id}`);
    const start = queryInt(c, 'start', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = queryInt(c, 'limit', 200, 0, 1000);
    const members = [...store.users.values()].filter((u) => u.groupIds.includes(id));
    const page = members.slice(start, start + limit).map((u) => userV1Json(u, u.accountId));
    return sendJson(c, 200, {
      results: page,
      start,
      limit,
      size: page.length,
      totalSize: members.length,
      _links: {},
    });
  });
}
