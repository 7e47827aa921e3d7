// v2 content properties, the same five endpoints for every type that has them: pages, blog posts, attachments,
// comments, folders, whiteboards, databases and smart links. Properties keep their own version numbers and do
// not change the version of what they are attached to.

import {
  actorOf,
  type Ctx,
  jsonBody,
  queryEnum,
  type SimApp,
  type SimDeps,
  sendEmpty,
  sendJson,
} from './http-context.ts';
import {
  numericId,
  readableAttachment,
  readableComment,
  readableContent,
  requireWritable,
  STORED_STATUSES,
} from './lookup.ts';
import { createProperty, deleteProperty, findProperty, updateProperty } from './metadata-ops.ts';
import type { Content, ContentKind, ContentProperty } from './model.ts';
import { limitParam, sendPage } from './paging.ts';
import { propertyJson } from './serialize-v2.ts';
import type { SimStore } from './store.ts';

interface Target {
  properties: ContentProperty[];
  /** The page or blog post whose write permission governs the target. */
  owner: Content;
}

type Resolver = (c: Ctx, store: SimStore, id: string) => Target;

const contentTarget =
  (kind: ContentKind): Resolver =>
  (c, store, id) => {
    const content = readableContent(c, store, numericId(id), [kind], STORED_STATUSES);
    return { properties: content.properties, owner: content };
  };

const RESOLVERS: [string, Resolver][] = [
  ['pages', contentTarget('page')],
  ['blogposts', contentTarget('blogpost')],
  ['folders', contentTarget('folder')],
  ['whiteboards', contentTarget('whiteboard')],
  ['databases', contentTarget('database')],
  ['embeds', contentTarget('embed')],
  [
    'attachments',
    (c, store, id) => {
      const att = readableAttachment(c, store, id);
      return { properties: att.properties, owner: store.contents.get(att.containerId)! };
    },
  ],
  [
    'comments',
    (c, store, id) => {
      const comment = store.comments.get(id);
      const found = readableComment(c, store, id, comment?.kind ?? 'footer');
      const owner =
        store.contents.get(found.containerId) ??
        store.contents.get(store.attachments.get(found.containerId)?.containerId ?? '')!;
      return { properties: found.properties, owner };
    },
  ],
];

export function registerPropertyRoutes(app: SimApp, deps: SimDeps): void {
  const { store } = deps;
  for (const [segment, resolve] of RESOLVERS) {
    const base = `/api/v2/${segment}/:id/properties`;
    const write = (c: Ctx): Target => {
      const target = resolve(c, store, c.req.param('id')!);
      requireWritable(c, store, target.owner);
      return target;
    };

    app.get(base, (c) => {
      const target = resolve(c, store, c.req.param('id')!);
      const key = c.req.query('key');
      const sort = queryEnum(c, 'sort', ['key', '-key'] as const, 'key');
      const spec = {
        name: sort,
        key: (p: ContentProperty) => p.key,
        id: (p: ContentProperty) => p.id,
        descending: sort === '-key',
      };
      return sendPage(
        c,
        deps,
        () => target.properties.filter((p) => key === undefined || p.key === key),
        spec,
        limitParam(c, 10),
        propertyJson,
      );
    });

    app.post(base, async (c) => {
      const target = write(c);
      const body = await jsonBody(c);
      return sendJson(
        c,
        200,
        propertyJson(createProperty(store, target, body.key, body.value, actorOf(c).user.accountId)),
      );
    });

    app.get(`${base}/:propertyId`, (c) => {
      const target = resolve(c, store, c.req.param('id')!);
      return sendJson(c, 200, propertyJson(findProperty(target, c.req.param('propertyId')!)));
    });

    app.put(`${base}/:propertyId`, async (c) => {
      const target = write(c);
      const property = findProperty(target, c.req.param('propertyId')!);
      const body = await jsonBody(c);
      const version = body.version as { number?: unknown; message?: unknown } | undefined;
      const updated = updateProperty(
        store,
        property,
        { key: body.key, value: body.value, versionNumber: version?.number, message: version?.message },
        actorOf(c).user.accountId,
      );
      return sendJson(c, 200, propertyJson(updated));
    });

    app.delete(`${base}/:propertyId`, (c) => {
      const target = write(c);
      deleteProperty(target, c.req.param('propertyId')!);
      return sendEmpty(204);
    });
  }
}
