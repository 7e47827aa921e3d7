// v2 sub-resources of one page or blog post: its versions (optionally with bodies, at most 50 per page then),
// one version's details, its labels and its attachments.

import { BULK_FORMATS, bodyIn } from './bodies.ts';
import { queryEnum, queryInt, queryStatuses, type SimApp, type SimDeps, sendJson } from './http-context.ts';
import { numericId, readableContent, STORED_STATUSES, sortParam } from './lookup.ts';
import { labelsOf } from './metadata-ops.ts';
import type { ContentVersion } from './model.ts';
import { limitParam, sendPage } from './paging.ts';
import { attachmentJson, detailedVersionJson, labelJson, versionEntryJson } from './serialize-v2.ts';
import { badRequest, notFound } from './sim-error.ts';
import { ATTACHMENT_SORTS, byId, LABEL_SORTS } from './sorts.ts';

function versionNumber(raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw badRequest(`Invalid version number ${String(raw)}`);
  return n;
}

export function registerContentPartRoutes(app: SimApp, deps: SimDeps): void {
  const { store } = deps;
  for (const kind of ['page', 'blogpost'] as const) {
    const base = `/api/v2/${kind}s`;

    app.get(`${base}/:id/versions`, (c) => {
      const content = readableContent(c, store, numericId(c.req.param('id')), [kind], STORED_STATUSES);
      const bodyFormat = queryEnum(c, 'body-format', BULK_FORMATS);
      const sort = c.req.query('sort') === 'modified-date' ? 'modified-date' : '-modified-date';
      const limit = Math.min(limitParam(c), bodyFormat ? 50 : 250);
      const spec = {
        name: sort,
        key: (v: ContentVersion) => v.number,
        id: (v: ContentVersion) => String(v.number),
        descending: sort.startsWith('-'),
      };
      return sendPage(
        c,
        deps,
        () => content.versions,
        spec,
        limit,
        (v) =>
          versionEntryJson(
            kind,
            v,
            content.id,
            bodyFormat ? { [bodyFormat]: bodyIn(v.body, bodyFormat) } : undefined,
          ),
      );
    });

    app.get(`${base}/:id/versions/:n`, (c) => {
      const content = readableContent(c, store, numericId(c.req.param('id')), [kind], STORED_STATUSES);
      const n = versionNumber(c.req.param('n'));
      const version = content.versions.find((v) => v.number === n);
      if (!version) throw notFound(`Version ${n}`);
      return sendJson(c, 200, detailedVersionJson(content.versions, version));
    });

    app.get(`${base}/:id/labels`, (c) => {
      const content = readableContent(c, store, numericId(c.req.param('id')), [kind], STORED_STATUSES);
      const prefix = queryEnum(c, 'prefix', ['my', 'team', 'global', 'system'] as const);
      const sort = sortParam(
        c,
        LABEL_SORTS,
        ['id', 'name'],
        byId((l: { id: string }) => l.id),
      );
      return sendPage(
        c,
        deps,
        () => labelsOf(store, content).filter((l) => !prefix || l.prefix === prefix),
        sort,
        limitParam(c),
        labelJson,
      );
    });

    app.get(`${base}/:id/attachments`, (c) => {
      const content = readableContent(c, store, numericId(c.req.param('id')), [kind], STORED_STATUSES);
      const statuses = queryStatuses(c, ['current', 'archived', 'trashed'] as const, ['current', 'archived']);
      const mediaType = c.req.query('mediaType');
      const filename = c.req.query('filename');
      const sort = sortParam(
        c,
        ATTACHMENT_SORTS,
        ['created-date', 'modified-date'],
        byId((a: { id: string }) => a.id),
      );
      const limit = queryInt(c, 'limit', 50, 1, 250);
      return sendPage(
        c,
        deps,
        () =>
          store
            .attachmentsOf(content.id)
            .filter((a) => statuses.includes(a.status))
            .filter((a) => mediaType === undefined || a.versions.at(-1)!.mediaType === mediaType)
            .filter((a) => filename === undefined || a.versions.at(-1)!.title === filename),
        sort,
        limit,
        (a) => attachmentJson(store, a),
      );
    });
  }
}
