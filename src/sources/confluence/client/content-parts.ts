// What hangs off a piece of content: labels and content properties (v2), restrictions (v1, users and groups
// per operation), footer and inline comments with their replies (storage bodies by default; inline comments
// carry their anchor in `properties`), and attachments (every status by default) with their metadata.

import { z } from 'zod';
import { StepvaultError } from '../../../common/errors.ts';
import { type Api, get, list, SEGMENT } from './api-calls.ts';
import type {
  CallOptions,
  ContentKind,
  LabelOwnerKind,
  ListAttachmentsOptions,
  ListCommentsOptions,
  ListInlineCommentsOptions,
  ListSiteWideOptions,
  PropertyOwnerKind,
} from './client-types.ts';
import {
  type Attachment,
  attachmentSchema,
  type ContentProperty,
  contentPropertySchema,
  type FooterComment,
  footerCommentSchema,
  type InlineComment,
  inlineCommentSchema,
  type Label,
  labelSchema,
} from './records.ts';
import {
  type Restriction,
  restrictionPage,
  restrictionsByOperationSchema,
  restrictionV1Schema,
} from './records-v1.ts';

export function listLabels(
  api: Api,
  kind: LabelOwnerKind,
  id: string,
  options: CallOptions & { prefix?: string },
): AsyncIterable<Label> {
  return list(
    api,
    `/api/v2/${SEGMENT[kind]}/{id}/labels`,
    { id },
    { prefix: options.prefix },
    labelSchema,
    options,
  );
}

export function listContentProperties(
  api: Api,
  kind: PropertyOwnerKind,
  id: string,
  options: CallOptions,
): AsyncIterable<ContentProperty> {
  return list(api, `/api/v2/${SEGMENT[kind]}/{id}/properties`, { id }, {}, contentPropertySchema, options);
}

const includedSchema = <T extends z.ZodType>(item: T) =>
  z
    .looseObject({
      results: z.array(item),
      meta: z.looseObject({ hasMore: z.boolean().nullish() }).nullish(),
    })
    .nullish();

const labelsAndPropertiesSchema = z.looseObject({
  labels: includedSchema(labelSchema),
  properties: includedSchema(contentPropertySchema),
});

/**
 * A current page's or blog post's labels and content properties in one request (`include-labels`,
 * `include-properties`: at most 50 of each come along; a longer list is read from its own endpoint).
 */
export async function getLabelsAndProperties(
  api: Api,
  kind: 'page' | 'blogpost',
  id: string,
  options: CallOptions,
): Promise<{ labels: Label[]; properties: ContentProperty[] }> {
  const got = await get(
    api,
    `/api/v2/${SEGMENT[kind]}/{id}`,
    { id },
    { 'include-labels': 'true', 'include-properties': 'true', 'include-version': 'false' },
    labelsAndPropertiesSchema,
    options,
  );
  const [labels, properties] = await Promise.all([
    got.labels && !got.labels.meta?.hasMore
      ? got.labels.results
      : Array.fromAsync(listLabels(api, kind, id, options)),
    got.properties && !got.properties.meta?.hasMore
      ? got.properties.results
      : Array.fromAsync(listContentProperties(api, kind, id, options)),
  ]);
  return { labels, properties };
}

/**
 * Who may read and who may update a piece of content: both operations in one request; an operation whose user or
 * group list fills Cloud's page (at most 100 each) is read on, page by page, so no principal is left out.
 */
export async function getRestrictions(
  api: Api,
  contentId: string,
  options: CallOptions,
): Promise<Restriction[]> {
  const byOperation = await get(
    api,
    '/rest/api/content/{id}/restriction/byOperation',
    { id: contentId },
    { expand: 'restrictions.user,restrictions.group' },
    restrictionsByOperationSchema,
    options,
  );
  const out: Restriction[] = [];
  for (const operation of ['read', 'update'] as const)
    out.push(
      await readRestrictionOn(api, contentId, restrictionPage(operation, byOperation[operation]), options),
    );
  return out;
}

/**
 * One operation's whole restriction: `soFar` itself when its lists end there, otherwise paged on from where they
 * end (see `restrictionPage`).
 */
