// v1 content endpoints that backup and restore still need: get content (with `expand`), labels (read, add,
// remove: no new version), restrictions (read, replace, add, remove, per user and per group), restore of a
// historical version, and move/reorder (`before`, `after`, `append`).

import { createHash } from 'node:crypto';
import { hasSpacePermission } from './access.ts';
import { moveRelative, restoreVersion } from './content-ops.ts';
import {
  actorOf,
  type Ctx,
  jsonBody,
  jsonValue,
  queryInt,
  queryList,
  type SimApp,
  type SimDeps,
  sendEmpty,
  sendJson,
} from './http-context.ts';
import { readableAttachment, readableContent, requireWritable, STORED_STATUSES } from './lookup.ts';
import {
  addLabels,
  isRestrictionOperation,
  labelsOf,
  parseRestrictionWrite,
  type RestrictionOperation,
  removeLabel,
  setRestrictions,
} from './metadata-ops.ts';
import type { Attachment, Content } from './model.ts';
import {
  contentV1Json,
  labelV1Json,
  RESTRICTION_LIST_LIMIT,
  restrictionV1Json,
  versionV1Json,
} from './serialize-v1.ts';
import { badRequest, notFound, SimError } from './sim-error.ts';

const ALL_KINDS = ['page', 'blogpost', 'folder', 'whiteboard', 'database', 'embed'] as const;

interface Target {
  labels: string[];
  owner: Content;
  attachment?: Attachment;
}

function target(c: Ctx, deps: SimDeps, id: string | undefined): Target {
  if (id === undefined) throw badRequest('Missing id');
  if (id.startsWith('att') || deps.store.attachments.has(`att${id}`)) {
    const att = readableAttachment(c, deps.store, id);
    return { labels: att.labels, owner: deps.store.contents.get(att.containerId)!, attachment: att };
  }
  const content = readableContent(c, deps.store, id, ALL_KINDS, STORED_STATUSES);
  return { labels: content.labels, owner: content };
}

function labelItem(t: Target): { labels: string[] } {
  return t.attachment ?? t.owner;
}

function opParam(c: Ctx): RestrictionOperation {
  const op = c.req.param('op') ?? '';
  if (!isRestrictionOperation(op)) throw badRequest(`Unsupported operation ${op}`);
  return op;
}

