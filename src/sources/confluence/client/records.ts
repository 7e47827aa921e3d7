// The records the Confluence REST API v2 returns, as zod schemas: every response is parsed at the edge, so
// the rest of stepvault works with typed values and a malformed answer fails with a clear error naming the
// endpoint instead of an `undefined` deep inside a backup.
//
// Why hand-written zod rather than types generated from the spec (openapi-typescript): generated types check
// nothing at run time, and a generated file for the whole 600 KB spec would be large and mostly unused. The
// subset here is what backup, restore and export read; `schemas-spec.test.ts` reads
// `../shared/confluence/openapi-v2.json` at test time and checks that every field declared here exists in the
// corresponding spec schema with a compatible type. Objects are loose: fields the spec adds later pass through
// untouched. Optional fields the spec marks nullable (and some it does not, as Cloud sends them) accept null.

import { z } from 'zod';

const str = z.string();
const optStr = z.string().nullish();
const optNum = z.number().nullish();

/** A version stamp of a page, blog post, attachment, comment or property. */
export const versionSchema = z.looseObject({
  number: z.number(),
  createdAt: optStr,
  message: optStr,
  minorEdit: z.boolean().nullish(),
  authorId: optStr,
});
export type Version = z.infer<typeof versionSchema>;

export const bodyValueSchema = z.looseObject({ representation: optStr, value: optStr });
export type BodyValue = z.infer<typeof bodyValueSchema>;

/** Bodies in lists, keyed by representation; only the requested `body-format` is present. */
export const bulkBodySchema = z.looseObject({
  storage: bodyValueSchema.nullish(),
  atlas_doc_format: bodyValueSchema.nullish(),
});

/** Bodies of single reads, which can also render `view` (other formats pass through untyped). */
export const bodySchema = bulkBodySchema.extend({ view: bodyValueSchema.nullish() });
export type Body = z.infer<typeof bodySchema>;

export const pageSchema = z.looseObject({
  id: str,
  status: str,
  title: str,
  spaceId: str,
  parentId: optStr,
  parentType: optStr,
  position: optNum,
  authorId: optStr,
  ownerId: optStr,
  lastOwnerId: optStr,
  subtype: optStr,
  createdAt: optStr,
  version: versionSchema.nullish(),
  body: bodySchema.nullish(),
});
export type Page = z.infer<typeof pageSchema>;

export const blogPostSchema = z.looseObject({
  id: str,
  status: str,
  title: str,
  spaceId: str,
  authorId: optStr,
  createdAt: optStr,
  version: versionSchema.nullish(),
  body: bodySchema.nullish(),
});
export type BlogPost = z.infer<typeof blogPostSchema>;

export const spaceSchema = z.looseObject({
  id: str,
  key: str,
  name: str,
  type: optStr,
  status: optStr,
  authorId: optStr,
  createdAt: optStr,
  homepageId: optStr,
  description: z.looseObject({ plain: bodyValueSchema.nullish(), view: bodyValueSchema.nullish() }).nullish(),
});
export type Space = z.infer<typeof spaceSchema>;

export const spacePropertySchema = z.looseObject({
  id: str,
  key: str,
  value: z.unknown(),
  createdAt: optStr,
  createdBy: optStr,
  version: z
    .looseObject({ number: z.number(), createdAt: optStr, createdBy: optStr, message: optStr })
    .nullish(),
});
export type SpaceProperty = z.infer<typeof spacePropertySchema>;

export const labelSchema = z.looseObject({ id: str, name: str, prefix: optStr });
export type Label = z.infer<typeof labelSchema>;

export const spacePermissionSchema = z.looseObject({
  id: str,
  principal: z.looseObject({ type: str, id: optStr }),
  operation: z.looseObject({ key: str, targetType: str }),
});
export type SpacePermission = z.infer<typeof spacePermissionSchema>;

