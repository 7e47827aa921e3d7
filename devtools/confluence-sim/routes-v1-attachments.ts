// v1 attachment endpoints: list (offset paging), upload (multipart `file`, needs `X-Atlassian-Token: nocheck`;
// POST creates, PUT creates or adds a version), new data for an attachment, and the download endpoint that
// answers 302 with a signed URL on the media host (another origin: clients must not send the site's
// Authorization header there). A fault can make that redirect point at a host no client should contact.

import { addAttachmentVersion, attachmentNamed, createAttachment } from './attachment-ops.ts';
import {
  actorOf,
  type Ctx,
  queryInt,
  queryList,
  type SimApp,
  type SimDeps,
  sendJson,
  wikiPath,
} from './http-context.ts';
import { readableAttachment, readableContent, requireWritable, STORED_STATUSES } from './lookup.ts';
import type { Attachment, Content } from './model.ts';
import { attachmentV1Json } from './serialize-v1.ts';
import { badRequest, notFound, SimError } from './sim-error.ts';

interface Upload {
  filename: string;
  bytes: Buffer;
  mediaType: string;
  comment?: string;
}

function requireXsrfToken(c: Ctx): void {
  const token = c.req.header('x-atlassian-token')?.toLowerCase();
  if (token !== 'nocheck' && token !== 'no-check') throw new SimError(403, 'XSRF check failed');
}

async function uploads(c: Ctx, maxFileBytes: number): Promise<{ files: Upload[]; minorEdit: boolean }> {
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('multipart/form-data')) throw badRequest('Expected multipart/form-data');
  let form: Record<string, unknown>;
  try {
    form = await c.req.parseBody({ all: true });
  } catch {
    throw badRequest('Malformed multipart body');
  }
  const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const files = list(form.file).filter((f): f is File => f instanceof File);
  const comments = list(form.comment).map((v) => (v instanceof File ? v.text() : Promise.resolve(String(v))));
  if (files.length === 0) throw badRequest('No file in the "file" field');
  if (comments.length > 0 && comments.length !== files.length)
    throw badRequest('Give one comment per file, or none');
  const texts = await Promise.all(comments);
  const out: Upload[] = [];
  for (const [i, file] of files.entries()) {
    if (file.size > maxFileBytes)
      throw new SimError(
        413,
        `The file ${file.name} is ${file.size} bytes: attachments may be at most ${maxFileBytes}`,
      );
    const upload: Upload = {
      filename: file.name,
      bytes: Buffer.from(await file.arrayBuffer()),
      mediaType: file.type || 'application/octet-stream',
    };
    if (texts[i] !== undefined && texts[i] !== '') upload.comment = texts[i];
    out.push(upload);
  }
  return { files: out, minorEdit: String(list(form.minorEdit)[0] ?? 'false') === 'true' };
}

function contentArray(
  deps: SimDeps,
  items: Record<string, unknown>[],
  start: number,
  limit: number,
  next?: string,
): Record<string, unknown> {
  const links: Record<string, string> = { base: `${deps.siteOrigin()}/wiki`, context: '/wiki' };
  if (next) links.next = next;
  return { results: items, start, limit, size: items.length, _links: links };
}

export function registerV1AttachmentRoutes(app: SimApp, deps: SimDeps): void {
  const { store } = deps;
  const container = (c: Ctx): Content =>
    readableContent(c, store, c.req.param('id') ?? '', ['page', 'blogpost'], STORED_STATUSES);

  app.get('/rest/api/content/:id/child/attachment', (c) => {
    const content = container(c);
    const start = queryInt(c, 'start', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = queryInt(c, 'limit', 25, 0, 200);
    const filename = c.req.query('filename');
    const mediaType = c.req.query('mediaType');
    const expand = new Set(['version', ...queryList(c, 'expand')]);
    const all = store
      .attachmentsOf(content.id)
      .filter((a) => a.status !== 'trashed')
      .filter((a) => filename === undefined || a.versions.at(-1)!.title === filename)
      .filter((a) => mediaType === undefined || a.versions.at(-1)!.mediaType === mediaType)
      .sort((a, b) => Number(a.id.slice(3)) - Number(b.id.slice(3)));
    const page = all.slice(start, start + limit);
    const next =
      start + limit < all.length
        ? `/rest/api/content/${content.id}/child/attachment?limit=${limit}&start=${start + limit}`
        : undefined;
    return sendJson(
      c,
      200,
      contentArray(
        deps,
        page.map((a) => attachmentV1Json(store, a, expand)),
        start,
        limit,
        next,
      ),
    );
  });

  for (const [method, createOnly] of [
    ['post', true],
    ['put', false],
  ] as const) {
    app[method]('/rest/api/content/:id/child/attachment', async (c) => {
      requireXsrfToken(c);
      const content = container(c);
      requireWritable(c, store, content);
      const { files, minorEdit } = await uploads(c, deps.settings.limits.attachmentBytes);
      const authorId = actorOf(c).user.accountId;
      if (createOnly) {
        for (const f of files)
          if (attachmentNamed(store, content.id, f.filename))
            throw badRequest(`An attachment named ${f.filename} already exists`);
      }
      const made: Attachment[] = files.map((f) => {
        const input = {
          filename: f.filename,
          bytes: { kind: 'stored' as const, bytes: f.bytes },
          mediaType: f.mediaType,
          minorEdit,
          authorId,
          ...(f.comment !== undefined ? { comment: f.comment } : {}),
        };
        const existing = attachmentNamed(store, content.id, f.filename);
        return existing
          ? addAttachmentVersion(store, existing, input)
          : createAttachment(store, content, input);
      });
      return sendJson(
        c,
        200,
        contentArray(
          deps,
          made.map((a) => attachmentV1Json(store, a)),
          0,
          made.length,
        ),
      );
    });
  }

  app.post('/rest/api/content/:id/child/attachment/:attachmentId/data', async (c) => {
    requireXsrfToken(c);
    const content = container(c);
    requireWritable(c, store, content);
    const att = readableAttachment(c, store, c.req.param('attachmentId'), ['current', 'archived', 'trashed']);
    if (att.containerId !== content.id) throw notFound(`Attachment ${att.id}`);
    const { files, minorEdit } = await uploads(c, deps.settings.limits.attachmentBytes);
    const f = files[0]!;
    addAttachmentVersion(store, att, {
      filename: f.filename,
      bytes: { kind: 'stored', bytes: f.bytes },
      mediaType: f.mediaType,
      minorEdit,
      authorId: actorOf(c).user.accountId,
      ...(f.comment !== undefined ? { comment: f.comment } : {}),
    });
    return sendJson(c, 200, attachmentV1Json(store, att));
  });

  app.get('/rest/api/content/:id/child/attachment/:attachmentId/download', (c) => {
    const content = container(c);
    const att = readableAttachment(c, store, c.req.param('attachmentId'));
    if (att.containerId !== content.id) throw notFound(`Attachment ${att.id} on ${content.id}`);
    const raw = c.req.query('version');
    const latest = att.versions.at(-1)!.number;
    const version = raw === undefined ? latest : Number(raw);
    if (!Number.isInteger(version) || version < 1 || version > latest)
      throw badRequest(`Invalid version ${String(raw)}`);
    const rogue = deps.faults.redirectToRogue(`${wikiPath(c)}${new URL(c.req.url).search}`);
    if (rogue) deps.stats.recordFaultEvent({ kind: 'rogue-redirect', path: c.req.path });
    const url = rogue ? deps.media.rogueUrl(att, version) : deps.media.signedUrl(att, version);
    return new Response(null, { status: 302, headers: { location: url, 'content-length': '0' } });
  });
}
