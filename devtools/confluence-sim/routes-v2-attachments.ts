// v2 attachments (metadata only: binaries go through the v1 download endpoint and its media redirect): the
// global list, one attachment (optionally an old version), delete (trash/purge), labels and versions. Also the
// legacy servlet path that `downloadLink` still names, which answers 401 to API tokens since 2026.

import { readChecker } from './access.ts';
import { deleteAttachment } from './attachment-ops.ts';
import {
  actorOf,
  queryBool,
  queryEnum,
  queryInt,
  queryStatuses,
  type SimApp,
  type SimDeps,
  sendError,
  sendJson,
} from './http-context.ts';
import { readableAttachment, requireWritable, sortParam } from './lookup.ts';
import { labelsOf } from './metadata-ops.ts';
import type { Attachment, Label } from './model.ts';
import { baseLink, limitParam, sendPage } from './paging.ts';
import {
  attachmentJson,
  detailedVersionJson,
  labelJson,
  propertyJson,
  versionEntryJson,
  versionJson,
} from './serialize-v2.ts';
import { badRequest, notFound } from './sim-error.ts';
import { ATTACHMENT_SORTS, byId, LABEL_SORTS } from './sorts.ts';

export function registerAttachmentRoutes(app: SimApp, deps: SimDeps): void {
  const { store } = deps;

  app.get('/api/v2/attachments', (c) => {
    const statuses = queryStatuses(c, ['current', 'archived', 'trashed'] as const, ['current', 'archived']);
    const mediaType = c.req.query('mediaType');
    const filename = c.req.query('filename');
    const sort = sortParam(
      c,
      ATTACHMENT_SORTS,
      ['created-date', 'modified-date'],
      byId((a: Attachment) => a.id),
    );
    const limit = queryInt(c, 'limit', 50, 1, 250);
    const canRead = readChecker(store, actorOf(c));
    const items = function* (): Iterable<Attachment> {
      for (const att of store.attachments.values()) {
        if (!statuses.includes(att.status)) continue;
        const v = att.versions.at(-1)!;
        if (mediaType !== undefined && v.mediaType !== mediaType) continue;
        if (filename !== undefined && v.title !== filename) continue;
        const container = store.contents.get(att.containerId);
        if (!container || container.status === 'trashed' || !canRead(container)) continue;
        yield att;
      }
    };
    return sendPage(c, deps, items, sort, limit, (a) => attachmentJson(store, a));
  });

  app.get('/api/v2/attachments/:id', (c) => {
    const att = readableAttachment(c, store, c.req.param('id'), ['current', 'archived', 'trashed']);
    const wanted = c.req.query('version');
    const version = wanted === undefined ? undefined : att.versions.find((v) => String(v.number) === wanted);
    if (wanted !== undefined && !version) throw notFound(`Version ${wanted}`);
    const out = attachmentJson(store, att, version);
    const meta = (n: number) => ({ hasMore: n > 50, cursor: '' });
    if (queryBool(c, 'include-labels')) {
      const labels = labelsOf(store, att);
      out.labels = {
        results: labels.slice(0, 50).map(labelJson),
        meta: meta(labels.length),
        _links: { self: `/wiki/api/v2/attachments/${att.id}/labels` },
      };
    }
    if (queryBool(c, 'include-properties')) {
      out.properties = {
        results: att.properties.slice(0, 50).map(propertyJson),
        meta: meta(att.properties.length),
        _links: { self: `/wiki/api/v2/attachments/${att.id}/properties` },
      };
    }
    if (queryBool(c, 'include-versions')) {
      const versions = [...att.versions].reverse();
      out.versions = {
        results: versions.slice(0, 50).map(versionJson),
        meta: meta(versions.length),
        _links: { self: `/wiki/api/v2/attachments/${att.id}/versions` },
      };
    }
    out._links = { ...(out._links as object), base: baseLink(deps) };
    return sendJson(c, 200, out);
  });

  app.delete('/api/v2/attachments/:id', (c) => {
    const att = readableAttachment(c, store, c.req.param('id'), ['current', 'archived', 'trashed']);
    requireWritable(c, store, store.contents.get(att.containerId)!);
    deleteAttachment(store, att, queryBool(c, 'purge'));
    return new Response(null, { status: 204, headers: { 'content-length': '0' } });
  });

  app.get('/api/v2/attachments/:id/labels', (c) => {
    const att = readableAttachment(c, store, c.req.param('id'));
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
      () => labelsOf(store, att).filter((l) => !prefix || l.prefix === prefix),
      sort,
      limitParam(c),
      labelJson,
    );
  });

  app.get('/api/v2/attachments/:id/versions', (c) => {
    const att = readableAttachment(c, store, c.req.param('id'));
    const sort = c.req.query('sort') === 'modified-date' ? 'modified-date' : '-modified-date';
    const spec = {
      name: sort,
      key: (v: { number: number }) => v.number,
      id: (v: { number: number }) => String(v.number),
      descending: sort.startsWith('-'),
    };
    return sendPage(
      c,
      deps,
      () => att.versions,
      spec,
      limitParam(c),
      (v) => versionEntryJson('attachment', v, att.id),
    );
  });

  app.get('/api/v2/attachments/:id/versions/:n', (c) => {
    const att = readableAttachment(c, store, c.req.param('id'));
    const n = Number(c.req.param('n'));
    if (!Number.isInteger(n)) throw badRequest('Invalid version number');
    const version = att.versions.find((v) => v.number === n);
    if (!version) throw notFound(`Version ${n}`);
    return sendJson(c, 200, detailedVersionJson(att.versions, version));
  });

  // The legacy servlet: Basic API-token and OAuth requests get 401 (www-authenticate: OAuth) since 2026.
  app.get('/download/attachments/*', (c) =>
    sendError(c, 401, 'This resource requires a browser session; use the REST download endpoint', {
      'www-authenticate': 'OAuth realm="confluence"',
    }),
  );
}
