// The layout of a Confluence snapshot (format `stepvault-confluence/1`, documented byte for byte in
// docs/confluence-layout.md): where each record lives in the snapshot tree, and the records themselves as zod
// schemas and TypeScript types. Backup writes these files, restore and export read them back; both sides parse
// with the same schemas, so a record that does not match is `corrupt`, never a silent `undefined`.
// File and directory names are fixed names and ids only: titles never become file names.

import { z } from 'zod';
import { StepvaultError } from '../../common/errors.ts';

export const LAYOUT_FORMAT = 'stepvault-confluence/1';

// ---------------------------------------------------------------------------------------------------- paths

/** Names of the fixed files and directories. */
export const NAMES = {
  site: 'site.json',
  users: 'users.json',
  spaces: 'spaces',
  space: 'space.json',
  spaceMeta: 'space-meta.json',
  content: 'content',
  item: 'item.json',
  storage: 'body.storage.xhtml',
  adf: 'body.adf.json',
  meta: 'meta.json',
  comments: 'comments.json',
  attachments: 'attachments',
  attachment: 'attachment.json',
  history: 'history',
  draft: 'draft',
} as const;

const SPACE_KEY = /^[A-Za-z0-9_~.-]{1,255}$/;
const CONTENT_ID = /^[0-9]{1,30}$/;
const ATTACHMENT_ID = /^(att)?[0-9]{1,30}$/;

/** Throws unless `key` can be a directory name (space keys are letters, digits, `~` for personal spaces). */
export function checkSpaceKey(key: string): string {
  if (!SPACE_KEY.test(key) || key === '.' || key === '..')
    throw new StepvaultError('corrupt', `space key ${JSON.stringify(key)} cannot be stored`, {
      hint: 'space keys are letters, digits, "_", "-", "." and "~"',
    });
  return key;
}

export function checkContentId(id: string): string {
  if (!CONTENT_ID.test(id))
    throw new StepvaultError('corrupt', `content id ${JSON.stringify(id)} is not numeric`);
  return id;
}

export function checkAttachmentId(id: string): string {
  if (!ATTACHMENT_ID.test(id))
    throw new StepvaultError('corrupt', `attachment id ${JSON.stringify(id)} is not an attachment id`);
  return id;
}

/** Paths inside the snapshot tree (absolute, "/"-separated). */
export const paths = {
  site: () => `/${NAMES.site}`,
  users: () => `/${NAMES.users}`,
  spaces: () => `/${NAMES.spaces}`,
  spaceDir: (key: string) => `/${NAMES.spaces}/${checkSpaceKey(key)}`,
  space: (key: string) => `${paths.spaceDir(key)}/${NAMES.space}`,
  spaceMeta: (key: string) => `${paths.spaceDir(key)}/${NAMES.spaceMeta}`,
  contentDir: (key: string) => `${paths.spaceDir(key)}/${NAMES.content}`,
  itemDir: (key: string, id: string) => `${paths.contentDir(key)}/${checkContentId(id)}`,
  item: (key: string, id: string) => `${paths.itemDir(key, id)}/${NAMES.item}`,
  body: (key: string, id: string, format: BodyFormat) =>
    `${paths.itemDir(key, id)}/${format === 'storage' ? NAMES.storage : NAMES.adf}`,
  meta: (key: string, id: string) => `${paths.itemDir(key, id)}/${NAMES.meta}`,
  comments: (key: string, id: string) => `${paths.itemDir(key, id)}/${NAMES.comments}`,
  attachmentsDir: (key: string, id: string) => `${paths.itemDir(key, id)}/${NAMES.attachments}`,
  attachmentDir: (key: string, id: string, attId: string) =>
    `${paths.attachmentsDir(key, id)}/${checkAttachmentId(attId)}`,
  attachment: (key: string, id: string, attId: string) =>
    `${paths.attachmentDir(key, id, attId)}/${NAMES.attachment}`,
  attachmentData: (key: string, id: string, attId: string, version: number) =>
    `${paths.attachmentDir(key, id, attId)}/${versionFileName(version)}`,
  historyDir: (key: string, id: string) => `${paths.itemDir(key, id)}/${NAMES.history}`,
  history: (key: string, id: string, version: number) =>
    `${paths.historyDir(key, id)}/${versionFileName(version)}.json`,
  draftDir: (key: string, id: string) => `${paths.itemDir(key, id)}/${NAMES.draft}`,
  draft: (key: string, id: string) => `${paths.draftDir(key, id)}/${NAMES.item}`,
  draftBody: (key: string, id: string) => `${paths.draftDir(key, id)}/${NAMES.storage}`,
};