/** An entry of `direct-children` (any content type). */
export const childSchema = z.looseObject({
  id: str,
  status: optStr,
  title: optStr,
  type: str,
  spaceId: optStr,
  childPosition: optNum,
});
export type ChildItem = z.infer<typeof childSchema>;

/** An entry of `descendants`, listed top-down with its depth below the root. */
export const descendantSchema = z.looseObject({
  id: str,
  status: optStr,
  title: optStr,
  type: str,
  parentId: optStr,
  depth: optNum,
  childPosition: optNum,
});
export type DescendantItem = z.infer<typeof descendantSchema>;

export const ancestorSchema = z.looseObject({ id: str, type: optStr });
export type Ancestor = z.infer<typeof ancestorSchema>;

/** A folder, whiteboard, database or smart link (embed): metadata only, the API exports no content. */
export const treeItemSchema = z.looseObject({
  id: str,
  type: optStr,
  status: optStr,
  title: optStr,
  parentId: optStr,
  parentType: optStr,
  position: optNum,
  authorId: optStr,
  ownerId: optStr,
  createdAt: optStr,
  spaceId: optStr,
  embedUrl: optStr,
  version: versionSchema.nullish(),
});
export type TreeItem = z.infer<typeof treeItemSchema>;

/** A content property; its version counts the property's own changes, not the page's. */
export const contentPropertySchema = z.looseObject({
  id: str,
  key: str,
  value: z.unknown(),
  version: versionSchema.nullish(),
});
export type ContentProperty = z.infer<typeof contentPropertySchema>;

/** An entry of a versions list; `page`/`blogpost`/`attachment` carry the body when `body-format` was asked. */
export const versionEntrySchema = versionSchema.extend({
  page: z.looseObject({ id: str, title: optStr, body: bulkBodySchema.nullish() }).nullish(),
  blogpost: z.looseObject({ id: str, title: optStr, body: bulkBodySchema.nullish() }).nullish(),
  attachment: z.looseObject({ id: str, title: optStr }).nullish(),
});
export type VersionEntry = z.infer<typeof versionEntrySchema>;

export const attachmentSchema = z.looseObject({
  id: str,
  status: str,
  title: str,
  createdAt: optStr,
  pageId: optStr,
  blogPostId: optStr,
  customContentId: optStr,
  mediaType: optStr,
  mediaTypeDescription: optStr,
  comment: optStr,
  fileId: optStr,
  fileSize: optNum,
  webuiLink: optStr,
  downloadLink: optStr,
  version: versionSchema.nullish(),
});
export type Attachment = z.infer<typeof attachmentSchema>;

const commentFields = {
  id: str,
  status: optStr,
  title: optStr,
  pageId: optStr,
  blogPostId: optStr,
  parentCommentId: optStr,
  version: versionSchema.nullish(),
  body: bodySchema.nullish(),
};

/** A footer comment (on a page, blog post, attachment or custom content) or a reply to one. */
export const footerCommentSchema = z.looseObject({
  ...commentFields,
  attachmentId: optStr,
  customContentId: optStr,
});
export type FooterComment = z.infer<typeof footerCommentSchema>;

/** An inline comment; `properties` holds the anchor (marker ref in the body and the originally selected text). */
export const inlineCommentSchema = z.looseObject({
  ...commentFields,
  resolutionStatus: optStr,
  resolutionLastModifierId: optStr,
  resolutionLastModifiedAt: optStr,
  properties: z
    .looseObject({
      inlineMarkerRef: optStr,
      inlineOriginalSelection: optStr,
    })
    .nullish(),
});
export type InlineComment = z.infer<typeof inlineCommentSchema>;

export const adminKeySchema = z.looseObject({ accountId: optStr, expirationTime: optStr });
export type AdminKey = z.infer<typeof adminKeySchema>;

/** The envelope of every v2 list response. */
export function listSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({
    results: z.array(item),
    _links: z.looseObject({ next: optStr, base: optStr }).nullish(),
  });
}
