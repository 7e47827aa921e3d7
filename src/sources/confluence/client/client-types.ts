// The input and option shapes of ConfluenceClient's methods, and what it reports about itself (stats) and
// hands out for downloads. Response records live in records.ts and records-v1.ts.

import type { QuotaState } from './rate-limit-headers.ts';

export interface CallOptions {
  signal?: AbortSignal;
}

export interface WriteOptions extends CallOptions {
  /**
   * Also retry on 5xx and network errors. Writes are not idempotent in general (a lost answer may hide a
   * write that happened), so by default only 429 (refused, not executed) is retried. @default false
   */
  retryServerErrors?: boolean;
}

export type BodyFormat = 'storage' | 'atlas_doc_format';
/** Formats a single GET can render besides the two stored ones. */
export type SingleBodyFormat = BodyFormat | 'view' | 'export_view' | 'styled_view' | 'editor';
export type ContentKind = 'page' | 'blogpost';
export type TreeItemKind = 'folder' | 'whiteboard' | 'database' | 'embed';
/** What has `direct-children`, `descendants` and `ancestors`. */
export type HierarchyKind = 'page' | TreeItemKind;
export type LabelOwnerKind = 'page' | 'blogpost' | 'attachment';
export type PropertyOwnerKind = 'page' | 'blogpost' | 'attachment' | 'comment' | TreeItemKind;
export type VersionedKind = ContentKind | 'attachment';

/** List endpoints take current, archived, trashed and deleted; a draft is read by id (`getDraft`). */
export type PageStatus = 'current' | 'archived' | 'trashed' | 'deleted' | 'draft';
export type BlogPostStatus = 'current' | 'trashed' | 'deleted' | 'draft';

export interface ListSpacesOptions extends CallOptions {
  /** @default ['current', 'archived'] */
  statuses?: ('current' | 'archived')[];
  /** All types when absent. */
  types?: string[];
  keys?: string[];
  ids?: string[];
  descriptionFormat?: 'plain' | 'view';
}

export interface ListContentOptions<S extends string> extends CallOptions {
  /** @default ['current', 'archived'] for pages, ['current'] for blog posts */
  statuses?: S[];
  bodyFormat?: BodyFormat;
  /** e.g. `id`, `-modified-date`. @default the API's (id) */
  sort?: string;
  title?: string;
}

export interface ListPagesInSpaceOptions extends ListContentOptions<PageStatus> {
  /** `root`: only pages at the top of the space. @default 'all' */
  depth?: 'all' | 'root';
}

export interface ListGlobalContentOptions<S extends string> extends ListContentOptions<S> {
  spaceIds?: string[];
  ids?: string[];
}

export interface BatchGetOptions<S extends string> extends CallOptions {
  bodyFormat?: BodyFormat;
  /** @default every status the list endpoint accepts */
  statuses?: S[];
}

export interface GetContentOptions extends CallOptions {
  /** A historical version. */
  version?: number;
  bodyFormat?: SingleBodyFormat;
  /** The draft (unpublished changes) instead of the published version. */
  getDraft?: boolean;
  /** Statuses to accept (e.g. `trashed`). @default the API's (current, archived) */
  statuses?: string[];
}

export interface ListVersionsOptions extends CallOptions {
  /** Bodies in the list (the API then returns at most 50 per page). */
  bodyFormat?: BodyFormat;
  sort?: 'modified-date' | '-modified-date';
}

export interface ListCommentsOptions extends CallOptions {
  /** @default 'storage' */
  bodyFormat?: BodyFormat;
}

export interface ListInlineCommentsOptions extends ListCommentsOptions {
  resolutionStatuses?: ('open' | 'resolved' | 'reopened' | 'dangling')[];
}

export interface ListAttachmentsOptions extends CallOptions {
  /** @default ['current', 'archived', 'trashed'] */
  statuses?: ('current' | 'archived' | 'trashed')[];
  sort?: string;
}

/** Options of the site-wide listings (`GET /attachments`, `/footer-comments`, `/inline-comments`). */
export interface ListSiteWideOptions extends CallOptions {
  /** e.g. `-modified-date` (newest first). @default the API's */
  sort?: string;
}

export interface DownloadOptions extends CallOptions {
  /** A historical version of the attachment. @default the current one */
  version?: number;
}

/** The bytes of one attachment: a stream (never held whole) that resumes itself after truncation. */
export interface AttachmentDownload extends AsyncIterable<Uint8Array> {
  /** Content-Length of the file, when the media host sent one. */
  readonly size: number | undefined;
  readonly mediaType: string | undefined;
}

