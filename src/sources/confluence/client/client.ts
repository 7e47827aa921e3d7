// The Confluence Cloud REST client: every read the backup and the HTML export need and every write a restore
// needs, over v2 where it exists and v1 for the gaps (restrictions, labels, moves, attachments, version
// restore, users and groups). Lists are async iterables that page with cursors (250 a page) and stop with an
// error on a cursor cycle; an item can come twice under concurrent edits, once per version (keep the newest:
// `keepNewest` in dedupe.ts). One client shares one rate limiter and one concurrency limit across all its
// concurrent calls; see http-transport.ts for retries, redirects and the hosts it may contact.

import type { ConfluenceClientOptions } from './client-options.ts';
import type {
  AttachmentDownload,
  BatchGetOptions,
  BlogPostStatus,
  BodyWrite,
  CallOptions,
  ClientStats,
  ContentKind,
  CreateBlogPostInput,
  CreatePageInput,
  CreateSpaceInput,
  CreateTreeItemInput,
  DownloadOptions,
  FooterCommentTarget,
  GetContentOptions,
  HierarchyKind,
  InlineAnchor,
  InlineCommentTarget,
  LabelInput,
  LabelOwnerKind,
  ListAttachmentsOptions,
  ListCommentsOptions,
  ListContentOptions,
  ListGlobalContentOptions,
  ListInlineCommentsOptions,
  ListPagesInSpaceOptions,
  ListSpacesOptions,
  ListVersionsOptions,
  MovePosition,
  PageStatus,
  PropertyInput,
  PropertyOwnerKind,
  RestrictionInput,
  SpacePermissionInput,
  TreeItemKind,
  UpdateContentInput,
  UploadInput,
  VersionedKind,
  WriteOptions,
} from './client-types.ts';
import type {
  AdminKey,
  Ancestor,
  Attachment,
  BlogPost,
  ChildItem,
  ContentProperty,
  DescendantItem,
  FooterComment,
  InlineComment,
  Label,
  Page,
  Space,
  SpacePermission,
  SpaceProperty,
  TreeItem,
  VersionEntry,
} from './records.ts';
import type { Group, Restriction, SearchHit, UploadedAttachment, User } from './records-v1.ts';

function notImplemented(): never {
  throw new Error('not implemented');
}

export class ConfluenceClient {
  constructor(_options: ConfluenceClientOptions) {}

  /** What this client did so far (requests by endpoint, retries, 429s, bytes, limiter waits). */
  stats(): ClientStats {
    return notImplemented();
  }

  // ---- Admin Key -------------------------------------------------------------------------------------------

  /** Turns on the Admin Key for `durationMinutes` (restricted content becomes readable with `adminKey: true`). */
  enableAdminKey(_durationMinutes = 10, _options: CallOptions = {}): Promise<AdminKey> {
    return notImplemented();
  }
  disableAdminKey(_options: CallOptions = {}): Promise<void> {
    return notImplemented();
  }

  // ---- Spaces ----------------------------------------------------------------------------------------------

  /** All spaces the caller sees: current and archived, every type, unless narrowed. */
  listSpaces(_options: ListSpacesOptions = {}): AsyncIterable<Space> {
    return notImplemented();
  }
  getSpace(
    _spaceId: string,
    _options: CallOptions & { descriptionFormat?: 'plain' | 'view' } = {},
  ): Promise<Space> {
    return notImplemented();
  }
  /** The space with this key, or undefined. */
  findSpaceByKey(_key: string, _options: CallOptions = {}): Promise<Space | undefined> {
    return notImplemented();
  }
  listSpaceProperties(_spaceId: string, _options: CallOptions = {}): AsyncIterable<SpaceProperty> {
    return notImplemented();
  }
  listSpaceLabels(_spaceId: string, _options: CallOptions = {}): AsyncIterable<Label> {
    return notImplemented();
  }
  listSpacePermissions(_spaceId: string, _options: CallOptions = {}): AsyncIterable<SpacePermission> {
    return notImplemented();
  }

  // ---- Pages and blog posts --------------------------------------------------------------------------------