export type BodyFormat = 'storage' | 'adf';

/** `v<N>`: the name of an attachment version's data file (and, with `.json`, of a history record). */
export function versionFileName(version: number): string {
  if (!Number.isSafeInteger(version) || version < 1)
    throw new StepvaultError('corrupt', `version ${version} is not a positive whole number`);
  return `v${version}`;
}

/** The version number of a `v<N>` (or `v<N>.json`) name, or undefined. */
export function parseVersionFileName(name: string, suffix = ''): number | undefined {
  if (!name.endsWith(suffix)) return undefined;
  const m = /^v([1-9][0-9]{0,14})$/.exec(name.slice(0, name.length - suffix.length));
  return m ? Number(m[1]) : undefined;
}

// -------------------------------------------------------------------------------------------------- records

const iso = z.string();

/** A version stamp as Confluence returns it (pages, blog posts, attachments, comments, properties). */
export const versionRecordSchema = z.object({
  number: z.number().int().min(0),
  createdAt: iso.optional(),
  message: z.string().optional(),
  minorEdit: z.boolean().optional(),
  authorId: z.string().optional(),
});
export type VersionRecord = z.infer<typeof versionRecordSchema>;

export const statusFilterSchema = z.enum(['current', 'archived', 'trashed', 'draft']);

export const backupOptionsSchema = z.object({
  /** Space keys asked for; empty: every space the credentials can see. */
  spaces: z.array(z.string()),
  /** Archived spaces included (always true when spaces were named). */
  includeArchivedSpaces: z.boolean(),
  /** Content statuses backed up. */
  statuses: z.array(statusFilterSchema),
  history: z.enum(['latest', 'all']),
  attachmentVersions: z.enum(['latest', 'all']),
  /** Pending drafts (unpublished changes of published pages and blog posts) included. */
  drafts: z.boolean(),
  /** Whether the Admin Key was used (restricted content visible). */
  adminKey: z.boolean(),
});
export type BackupOptionsRecord = z.infer<typeof backupOptionsSchema>;

/**
 * The newest modification time seen per global listing (`-modified-date` order). An incremental backup walks each
 * listing down to its watermark minus a safety overlap.
 */
export const watermarksSchema = z.object({
  pages: iso.optional(),
  blogposts: iso.optional(),
  attachments: iso.optional(),
  footerComments: iso.optional(),
  inlineComments: iso.optional(),
});
export type Watermarks = z.infer<typeof watermarksSchema>;

export const siteRecordSchema = z.object({
  format: z.literal(LAYOUT_FORMAT),
  /** The site URL as given (`https://acme.atlassian.net`), without credentials. */
  site: z.string(),
  cloudId: z.string().optional(),
  /** When this backup started (ISO 8601). */
  time: iso,
  options: backupOptionsSchema,
  watermarks: watermarksSchema,
  /** When the metadata sweep last ran (this backup or one carried over from a parent). */
  lastSweep: iso.optional(),
  /** Whether this backup ran the sweep itself (whole, or one slice of a rolling sweep). */
  swept: z.boolean(),
  /** The slice of a rolling sweep this backup swept: the items whose id falls in slice `index` of `of`. */
  sweepSlice: z
    .object({ index: z.number().int().nonnegative(), of: z.number().int().positive() })
    .refine((s) => s.index < s.of, 'index must be below of')
    .optional(),
});
export type SiteRecord = z.infer<typeof siteRecordSchema>;