export function registerV1ContentRoutes(app: SimApp, deps: SimDeps): void {
  const { store } = deps;

  app.get('/rest/api/content/:id', (c) => {
    const statuses = queryList(c, 'status');
    const content = readableContent(
      c,
      store,
      c.req.param('id'),
      ALL_KINDS,
      statuses.length > 0 ? statuses : ['current', 'archived'],
    );
    return sendJson(c, 200, contentV1Json(store, content, new Set(queryList(c, 'expand'))));
  });

  app.get('/rest/api/content/:id/label', (c) => {
    const t = target(c, deps, c.req.param('id'));
    const prefix = c.req.query('prefix');
    const start = queryInt(c, 'start', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = queryInt(c, 'limit', 200, 0, 1000);
    const all = labelsOf(store, labelItem(t)).filter((l) => prefix === undefined || l.prefix === prefix);
    const page = all.slice(start, start + limit).map(labelV1Json);
    const links: Record<string, string> = {
      base: `${deps.siteOrigin()}/wiki`,
      context: '/wiki',
      self: `/wiki/rest/api/content/${c.req.param('id')}/label`,
    };
    if (start + limit < all.length)
      links.next = `/rest/api/content/${c.req.param('id')}/label?limit=${limit}&start=${start + limit}`;
    return sendJson(c, 200, { results: page, start, limit, size: page.length, _links: links });
  });

  app.post('/rest/api/content/:id/label', async (c) => {
    const t = target(c, deps, c.req.param('id'));
    requireWritable(c, store, t.owner);
    const body = await jsonValue(c);
    const wanted = (Array.isArray(body) ? body : [body]) as { prefix?: unknown; name?: unknown }[];
    const labels = addLabels(store, labelItem(t), wanted).map(labelV1Json);
    return sendJson(c, 200, {
      results: labels,
      start: 0,
      limit: labels.length,
      size: labels.length,
      _links: {},
    });
  });

  const deleteLabel = (c: Ctx, name: string | undefined) => {
    const t = target(c, deps, c.req.param('id'));
    requireWritable(c, store, t.owner);
    if (name === undefined || name === '') throw badRequest('Label name is required');
    if (name.includes('/')) throw badRequest('Label names cannot contain "/"');
    removeLabel(store, labelItem(t), name);
    return sendEmpty(204);
  };
  app.delete('/rest/api/content/:id/label', (c) => deleteLabel(c, c.req.query('name')));
  app.delete('/rest/api/content/:id/label/:label', (c) => deleteLabel(c, c.req.param('label')));

  // --- restrictions ----------------------------------------------------------------------------------------

  const restricted = (c: Ctx): Content =>
    readableContent(c, store, c.req.param('id') ?? '', ALL_KINDS, STORED_STATUSES);
  const arrayJson = (content: Content) => {
    const results = (['read', 'update'] as const).map((op) =>
      restrictionV1Json(store, content.id, op, content.restrictions[op]),
    );
    const hash = createHash('sha1').update(JSON.stringify(content.restrictions)).digest('hex');
    return {
      results,
      start: 0,
      limit: 100,
      size: results.length,
      restrictionsHash: hash,
      _links: { base: `${deps.siteOrigin()}/wiki`, context: '/wiki' },
    };
  };
  const canRestrict = (c: Ctx, content: Content) => {
    requireWritable(c, store, content);
    const space = store.spaces.get(content.spaceId)!;
    const actor = actorOf(c);
    const allowed =
      actor.adminKey ||
      hasSpacePermission(space, actor.user, 'restrict_content') ||
      hasSpacePermission(space, actor.user, 'administer');
    if (!allowed) throw new SimError(403, 'You may not change restrictions of this content');
  };

  app.get('/rest/api/content/:id/restriction', (c) => sendJson(c, 200, arrayJson(restricted(c))));
  for (const [method, replace] of [
    ['put', true],
    ['post', false],
  ] as const) {
    app[method]('/rest/api/content/:id/restriction', async (c) => {
      const content = restricted(c);
      canRestrict(c, content);
      setRestrictions(content.restrictions, parseRestrictionWrite(store, await jsonValue(c)), replace);
      return sendJson(c, 200, arrayJson(content));
    });
  }
  app.delete('/rest/api/content/:id/restriction', (c) => {
    const content = restricted(c);
    canRestrict(c, content);
    content.restrictions = { read: { users: [], groups: [] }, update: { users: [], groups: [] } };
    return sendJson(c, 200, arrayJson(content));
  });
  app.get('/rest/api/content/:id/restriction/byOperation', (c) => {
    const content = restricted(c);
    return sendJson(c, 200, {
      read: restrictionV1Json(store, content.id, 'read', content.restrictions.read),
      update: restrictionV1Json(store, content.id, 'update', content.restrictions.update),
    });
  });
  app.get('/rest/api/content/:id/restriction/byOperation/:op', (c) => {
    const content = restricted(c);
    const op = opParam(c);
    const page = {
      start: queryInt(c, 'start', 0, 0, Number.MAX_SAFE_INTEGER),
      limit: queryInt(c, 'limit', RESTRICTION_LIST_LIMIT, 0, Number.MAX_SAFE_INTEGER),
    };
    return sendJson(c, 200, restrictionV1Json(store, content.id, op, content.restrictions[op], page));
  });

  const principalRoute = (suffix: string, kind: 'users' | 'groups', idOf: (c: Ctx) => string | undefined) => {
    const path = `/rest/api/content/:id/restriction/byOperation/:op/${suffix}`;
    const resolve = (c: Ctx) => {
      const content = restricted(c);
      const op = opParam(c);
      const id = idOf(c);
      if (id === undefined || id === '') throw badRequest('Missing principal');
      const exists = kind === 'users' ? store.users.has(id) : store.groups.has(id);
      if (!exists) throw notFound(`${kind === 'users' ? 'User' : 'Group'} ${id}`);
      return { content, list: content.restrictions[op][kind], id };
    };
    app.get(path, (c) => {
      const { list, id } = resolve(c);
      if (!list.includes(id)) throw notFound('Restriction');
      return sendEmpty(200);
    });
    app.put(path, (c) => {
      const { content, list, id } = resolve(c);
      canRestrict(c, content);
      if (!list.includes(id)) list.push(id);
      return sendEmpty(200);
    });
    app.delete(path, (c) => {
      const { content, list, id } = resolve(c);
      canRestrict(c, content);
      const at = list.indexOf(id);
      if (at < 0) throw notFound('Restriction');
      list.splice(at, 1);
      return sendEmpty(204);
    });
  };
  principalRoute('user', 'users', (c) => c.req.query('accountId'));
  principalRoute('byGroupId/:groupId', 'groups', (c) => c.req.param('groupId'));

  // --- versions and moves ----------------------------------------------------------------------------------

  app.post('/rest/api/content/:id/version', async (c) => {
    const content = readableContent(c, store, c.req.param('id'), ['page', 'blogpost']);
    requireWritable(c, store, content);
    const body = await jsonBody(c);
    const params = body.params as
      | { versionNumber?: unknown; message?: unknown; restoreTitle?: unknown }
      | undefined;
    if (body.operationKey !== 'restore' || typeof params?.versionNumber !== 'number')
      throw badRequest('Expected operationKey "restore" and params.versionNumber');
    const restored = restoreVersion(
      store,
      content,
      params.versionNumber,
      typeof params.message === 'string' ? params.message : '',
      params.restoreTitle === true,
      actorOf(c).user.accountId,
    );
    return sendJson(c, 200, versionV1Json(store, restored));
  });

  app.put('/rest/api/content/:pageId/move/:position/:targetId', (c) => {
    const page = readableContent(c, store, c.req.param('pageId'), [
      'page',
      'folder',
      'whiteboard',
      'database',
      'embed',
    ]);
    const targetContent = readableContent(c, store, c.req.param('targetId'), [
      'page',
      'folder',
      'whiteboard',
      'database',
      'embed',
    ]);
    requireWritable(c, store, page);
    moveRelative(store, page, c.req.param('position'), targetContent);
    return sendJson(c, 200, { pageId: page.id });
  });
}
