// v1 page templates (`/rest/api/template`): list a space's templates (or the global ones), read one, create
// one. Templates exist only in v1. Reading a space's templates takes read access to the space; creating one
// takes its administration (global ones: a site admin). Bodies come with `expand=body` (as `body.storage`)
// and always with a single template.

import { canAdministerSpace } from './access.ts';
import { actorOf, jsonBody, queryInt, type SimApp, type SimDeps, sendJson } from './http-context.ts';
import { readableSpaceByKey } from './lookup.ts';
import type { Template } from './model.ts';
import { badRequest, notFound, SimError } from './sim-error.ts';

function templateJson(t: Template, body: boolean): Record<string, unknown> {
  return {
    templateId: t.id,
    name: t.name,
    description: t.description,
    templateType: 'page',
    editorVersion: 'v2',
    labels: t.labels.map((l) => ({ prefix: l.prefix, name: l.name, id: `${t.id}-${l.name}`, label: l.name })),
    ...(t.spaceKey ? { space: { key: t.spaceKey } } : {}),
    ...(body
      ? { body: { storage: { value: t.storage, representation: 'storage' } } }
      : { _expandable: { body: '' } }),
    _links: { self: `/wiki/rest/api/template/${t.id}` },
  };
}

export function registerV1TemplateRoutes(app: SimApp, deps: SimDeps): void {
  const { store } = deps;

  app.get('/rest/api/template/page', (c) => {
    const spaceKey = c.req.query('spaceKey');
    if (spaceKey !== undefined) readableSpaceByKey(c, store, spaceKey);
    const all = [...store.templates.values()]
      .filter((t) => t.spaceKey === spaceKey)
      .sort((a, b) => Number(a.id) - Number(b.id));
    const start = queryInt(c, 'start', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = queryInt(c, 'limit', 25, 1, 100);
    const body = (c.req.query('expand') ?? '').split(',').includes('body');
    const page = all.slice(start, start + limit).map((t) => templateJson(t, body));
    const links: Record<string, string> = {};
    if (start + limit < all.length) {
      const query = new URLSearchParams(c.req.query());
      query.set('start', String(start + limit));
      query.set('limit', String(limit));
      links.next = `/rest/api/template/page?${query}`;
    }
    return sendJson(c, 200, { results: page, start, limit, size: page.length, _links: links });
  });

  app.get('/rest/api/template/:id', (c) => {
    const t = store.templates.get(c.req.param('id'));
    if (!t) throw notFound(`Template ${c.req.param('id')}`);
    if (t.spaceKey !== undefined) readableSpaceByKey(c, store, t.spaceKey);
    return sendJson(c, 200, templateJson(t, true));
  });

  app.post('/rest/api/template', async (c) => {
    const actor = actorOf(c);
    const body = await jsonBody(c);
    const storage = (body.body as { storage?: { value?: unknown } } | undefined)?.storage?.value;
    if (typeof body.name !== 'string' || body.name === '' || typeof storage !== 'string')
      throw badRequest('name, templateType and body.storage are required');
    if (body.templateType !== 'page') throw badRequest('templateType must be page');
    const spaceKey = (body.space as { key?: unknown } | null | undefined)?.key;
    if (spaceKey !== undefined && typeof spaceKey !== 'string')
      throw badRequest('space.key must be a string');
    if (spaceKey === undefined) {
      if (!actor.canWrite || !actor.user.siteAdmin)
        throw new SimError(403, 'You may not create global templates');
    } else if (!canAdministerSpace(readableSpaceByKey(c, store, spaceKey), actor))
      throw new SimError(403, 'You may not administer this space');
    const description = typeof body.description === 'string' ? body.description : '';
    if (description.length > 255) throw badRequest('description is longer than 255 characters');
    const labels = Array.isArray(body.labels)
      ? (body.labels as { prefix?: unknown; name?: unknown }[]).map((l) => ({
          prefix: typeof l.prefix === 'string' ? l.prefix : 'global',
          name: String(l.name ?? ''),
        }))
      : [];
    const t: Template = { id: store.newId(), spaceKey, name: body.name, description, labels, storage };
    store.templates.set(t.id, t);
    return sendJson(c, 200, templateJson(t, true));
  });
}