/**
 * `users.json`: the account ids the snapshot names (authors, owners, restrictions, permissions, mentions) with
 * the names the site gave them, sorted by id; an account the site no longer knows has no `displayName`.
 */
export const usersFileSchema = z.object({
  users: z.array(
    z.object({
      accountId: z.string(),
      displayName: z.string().optional(),
      accountType: z.string().optional(),
    }),
  ),
});
export type UsersFile = z.infer<typeof usersFileSchema>;

export const spaceRecordSchema = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  type: z.string().optional(),
  status: z.string(),
  homepageId: z.string().optional(),
  /** Plain-text description. */
  description: z.string(),
  authorId: z.string().optional(),
  createdAt: iso.optional(),
});
export type SpaceRecord = z.infer<typeof spaceRecordSchema>;

export const labelRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
});
export type LabelRecord = z.infer<typeof labelRecordSchema>;

export const propertyRecordSchema = z.object({
  id: z.string(),
  key: z.string(),
  value: z.unknown(),
  version: versionRecordSchema.optional(),
});
export type PropertyRecord = z.infer<typeof propertyRecordSchema>;

export const spacePermissionRecordSchema = z.object({
  id: z.string(),
  principal: z.object({ type: z.string(), id: z.string().optional() }),
  operation: z.object({ key: z.string(), targetType: z.string() }),
});
export type SpacePermissionRecord = z.infer<typeof spacePermissionRecordSchema>;

export const templateRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  labels: z.array(z.object({ prefix: z.string(), name: z.string() })),
  /** The body in storage format. */
  storage: z.string(),
});
export type TemplateRecord = z.infer<typeof templateRecordSchema>;

export const spaceLookSchema = z.object({
  routeOverrideEnabled: z.boolean(),
  /** Absent: the space uses no theme. */
  themeKey: z.string().optional(),
  /** Which look and feel the space uses. */
  selected: z.enum(['global', 'custom', 'theme']),
  /** The space's own look and feel (v1 LookAndFeel, as the site sent it), when it uses it. */
  custom: z.record(z.string(), z.unknown()).optional(),
});
export type SpaceLook = z.infer<typeof spaceLookSchema>;

export const spaceMetaSchema = z.object({
  labels: z.array(labelRecordSchema),
  properties: z.array(propertyRecordSchema),
  permissions: z.array(spacePermissionRecordSchema),
  /** Names of the groups the permissions name, by id (a restore into another site finds groups by name). */
  groupNames: z.record(z.string(), z.string()).optional(),
  /** The space's page templates, by id (absent in snapshots made before templates were backed up). */
  templates: z.array(templateRecordSchema).optional(),
  /** Settings, theme and look and feel (absent in snapshots made before they were backed up). */
  look: spaceLookSchema.optional(),
});
export type SpaceMeta = z.infer<typeof spaceMetaSchema>;

