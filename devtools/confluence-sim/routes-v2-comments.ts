// v2 footer and inline comments: per page, blog post and attachment; global lists; one comment; replies
// (children); versions; create (inline comments anchor on text of the page), update, delete.

import { readChecker } from './access.ts';
import { BULK_FORMATS, bodyFromWrite, bodyIn, SINGLE_FORMATS, storageOf } from './bodies.ts';
import { createFooterComment, createInlineComment, updateComment } from './comment-ops.ts';
import {
  actorOf,
  type Ctx,
  jsonBody,
  queryEnum,
  queryList,
  queryStatuses,
  type SimApp,
  type SimDeps,
  sendEmpty,
  sendJson,
} from './http-context.ts';
import {
  containerOfComment,
  numericId,
  readableAttachment,
  readableComment,
  readableContent,
  requireWritable,
  STORED_STATUSES,
  sortParam,
} from './lookup.ts';
import type { Comment } from './model.ts';
import { baseLink, limitParam, sendPage } from './paging.ts';
import { type CommentShape, commentJson, detailedVersionJson, versionEntryJson } from './serialize-v2.ts';
import { badRequest, notFound } from './sim-error.ts';
import { byId, COMMENT_SORTS } from './sorts.ts';

const KINDS = { footer: 'footer-comments', inline: 'inline-comments' } as const;
const COMMENT_STATUSES = ['current', 'archived', 'trashed', 'deleted', 'historical', 'draft'] as const;

function listComments(
  c: Ctx,
  deps: SimDeps,
  source: () => Comment[],
  kind: Comment['kind'],
  shape: CommentShape,
): Response {
  const statuses = queryStatuses(c, COMMENT_STATUSES, ['current']);
  const resolution = queryList(c, 'resolution-status');
  const bodyFormat = queryEnum(c, 'body-format', BULK_FORMATS);
  const sort = sortParam(
    c,
    COMMENT_SORTS,
    ['created-date', 'modified-date'],
    byId((x: Comment) => x.id),
  );
  const items = () =>
    source().filter(
      (x) =>
        x.kind === kind &&
        statuses.includes(x.status) &&
        (resolution.length === 0 || resolution.includes(x.resolutionStatus ?? 'open')),
    );
  return sendPage(c, deps, items, sort, limitParam(c), (x) => commentJson(deps.store, x, shape, bodyFormat));
}

function commentBody(raw: unknown): string {
  const body = bodyFromWrite(raw as Parameters<typeof bodyFromWrite>[0]);
  if (typeof body === 'string') throw badRequest(body);
  return storageOf(body);
}

