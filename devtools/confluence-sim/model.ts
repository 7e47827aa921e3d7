// The state of a simulated Confluence Cloud site: plain records that the store indexes and the HTTP layer
// serialises. Times are epoch milliseconds; ids are strings as the API returns them.

import type { ByteSource } from './attachment-bytes.ts';
import type { BodyRecipe } from './body-recipe.ts';

export type TreeKind = 'page' | 'folder' | 'whiteboard' | 'database' | 'embed';
export type ContentKind = TreeKind | 'blogpost';
/** `trashed` = in the space trash (restorable); purged content is removed from the store entirely. */
export type ContentStatus = 'current' | 'draft' | 'archived' | 'trashed' | 'deleted';

export interface VersionMeta {
  number: number;
  createdAt: number;
  authorId: string;
  message: string;
  minorEdit: boolean;
}

/**
 * A body as written: a generated recipe (rendered on demand, so large datasets cost little memory), or literal
 * text in the representation the client wrote (the other one is derived from it).
 */
export type Body =
  | { kind: 'recipe'; recipe: BodyRecipe }
  | { kind: 'storage'; value: string }
  | { kind: 'adf'; value: string }
  | { kind: 'empty' };

export interface ContentVersion extends VersionMeta {
  title: string;
  body: Body;
}

export interface Principals {
  users: string[]; // account ids
  groups: string[]; // group ids
}

export interface Restrictions {
  read: Principals;
  update: Principals;
}

export interface ContentProperty {
  id: string;
  key: string;
  value: unknown;
  version: VersionMeta;
}

export interface Content {
  id: string;
  kind: ContentKind;
  spaceId: string;
  status: ContentStatus;
  /** Status to return to when restored from the trash. */
  statusBeforeTrash?: 'current' | 'archived';
  /** Parent in the page tree (undefined at the space root, and always for blog posts). */
  parentId?: string;
  position?: number;
  authorId: string;
  ownerId: string;
  createdAt: number;
  subtype?: 'live';
  embedUrl?: string;
  /** Published versions, oldest first: `versions[n - 1].number === n`. A never-published draft has one. */
  versions: ContentVersion[];
  /** Unpublished changes to a published page (returned with `get-draft=true`). */
  draft?: ContentVersion;
  labels: string[];
  properties: ContentProperty[];
  restrictions: Restrictions;
}

export interface AttachmentVersion extends VersionMeta {
  title: string;
  mediaType: string;
  comment: string;
  fileId: string;
  bytes: ByteSource;
}

export interface Attachment {
  id: string; // `att` + digits
  containerId: string;
  status: 'current' | 'archived' | 'trashed';
  createdAt: number;
  versions: AttachmentVersion[];
  labels: string[];
  properties: ContentProperty[];
}

export interface CommentVersion extends VersionMeta {
  /** Storage-format body. */
  body: string;
}

export interface Comment {
  id: string;
  kind: 'footer' | 'inline';
  containerId: string; // page, blog post or attachment
  parentCommentId?: string;
  status: 'current' | 'trashed';
  createdAt: number;
  versions: CommentVersion[];
  resolutionStatus?: 'open' | 'reopened' | 'resolved' | 'dangling';
  resolutionLastModifierId?: string;
  resolutionLastModifiedAt?: number;
  /** The anchor of an inline comment: the marker in the page body and the text it highlights. */
  inline?: { markerRef: string; originalSelection: string };
  properties: ContentProperty[];
}

export interface Label {
  id: string;
  name: string;
  prefix: 'global' | 'my' | 'team' | 'system';
}

export type SpacePermissionOperation =
  | 'use'
  | 'create'
  | 'read'
  | 'update'
  | 'delete'
  | 'copy'
  | 'move'
  | 'export'
  | 'purge'
  | 'purge_version'
  | 'administer'
  | 'restore'
  | 'create_space'
  | 'restrict_content'
  | 'archive';

export interface SpacePermission {
  id: string;
  principal: { type: 'user' | 'group'; id: string };
  operation: { key: SpacePermissionOperation; targetType: string };
}

export interface SpaceProperty {
  id: string;
  key: string;
  value: unknown;
  createdAt: number;
  createdBy: string;
  version: { number: number; createdAt: number; createdBy: string; message: string };
}

export interface Space {
  id: string;
  key: string;
  name: string;
  type: 'global' | 'collaboration' | 'knowledge_base' | 'personal';
  status: 'current' | 'archived';
  authorId: string;
  createdAt: number;
  homepageId?: string;
  description: string;
  labels: string[];
  properties: SpaceProperty[];
  permissions: SpacePermission[];
  /** v1 space settings, look and feel and theme; unset: Cloud's defaults. */
  look?: SpaceLook;
}

export interface User {
  accountId: string;
  email: string;
  displayName: string;
  accountType: 'atlassian' | 'app';
  /** Organisation/site admin: may use the Admin Key. */
  siteAdmin: boolean;
  groupIds: string[];
}

export interface Group {
  id: string;
  name: string;
}

/** How a space looks (v1): its settings, its theme and which look and feel it uses (its custom one, if any). */
export interface SpaceLook {
  routeOverrideEnabled?: boolean;
  themeKey?: string;
  selected?: 'global' | 'custom' | 'theme';
  custom?: Record<string, unknown>;
}

/** A page template (v1 `/template`): of a space, or global when `spaceKey` is undefined. */
export interface Template {
  id: string;
  spaceKey: string | undefined;
  name: string;
  description: string;
  labels: { prefix: string; name: string }[];
  /** The body in storage format. */
  storage: string;
}

/**
 * How a client authenticates: `classic` API tokens work with Basic on the site URL only; `scoped` API tokens with
 * Basic and `bearer` tokens (OAuth 2.0, service accounts) work on the api.atlassian.com gateway path only.
 */
export interface Credential {
  kind: 'classic' | 'scoped' | 'bearer';
  secret: string;
  accountId: string;
  /** False for a token whose scopes allow reads only: writes get 403. @default true */
  canWrite: boolean;
}
