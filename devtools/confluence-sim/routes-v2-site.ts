// Site-wide v2 endpoints: all labels, the Admin Key (temporary access to restricted content for site admins,
// asked for per request with `Atl-Confluence-With-Admin-Key: true`), and bulk user lookup.

import {
  actorOf,
  jsonValue,
  queryList,
  type SimApp,
  type SimDeps,
  sendEmpty,
  sendJson,
} from './http-context.ts';
import { sortParam } from './lookup.ts';
import type { Label, User } from './model.ts';
import { baseLink, limitParam, sendPage } from './paging.ts';
import { labelJson } from './serialize-v2.ts';
import { badRequest, notFound } from './sim-error.ts';
import { byId, LABEL_SORTS } from './sorts.ts';

export function userJson(user: User): Record<string, unknown> {
  return {
    displayName: user.displayName,
    timeZone: 'Etc/UTC',
    isExternalCollaborator: false,
    accountStatus: 'active',
    accountId: user.accountId,
    email: user.email,
    accountType: user.accountType,
    publicName: user.displayName,
    profilePicture: { path: `/wiki/aa-avatar/${user.accountId}`, isDefault: true },
  };
}

export function registerSiteRoutes(app: SimApp, deps: SimDeps): void {
  const { store, clock } = deps;

  app.get('/api/v2/labels', (c) => {
    const ids = new Set(queryList(c, 'label-id'));
    const prefixes = new Set(queryList(c, 'prefix'));
    const sort = sortParam(
      c,
      LABEL_SORTS,
      ['id', 'name'],
      byId((l: Label) => l.id),
    );
    const items = () =>
      [...store.labels.values()].filter(
        (l) => (ids.size === 0 || ids.has(l.id)) && (prefixes.size === 0 || prefixes.has(l.prefix)),
      );
    return sendPage(c, deps, items, sort, limitParam(c), labelJson);
  });

  app.get('/api/v2/admin-key', (c) => {
    const actor = actorOf(c);
    const expiry = store.adminKeys.get(actor.user.accountId);
    if (!actor.user.siteAdmin || expiry === undefined || expiry <= clock.now().getTime())
      throw notFound('Admin key');
    return sendJson(c, 200, {
      accountId: actor.user.accountId,
      expirationTime: new Date(expiry).toISOString(),
    });
  });

  app.post('/api/v2/admin-key', async (c) => {
    const actor = actorOf(c);
    if (!actor.user.siteAdmin || !actor.canWrite) throw notFound('Permission to use admin keys');
    const raw = c.req.header('content-length') === '0' ? {} : await jsonValue(c);
    const minutes = (raw as { durationInMinutes?: unknown } | null)?.durationInMinutes ?? 10;
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 600) {
      throw badRequest('durationInMinutes must be an integer between 1 and 600');
    }
    const expiry = clock.now().getTime() + minutes * 60_000;
    store.adminKeys.set(actor.user.accountId, expiry);
    return sendJson(c, 200, {
      accountId: actor.user.accountId,
      expirationTime: new Date(expiry).toISOString(),
    });
  });

  app.delete('/api/v2/admin-key', (c) => {
    store.adminKeys.delete(actorOf(c).user.accountId);
    return sendEmpty(204);
  });

  app.post('/api/v2/users-bulk', async (c) => {
    const body = (await jsonValue(c)) as { accountIds?: unknown };
    if (!Array.isArray(body?.accountIds) || body.accountIds.length > 100)
      throw badRequest('accountIds must be a list of at most 100 ids');
    const users = body.accountIds
      .map((id) => store.users.get(String(id)))
      .filter((u): u is User => u !== undefined);
    return sendJson(c, 200, { results: users.map(userJson), _links: { base: baseLink(deps) } });
  });
}