  listPagesInSpace(_spaceId: string, _options: ListPagesInSpaceOptions = {}): AsyncIterable<Page> {
    return notImplemented();
  }
  listBlogPostsInSpace(
    _spaceId: string,
    _options: ListContentOptions<BlogPostStatus> = {},
  ): AsyncIterable<BlogPost> {
    return notImplemented();
  }
  /** Pages of the whole site (e.g. `sort: '-modified-date'` for an incremental scan). */
  listPages(_options: ListGlobalContentOptions<PageStatus> = {}): AsyncIterable<Page> {
    return notImplemented();
  }
  listBlogPosts(_options: ListGlobalContentOptions<BlogPostStatus> = {}): AsyncIterable<BlogPost> {
    return notImplemented();
  }
  /** Pages by id, any number (fetched 250 per request); ids not found (or not visible) are simply absent. */
  getPagesByIds(_ids: readonly string[], _options: BatchGetOptions<PageStatus> = {}): Promise<Page[]> {
    return notImplemented();
  }
  getBlogPostsByIds(
    _ids: readonly string[],
    _options: BatchGetOptions<BlogPostStatus> = {},
  ): Promise<BlogPost[]> {
    return notImplemented();
  }
  /** One page (a historical version with `version`); a `not-found` StepvaultError when it does not exist. */
  getPage(_id: string, _options: GetContentOptions = {}): Promise<Page> {
    return notImplemented();
  }
  getBlogPost(_id: string, _options: GetContentOptions = {}): Promise<BlogPost> {
    return notImplemented();
  }
  /** Versions of a page, blog post or attachment (newest first by default). */
  listVersions(
    _kind: VersionedKind,
    _id: string,
    _options: ListVersionsOptions = {},
  ): AsyncIterable<VersionEntry> {
    return notImplemented();
  }

  // ---- Hierarchy -------------------------------------------------------------------------------------------

  listDirectChildren(
    _kind: HierarchyKind,
    _id: string,
    _options: CallOptions & { sort?: string } = {},
  ): AsyncIterable<ChildItem> {
    return notImplemented();
  }
  /** Everything below, top-down; `depth` 1-10 (the API's default is 2; here 10). */
  listDescendants(
    _kind: HierarchyKind,
    _id: string,
    _options: CallOptions & { depth?: number } = {},
  ): AsyncIterable<DescendantItem> {
    return notImplemented();
  }
  listAncestors(_kind: HierarchyKind, _id: string, _options: CallOptions = {}): Promise<Ancestor[]> {
    return notImplemented();
  }
  /** A folder, whiteboard, database or smart link: metadata only. */
  getTreeItem(_kind: TreeItemKind, _id: string, _options: CallOptions = {}): Promise<TreeItem> {
    return notImplemented();
  }

  // ---- Per content -----------------------------------------------------------------------------------------

  listLabels(
    _kind: LabelOwnerKind,
    _id: string,
    _options: CallOptions & { prefix?: string } = {},
  ): AsyncIterable<Label> {
    return notImplemented();
  }
  listContentProperties(
    _kind: PropertyOwnerKind,
    _id: string,
    _options: CallOptions = {},
  ): AsyncIterable<ContentProperty> {
    return notImplemented();
  }
  /** Read and update restrictions (v1), users and groups; an operation without restriction has empty lists. */
  getRestrictions(_contentId: string, _options: CallOptions = {}): Promise<Restriction[]> {
    return notImplemented();
  }
  /** Top-level footer comments (replies: `listCommentReplies`). */
  listFooterComments(
    _kind: 'page' | 'blogpost' | 'attachment',
    _id: string,
    _options: ListCommentsOptions = {},
  ): AsyncIterable<FooterComment> {
    return notImplemented();
  }
  /** Top-level inline comments with their anchors in `properties`. */
  listInlineComments(
    _kind: ContentKind,
    _id: string,
    _options: ListInlineCommentsOptions = {},
  ): AsyncIterable<InlineComment> {
    return notImplemented();
  }
  listFooterCommentReplies(
    _commentId: string,
    _options: ListCommentsOptions = {},
  ): AsyncIterable<FooterComment> {
    return notImplemented();
  }
  listInlineCommentReplies(
    _commentId: string,
    _options: ListCommentsOptions = {},
  ): AsyncIterable<InlineComment> {
    return notImplemented();
  }
  /** Attachments of a page or blog post, every status by default. */
  listAttachments(
    _kind: ContentKind,
    _id: string,
    _options: ListAttachmentsOptions = {},
  ): AsyncIterable<Attachment> {
    return notImplemented();
  }
  getAttachment(_attachmentId: string, _options: CallOptions = {}): Promise<Attachment> {
    return notImplemented();
  }
  /**
   * The bytes of an attachment (v1 download -> redirect to the media host, without `Authorization`). Errors of
   * the first request (404, 403) reject the promise; the stream resumes by itself after a truncation.
   */
  downloadAttachment(
    _containerId: string,
    _attachmentId: string,
    _options: DownloadOptions = {},
  ): Promise<AttachmentDownload> {
    return notImplemented();
  }

  // ---- Users, groups, search -------------------------------------------------------------------------------

  /** The user, or undefined when the account does not exist on this site. */
  getUser(_accountId: string, _options: CallOptions = {}): Promise<User | undefined> {
    return notImplemented();
  }
  getCurrentUser(_options: CallOptions = {}): Promise<User> {
    return notImplemented();
  }
  /** The group, or undefined when it does not exist on this site. */
  getGroup(_groupId: string, _options: CallOptions = {}): Promise<Group | undefined> {
    return notImplemented();
  }
  /** CQL search (v1); note that CQL ignores the Admin Key. */
  searchContent(_cql: string, _options: CallOptions = {}): AsyncIterable<SearchHit> {
    return notImplemented();
  }

