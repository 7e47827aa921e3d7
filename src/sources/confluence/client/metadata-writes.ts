// Writes of what hangs off content: labels (v1, the only way to add them), content properties (v2, with their
// own version counter), restrictions (v1 PUT replaces them all; principals must exist on the site), footer
// comments and replies, inline comments anchored to text of the page.

import { type Api, get, SEGMENT, write, writeNoContent } from './api-calls.ts';
import type {
  BodyWrite,
  CallOptions,
  FooterCommentTarget,
  InlineAnchor,
  InlineCommentTarget,
  LabelInput,
  PropertyInput,
  PropertyOwnerKind,
  RestrictionInput,
  WriteOptions,
} from './client-types.ts';
import {
  type ContentProperty,
  contentPropertySchema,
  type FooterComment,
  footerCommentSchema,
  type InlineComment,
  inlineCommentSchema,
} from './records.ts';

export async function addLabels(
  api: Api,
  contentId: string,
  labels: readonly LabelInput[],
  options: WriteOptions,
): Promise<void> {
  if (labels.length === 0) return;
  const body = labels.map((l) => ({ prefix: l.prefix ?? 'global', name: l.name }));
  await writeNoContent(api, 'POST', '/rest/api/content/{id}/label', { id: contentId }, {}, body, options);
}

/** Adds labels to a space (v1 only: v2 reads space labels but cannot write them); adding one it has is a no-op. */
export async function addSpaceLabels(
  api: Api,
  spaceKey: string,
  labels: readonly LabelInput[],
  options: WriteOptions,
): Promise<void> {
  if (labels.length === 0) return;
  const body = labels.map((l) => ({ prefix: l.prefix ?? 'global', name: l.name }));
  await writeNoContent(api, 'POST', '/rest/api/space/{key}/label', { key: spaceKey }, {}, body, options);
}

export function createContentProperty(
  api: Api,
  kind: PropertyOwnerKind,
  ownerId: string,
  input: PropertyInput,
  options: WriteOptions,
): Promise<ContentProperty> {
  const body = { key: input.key, value: input.value };
  return write(
    api,
    'POST',
    `/api/v2/${SEGMENT[kind]}/{id}/properties`,
    { id: ownerId },
    {},
    body,
    contentPropertySchema,
    options,
  );
}

export function updateContentProperty(
  api: Api,
  kind: PropertyOwnerKind,
  ownerId: string,
  propertyId: string,
  input: PropertyInput & { version: number },
  options: WriteOptions,
): Promise<ContentProperty> {
  const body = { key: input.key, value: input.value, version: { number: input.version + 1 } };
  return write(
    api,
    'PUT',
    `/api/v2/${SEGMENT[kind]}/{id}/properties/{propertyId}`,
    { id: ownerId, propertyId },
    {},
    body,
    contentPropertySchema,
    options,
  );
}

export function setRestrictions(
  api: Api,
  contentId: string,
  restrictions: readonly RestrictionInput[],
  options: WriteOptions,
): Promise<void> {
  const body = restrictions.map((r) => ({
    operation: r.operation,
    restrictions: {
      user: r.users.map((accountId) => ({ type: 'known', accountId })),
      group: r.groups.map((id) => ({ type: 'group', id })),
    },
  }));
  return writeNoContent(
    api,
    'PUT',
    '/rest/api/content/{id}/restriction',
    { id: contentId },
    {},
    body,
    options,
  );
}

export function createFooterComment(
  api: Api,
  target: FooterCommentTarget,
  body: BodyWrite,
  options: WriteOptions,
): Promise<FooterComment> {
  return write(
    api,
    'POST',
    '/api/v2/footer-comments',
    {},
    {},
    { ...target, body },
    footerCommentSchema,
    options,
  );
}

export function createInlineComment(
  api: Api,
  target: InlineCommentTarget,
  body: BodyWrite,
  anchor: InlineAnchor | undefined,
  options: WriteOptions,
): Promise<InlineComment> {
  const json = { ...target, body, ...(anchor ? { inlineCommentProperties: anchor } : {}) };
  return write(api, 'POST', '/api/v2/inline-comments', {}, {}, json, inlineCommentSchema, options);
}

/** One inline comment with its storage body and resolution status. */
export function getInlineComment(api: Api, commentId: string, options: CallOptions): Promise<InlineComment> {
  return get(
    api,
    '/api/v2/inline-comments/{id}',
    { id: commentId },
    { 'body-format': 'storage' },
    inlineCommentSchema,
    options,
  );
}

/** A new version of an inline comment (`version` = current + 1); `resolved` resolves or reopens it. */
export function updateInlineComment(
  api: Api,
  commentId: string,
  update: { version: number; body: BodyWrite; resolved?: boolean },
  options: WriteOptions,
): Promise<InlineComment> {
  const json = {
    version: { number: update.version },
    body: update.body,
    ...(update.resolved === undefined ? {} : { resolved: update.resolved }),
  };
  return write(
    api,
    'PUT',
    '/api/v2/inline-comments/{id}',
    { id: commentId },
    {},
    json,
    inlineCommentSchema,
    options,
  );
}