export async function readRestrictionOn(
  api: Api,
  contentId: string,
  soFar: Restriction & { more: boolean },
  options: CallOptions,
): Promise<Restriction> {
  if (!soFar.more) return { operation: soFar.operation, users: soFar.users, groups: soFar.groups };
  const users = [...soFar.users];
  const groups = [...soFar.groups];
  // Users and groups page together (`start` applies to both): read on from the shorter list's end.
  let start = Math.min(users.length, groups.length);
  users.length = start;
  groups.length = start;
  for (;;) {
    const page = restrictionPage(
      soFar.operation,
      await get(
        api,
        '/rest/api/content/{id}/restriction/byOperation/{operation}',
        { id: contentId, operation: soFar.operation },
        {
          expand: 'restrictions.user,restrictions.group',
          start: String(start),
          limit: String(RESTRICTION_PAGE),
        },
        restrictionV1Schema,
        options,
      ),
    );
    const knownUsers = new Set(users);
    const knownGroups = new Set(groups.map((g) => g.id));
    const adds =
      page.users.some((u) => !knownUsers.has(u)) || page.groups.some((g) => !knownGroups.has(g.id));
    if (page.users.length + page.groups.length > 0 && !adds)
      throw new StepvaultError(
        'io',
        `the restriction list of content ${contentId} repeated itself at ${start}`,
      );
    users.push(...page.users);
    groups.push(...page.groups);
    const read = Math.max(page.users.length, page.groups.length);
    if (!page.more || read === 0) break;
    start += read;
  }
  return { operation: soFar.operation, users, groups };
}

/** Principals asked for per page of a restriction (Cloud's default and fixed maximum). */
const RESTRICTION_PAGE = 100;

export function listFooterComments(
  api: Api,
  kind: 'page' | 'blogpost' | 'attachment',
  id: string,
  options: ListCommentsOptions,
): AsyncIterable<FooterComment> {
  const query = { 'body-format': options.bodyFormat ?? 'storage' };
  return list(
    api,
    `/api/v2/${SEGMENT[kind]}/{id}/footer-comments`,
    { id },
    query,
    footerCommentSchema,
    options,
  );
}

export function listInlineComments(
  api: Api,
  kind: ContentKind,
  id: string,
  options: ListInlineCommentsOptions,
): AsyncIterable<InlineComment> {
  const query = {
    'body-format': options.bodyFormat ?? 'storage',
    'resolution-status': options.resolutionStatuses,
  };
  return list(
    api,
    `/api/v2/${SEGMENT[kind]}/{id}/inline-comments`,
    { id },
    query,
    inlineCommentSchema,
    options,
  );
}

export function listFooterCommentReplies(
  api: Api,
  commentId: string,
  options: ListCommentsOptions,
): AsyncIterable<FooterComment> {
  const query = { 'body-format': options.bodyFormat ?? 'storage' };
  return list(
    api,
    '/api/v2/footer-comments/{id}/children',
    { id: commentId },
    query,
    footerCommentSchema,
    options,
  );
}

export function listInlineCommentReplies(
  api: Api,
  commentId: string,
  options: ListCommentsOptions,
): AsyncIterable<InlineComment> {
  const query = { 'body-format': options.bodyFormat ?? 'storage' };
  return list(
    api,
    '/api/v2/inline-comments/{id}/children',
    { id: commentId },
    query,
    inlineCommentSchema,
    options,
  );
}

export function listAttachments(
  api: Api,
  kind: ContentKind,
  id: string,
  options: ListAttachmentsOptions,
): AsyncIterable<Attachment> {
  const query = { status: options.statuses ?? ['current', 'archived', 'trashed'], sort: options.sort };
  return list(api, `/api/v2/${SEGMENT[kind]}/{id}/attachments`, { id }, query, attachmentSchema, options);
}

export function getAttachment(api: Api, attachmentId: string, options: CallOptions): Promise<Attachment> {
  return get(api, '/api/v2/attachments/{id}', { id: attachmentId }, {}, attachmentSchema, options);
}

/** Every attachment the caller can see (current, archived and trashed), site-wide, 250 a page. */
export function listAllAttachments(api: Api, options: ListSiteWideOptions): AsyncIterable<Attachment> {
  return list(
    api,
    '/api/v2/attachments',
    {},
    { status: ['current', 'archived', 'trashed'], sort: options.sort },
    attachmentSchema,
    options,
  );
}

/** Every footer comment, replies included (with `parentCommentId`), storage bodies, site-wide. */
export function listAllFooterComments(api: Api, options: ListSiteWideOptions): AsyncIterable<FooterComment> {
  return list(
    api,
    '/api/v2/footer-comments',
    {},
    { 'body-format': 'storage', sort: options.sort },
    footerCommentSchema,
    options,
  );
}

/** Every inline comment, replies included, storage bodies, anchors in `properties`, site-wide. */
export function listAllInlineComments(api: Api, options: ListSiteWideOptions): AsyncIterable<InlineComment> {
  return list(
    api,
    '/api/v2/inline-comments',
    {},
    { 'body-format': 'storage', sort: options.sort },
    inlineCommentSchema,
    options,
  );
}