  // ---- Writes (restore) ------------------------------------------------------------------------------------

  /** v2 `POST /spaces`, falling back to v1 `POST /space` where v2 creation is not available. */
  createSpace(_input: CreateSpaceInput, _options: WriteOptions = {}): Promise<Space> {
    return notImplemented();
  }
  createSpaceProperty(
    _spaceId: string,
    _input: PropertyInput,
    _options: WriteOptions = {},
  ): Promise<SpaceProperty> {
    return notImplemented();
  }
  addSpacePermission(
    _spaceKey: string,
    _input: SpacePermissionInput,
    _options: WriteOptions = {},
  ): Promise<void> {
    return notImplemented();
  }
  createPage(_input: CreatePageInput, _options: WriteOptions = {}): Promise<Page> {
    return notImplemented();
  }
  createBlogPost(_input: CreateBlogPostInput, _options: WriteOptions = {}): Promise<BlogPost> {
    return notImplemented();
  }
  /** A new version (current + 1); re-reads and retries once on a version conflict. */
  updatePage(_id: string, _input: UpdateContentInput, _options: WriteOptions = {}): Promise<Page> {
    return notImplemented();
  }
  updateBlogPost(_id: string, _input: UpdateContentInput, _options: WriteOptions = {}): Promise<BlogPost> {
    return notImplemented();
  }
  /** Brings a trashed page or blog post back (a PUT with status `current`, content unchanged). */
  restoreFromTrash(_kind: ContentKind, _id: string, _options: WriteOptions = {}): Promise<void> {
    return notImplemented();
  }
  updatePageTitle(_id: string, _title: string, _options: WriteOptions = {}): Promise<Page> {
    return notImplemented();
  }
  /** v1 move: `before`/`after` a sibling, or `append` as the last child of `targetId`. */
  movePage(
    _id: string,
    _position: MovePosition,
    _targetId: string,
    _options: WriteOptions = {},
  ): Promise<void> {
    return notImplemented();
  }
  /** Moves to the trash (`purge: true` removes a trashed one for good). */
  deleteContent(
    _kind: ContentKind,
    _id: string,
    _options: WriteOptions & { purge?: boolean } = {},
  ): Promise<void> {
    return notImplemented();
  }
  /** v1 `POST /content/{id}/version` with `restore`: a new version with the old one's content. */
  restoreVersion(
    _contentId: string,
    _versionNumber: number,
    _options: WriteOptions & { message?: string; restoreTitle?: boolean } = {},
  ): Promise<void> {
    return notImplemented();
  }
  createTreeItem(
    _kind: TreeItemKind,
    _input: CreateTreeItemInput,
    _options: WriteOptions = {},
  ): Promise<TreeItem> {
    return notImplemented();
  }
  addLabels(_contentId: string, _labels: readonly LabelInput[], _options: WriteOptions = {}): Promise<void> {
    return notImplemented();
  }
  createContentProperty(
    _kind: PropertyOwnerKind,
    _ownerId: string,
    _input: PropertyInput,
    _options: WriteOptions = {},
  ): Promise<ContentProperty> {
    return notImplemented();
  }
  /** `version` is the property's current version; it is sent as version + 1. */
  updateContentProperty(
    _kind: PropertyOwnerKind,
    _ownerId: string,
    _propertyId: string,
    _input: PropertyInput & { version: number },
    _options: WriteOptions = {},
  ): Promise<ContentProperty> {
    return notImplemented();
  }
  /** Replaces all restrictions of the content (v1 PUT); principals must exist on the site. */
  setRestrictions(
    _contentId: string,
    _restrictions: readonly RestrictionInput[],
    _options: WriteOptions = {},
  ): Promise<void> {
    return notImplemented();
  }
  /** A footer comment on a page, blog post or attachment, or a reply (`parentCommentId`). */
  createFooterComment(
    _target: FooterCommentTarget,
    _body: BodyWrite,
    _options: WriteOptions = {},
  ): Promise<FooterComment> {
    return notImplemented();
  }
  /** An inline comment anchored to text of the page (or a reply, which needs no anchor). */
  createInlineComment(
    _target: InlineCommentTarget,
    _body: BodyWrite,
    _anchor: InlineAnchor | undefined,
    _options: WriteOptions = {},
  ): Promise<InlineComment> {
    return notImplemented();
  }
  /**
   * Uploads a file, streamed (multipart built on the fly, never held whole). `replace: false` (POST) refuses an
   * existing file name; `replace: true` (PUT) adds a version to it.
   */
  uploadAttachment(
    _containerId: string,
    _input: UploadInput & { replace?: boolean },
    _options: WriteOptions = {},
  ): Promise<UploadedAttachment> {
    return notImplemented();
  }
  /** A new version of an existing attachment, by its id. */
  uploadAttachmentVersion(
    _containerId: string,
    _attachmentId: string,
    _input: UploadInput,
    _options: WriteOptions = {},
  ): Promise<UploadedAttachment> {
    return notImplemented();
  }
}