export interface BodyWrite {
  representation: BodyFormat | 'wiki';
  value: string;
}

export interface CreateSpaceInput {
  key: string;
  name: string;
  /** Plain text. */
  description?: string;
}

export interface CreatePageInput {
  spaceId: string;
  title: string;
  body: BodyWrite;
  /** Parent page (or folder); without it and without `rootLevel` Cloud puts the page under the homepage. */
  parentId?: string;
  /** At the top of the space's tree (`root-level=true`). */
  rootLevel?: boolean;
  /** @default 'current' */
  status?: 'current' | 'draft';
  /** `live`: a live doc (edited together, published as it is typed) instead of a page. */
  subtype?: 'live';
}

export interface CreateBlogPostInput {
  spaceId: string;
  title: string;
  body: BodyWrite;
  /** Back-dates the post (pages have no equivalent). */
  createdAt?: Date | string;
  /** @default 'current' */
  status?: 'current' | 'draft';
}

export interface UpdateContentInput {
  title: string;
  body: BodyWrite;
  /** @default 'current' */
  status?: 'current' | 'draft';
  versionMessage?: string;
  minorEdit?: boolean;
  parentId?: string;
  ownerId?: string;
  /**
   * The version the caller last saw; the update is sent as this + 1. Without it the client reads the current
   * version first. On a version conflict (409, or 400 naming the version) the client reads it again and retries
   * once.
   */
  baseVersion?: number;
}

export interface CreateTreeItemInput {
  spaceId: string;
  title: string;
  parentId?: string;
  /** Smart links only. */
  embedUrl?: string;
}

export type MovePosition = 'before' | 'after' | 'append';

export interface LabelInput {
  name: string;
  /** @default 'global' */
  prefix?: 'global' | 'my' | 'team';
}

export interface PropertyInput {
  key: string;
  value: unknown;
}

export interface RestrictionInput {
  operation: 'read' | 'update';
  /** Account ids. */
  users: string[];
  /** Group ids. */
  groups: string[];
}

export type FooterCommentTarget =
  | { pageId: string }
  | { blogPostId: string }
  | { attachmentId: string }
  | { parentCommentId: string };

export type InlineCommentTarget = { pageId: string } | { blogPostId: string } | { parentCommentId: string };

export interface InlineAnchor {
  /** The text the comment highlights; it must occur in the page text. */
  textSelection: string;
  /** How often `textSelection` occurs in the page. */
  textSelectionMatchCount: number;
  /** Which occurrence (0-based) the comment anchors to. */
  textSelectionMatchIndex: number;
}

/** Bytes to upload: a stream, or a function that opens it (lets the client resend after a 429). */
export type UploadSource = AsyncIterable<Uint8Array> | (() => AsyncIterable<Uint8Array>);

export interface UploadInput {
  filename: string;
  data: UploadSource;
  /** Exact byte count, when known: sent as Content-Length (a stream of another length fails the upload). */
  size?: number;
  /** @default 'application/octet-stream' */
  mediaType?: string;
  comment?: string;
  /** @default true */
  minorEdit?: boolean;
}

export interface SpacePermissionInput {
  principal: { type: 'user' | 'group'; id: string };
  operation: { key: string; target: string };
}

/** What one client did, for logs and the benchmark. */
export interface ClientStats {
  /** Requests sent (each attempt), by `METHOD /wiki/...template` (e.g. `GET /wiki/api/v2/pages/{id}`). */
  requests: Record<string, number>;
  totalRequests: number;
  /** Attempts after the first one of a request. */
  retries: number;
  /** 429 answers. */
  rateLimited: number;
  /** 5xx answers. */
  serverErrors: number;
  /** Connection failures and dropped responses. */
  networkErrors: number;
  /** Response body bytes read from the site (API) and from the media host (attachment data). */
  bytesDownloaded: { api: number; media: number };
  /** Request body bytes sent. */
  bytesUploaded: number;
  /** Milliseconds requests spent waiting for the shared limiter (summed over requests). */
  limiterWaitMs: number;
  /** Downloads resumed with `Range` or restarted after a truncation or an expired link. */
  downloadResumes: number;
  /** Redirects refused because they pointed to a host that is not configured. */
  refusedRedirects: number;
  /** The last points-quota state the site reported (`RateLimit`/`Beta-RateLimit` headers), if any. */
  quota?: QuotaState;
  /** Current concurrency limit (AIMD) and the learnt rate (requests per second; undefined before any hint). */
  concurrencyLimit: number;
  learntRatePerSecond: number | undefined;
}