export const CONTENT_TYPES = ['page', 'blogpost', 'folder', 'whiteboard', 'database', 'embed'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export const contentRecordSchema = z.object({
  id: z.string(),
  type: z.enum(CONTENT_TYPES),
  /** current, archived, trashed or draft (a never-published draft). */
  status: z.string(),
  title: z.string(),
  spaceId: z.string(),
  /** Absent at the space root and for blog posts. */
  parentId: z.string().optional(),
  parentType: z.string().optional(),
  /** Order among siblings (ascending). */
  position: z.number().optional(),
  authorId: z.string().optional(),
  ownerId: z.string().optional(),
  createdAt: iso.optional(),
  version: versionRecordSchema,
  /** Smart links (type embed): the linked URL. */
  embedUrl: z.string().optional(),
  /** Pages: `live` for live docs. */
  subtype: z.string().optional(),
});
export type ContentRecord = z.infer<typeof contentRecordSchema>;

export const principalsSchema = z.object({
  /** Account ids. */
  users: z.array(z.string()),
  /** Group ids. */
  groups: z.array(z.string()),
});
export type Principals = z.infer<typeof principalsSchema>;

export const restrictionsSchema = z.object({ read: principalsSchema, update: principalsSchema });
export type Restrictions = z.infer<typeof restrictionsSchema>;

export const contentMetaSchema = z.object({
  labels: z.array(labelRecordSchema),
  properties: z.array(propertyRecordSchema),
  restrictions: restrictionsSchema,
  /** Names of the groups in `restrictions`, by id (to map groups onto another site). */
  groupNames: z.record(z.string(), z.string()),
});
export type ContentMeta = z.infer<typeof contentMetaSchema>;

export interface CommentRecord {
  id: string;
  kind: 'footer' | 'inline';
  status: string;
  title?: string | undefined;
  version: VersionRecord;
  /** Storage-format body. */
  body: string;
  /** Inline comments: the anchor and its state. */
  inline?:
    | {
        markerRef?: string | undefined;
        originalSelection?: string | undefined;
        resolutionStatus?: string | undefined;
        resolutionLastModifierId?: string | undefined;
        resolutionLastModifiedAt?: string | undefined;
      }
    | undefined;
  /** Replies, oldest first. */
  replies: CommentRecord[];
}

export const commentRecordSchema: z.ZodType<CommentRecord> = z.lazy(() =>
  z.object({
    id: z.string(),
    kind: z.enum(['footer', 'inline']),
    status: z.string(),
    title: z.string().optional(),
    version: versionRecordSchema,
    body: z.string(),
    inline: z
      .object({
        markerRef: z.string().optional(),
        originalSelection: z.string().optional(),
        resolutionStatus: z.string().optional(),
        resolutionLastModifierId: z.string().optional(),
        resolutionLastModifiedAt: z.string().optional(),
      })
      .optional(),
    replies: z.array(commentRecordSchema),
  }),
);
export const commentsFileSchema = z.array(commentRecordSchema);

/** One version of an attachment whose binary is stored as `v<N>`. */
export const attachmentVersionRecordSchema = z.object({
  number: z.number().int().min(1),
  title: z.string(),
  mediaType: z.string().optional(),
  fileSize: z.number().optional(),
  fileId: z.string().optional(),
  comment: z.string().optional(),
  createdAt: iso.optional(),
  message: z.string().optional(),
  minorEdit: z.boolean().optional(),
  authorId: z.string().optional(),
});
export type AttachmentVersionRecord = z.infer<typeof attachmentVersionRecordSchema>;

export const attachmentRecordSchema = z.object({
  id: z.string(),
  status: z.string(),
  /** The file name. */
  title: z.string(),
  mediaType: z.string().optional(),
  fileSize: z.number().optional(),
  comment: z.string().optional(),
  fileId: z.string().optional(),
  createdAt: iso.optional(),
  version: versionRecordSchema,
  labels: z.array(labelRecordSchema),
  /** Footer comments on the attachment itself. */
  comments: z.array(commentRecordSchema),
  /** Versions whose binary is stored here (`v<N>`), oldest first; the latest is always among them. */
  versions: z.array(attachmentVersionRecordSchema),
});
export type AttachmentRecord = z.infer<typeof attachmentRecordSchema>;

/** `history/v<N>.json` (history: all): an older version of a page or blog post. */
export const historicalVersionSchema = z.object({
  version: versionRecordSchema,
  title: z.string(),
  /** Storage body of that version. */
  storage: z.string(),
});
export type HistoricalVersion = z.infer<typeof historicalVersionSchema>;

/** `draft/item.json` (with --drafts): unpublished changes of a published page or blog post. */
export const draftRecordSchema = z.object({
  title: z.string(),
  version: versionRecordSchema,
});
export type DraftRecord = z.infer<typeof draftRecordSchema>;

/** Parses a stored JSON record; a mismatch is `corrupt` and names the path. */
export function parseRecord<T>(schema: z.ZodType<T>, text: string, where: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StepvaultError('corrupt', `${where} is not JSON`);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new StepvaultError(
      'corrupt',
      `${where} is not a valid record: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
    );
  }
  return result.data;
}

/** The canonical bytes of a record (2-space indented JSON, trailing newline): equal records, equal blobs. */
export function encodeRecord(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}