export function registerCommentRoutes(app: SimApp, deps: SimDeps): void {
  const { store } = deps;

  for (const [segment, kind] of [
    ['pages', 'page'],
    ['blogposts', 'blogpost'],
  ] as const) {
    for (const commentKind of ['footer', 'inline'] as const) {
      app.get(`/api/v2/${segment}/:id/${KINDS[commentKind]}`, (c) => {
        const content = readableContent(c, store, numericId(c.req.param('id')), [kind], STORED_STATUSES);
        return listComments(c, deps, () => store.commentsOf(content.id), commentKind, 'in-container');
      });
    }
  }
  app.get('/api/v2/attachments/:id/footer-comments', (c) => {
    const att = readableAttachment(c, store, c.req.param('id'));
    return listComments(c, deps, () => store.commentsOf(att.id), 'footer', 'in-container');
  });

  for (const kind of ['footer', 'inline'] as const) {
    const base = `/api/v2/${KINDS[kind]}`;

    app.get(base, (c) => {
      const canRead = readChecker(store, actorOf(c));
      const visible = () =>
        [...store.comments.values()].filter((x) => {
          const container =
            store.contents.get(x.containerId) ??
            store.contents.get(store.attachments.get(x.containerId)?.containerId ?? '');
          return container !== undefined && container.status !== 'trashed' && canRead(container);
        });
      return listComments(c, deps, visible, kind, 'full');
    });

    app.post(base, async (c) => {
      const body = await jsonBody(c);
      const containerId = [body.pageId, body.blogPostId, body.attachmentId, body.customContentId].find(
        (v) => typeof v === 'string',
      ) as string | undefined;
      const parentCommentId = typeof body.parentCommentId === 'string' ? body.parentCommentId : undefined;
      const input = { body: commentBody(body.body), authorId: actorOf(c).user.accountId };
      let comment: Comment;
      if (parentCommentId !== undefined) {
        const parent = readableComment(c, store, parentCommentId, kind);
        requireWritable(c, store, containerOfComment(c, store, parent));
        comment =
          kind === 'footer'
            ? createFooterComment(store, { ...input, parentCommentId })
            : createInlineComment(store, undefined, { ...input, parentCommentId }, undefined);
      } else {
        if (containerId === undefined)
          throw badRequest('pageId, blogPostId, attachmentId or parentCommentId is required');
        const attachment =
          kind === 'footer' && typeof body.attachmentId === 'string'
            ? readableAttachment(c, store, containerId)
            : undefined;
        const page = attachment
          ? store.contents.get(attachment.containerId)!
          : readableContent(c, store, numericId(containerId), ['page', 'blogpost']);
        requireWritable(c, store, page);
        if (kind === 'footer')
          comment = createFooterComment(store, { ...input, containerId: attachment?.id ?? page.id });
        else {
          const props = body.inlineCommentProperties as
            | {
                textSelection?: unknown;
                textSelectionMatchCount?: unknown;
                textSelectionMatchIndex?: unknown;
              }
            | undefined;
          const selection =
            typeof props?.textSelection === 'string'
              ? {
                  textSelection: props.textSelection,
                  matchCount: Number(props.textSelectionMatchCount ?? 1),
                  matchIndex: Number(props.textSelectionMatchIndex ?? 0),
                }
              : undefined;
          comment = createInlineComment(store, page, { ...input, containerId: page.id }, selection);
        }
      }
      const json = commentJson(store, comment, 'full', 'storage');
      return sendJson(
        c,
        201,
        { ...json, _links: { ...(json._links as object), base: baseLink(deps) } },
        { location: `/wiki/api/v2/${KINDS[kind]}/${comment.id}` },
      );
    });

    app.get(`${base}/:commentId`, (c) => {
      const comment = readableComment(c, store, numericId(c.req.param('commentId')), kind);
      const wanted = c.req.query('version');
      const bodyFormat = queryEnum(c, 'body-format', SINGLE_FORMATS);
      let shown = comment;
      if (wanted !== undefined) {
        const version = comment.versions.find((v) => String(v.number) === wanted);
        if (!version) throw notFound(`Version ${wanted}`);
        shown = { ...comment, versions: [version] };
      }
      const json = commentJson(store, shown, 'full', bodyFormat);
      return sendJson(c, 200, { ...json, _links: { ...(json._links as object), base: baseLink(deps) } });
    });

    app.put(`${base}/:commentId`, async (c) => {
      const comment = readableComment(c, store, numericId(c.req.param('commentId')), kind);
      requireWritable(c, store, containerOfComment(c, store, comment));
      const body = await jsonBody(c);
      const version = body.version as { number?: unknown } | undefined;
      updateComment(store, comment, {
        body: commentBody(body.body),
        versionNumber: version?.number,
        authorId: actorOf(c).user.accountId,
        resolved: body.resolved,
      });
      const json = commentJson(store, comment, 'full', 'storage');
      return sendJson(
        c,
        200,
        kind === 'inline' ? { ...json, _links: { ...(json._links as object), base: baseLink(deps) } } : json,
      );
    });

    app.delete(`${base}/:commentId`, (c) => {
      const comment = readableComment(c, store, numericId(c.req.param('commentId')), kind);
      requireWritable(c, store, containerOfComment(c, store, comment));
      store.removeComment(comment.id);
      return sendEmpty(204);
    });

    app.get(`${base}/:commentId/children`, (c) => {
      const comment = readableComment(c, store, numericId(c.req.param('commentId')), kind);
      return listComments(c, deps, () => store.repliesOf(comment.id), kind, 'child');
    });

    app.get(`${base}/:commentId/versions`, (c) => {
      const comment = readableComment(c, store, numericId(c.req.param('commentId')), kind);
      const bodyFormat = queryEnum(c, 'body-format', BULK_FORMATS);
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
        () => comment.versions,
        spec,
        limitParam(c),
        (v) =>
          versionEntryJson(
            'comment',
            v,
            comment.id,
            bodyFormat ? { [bodyFormat]: bodyIn({ kind: 'storage', value: v.body }, bodyFormat) } : undefined,
          ),
      );
    });

    app.get(`${base}/:commentId/versions/:n`, (c) => {
      const comment = readableComment(c, store, numericId(c.req.param('commentId')), kind);
      const version = comment.versions.find((v) => String(v.number) === c.req.param('n'));
      if (!version) throw notFound(`Version ${c.req.param('n')}`);
      return sendJson(c, 200, detailedVersionJson(comment.versions, version));
    });
  }
}
