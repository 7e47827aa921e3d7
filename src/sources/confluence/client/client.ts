// The Confluence Cloud REST client: every read the backup and the HTML export need and every write a restore
// needs, over v2 where it exists and v1 for the gaps (restrictions, labels, moves, attachments, version
// restore, users and groups). Lists are async iterables that page with cursors (250 a page) and stop with an
// error on a cursor cycle; an item can come twice under concurrent edits, once per version (keep the newest:
// `keepNewest` in dedupe.ts). One client shares one rate limiter and one concurrency limit across all its
// concurrent calls; see http-transport.ts for retries, redirects and the hosts it may contact.

import { systemClock } from '../../../common/clock.ts';
import { StepvaultError } from '../../../common/errors.ts';
import { ADMIN_KEY_MINUTES, AdminKeyLease } from './admin-key-lease.ts';
import type { Api } from './api-calls.ts';
import { openDownload } from './attachment-download.ts';
import * as upload from './attachment-upload.ts';
import type { ConfluenceAuth, ConfluenceClientOptions } from './client-options.ts';
import { ClientStatsRecorder } from './client-stats.ts';
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
  ListSiteWideOptions,
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
import * as parts from './content-parts.ts';
import * as reads from './content-reads.ts';
import * as writes from './content-writes.ts';
import * as directory from './directory-calls.ts';
import { endpoint } from './endpoint.ts';
import { HttpTransport } from './http-transport.ts';
import { type MetaHit, type RestrictionPart, searchWithMeta } from './meta-search.ts';
import * as metadata from './metadata-writes.ts';
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
import { DEFAULT_RETRY } from './retry-policy.ts';
import { SharedLimiter } from './shared-limiter.ts';
import { SiteUrls } from './site-urls.ts';
import * as spaces from './space-calls.ts';
import * as look from './space-look-calls.ts';
import * as templates from './template-calls.ts';
import * as tree from './tree-calls.ts';

export const DEFAULT_MEDIA_HOSTS: readonly string[] = ['api.media.atlassian.com'];
const DEFAULT_CONCURRENCY = { initial: 4, min: 1, max: 16 };

/** The `Authorization` value for the configured credentials (never logged, never sent off the site). */
function authorizationHeader(auth: ConfluenceAuth): string {
  if (auth.kind === 'basic') {
    if (auth.email.trim() === '' || auth.apiToken.trim() === '') {
      throw new StepvaultError('config', 'Confluence e-mail and API token must not be empty');
    }
    return `Basic ${Buffer.from(`${auth.email}:${auth.apiToken}`).toString('base64')}`;
  }
  if (auth.token.trim() === '')
    throw new StepvaultError('config', 'Confluence bearer token must not be empty');
  return `Bearer ${auth.token}`;
}

export class ConfluenceClient {
  readonly #api: Api;
  readonly #limiter: SharedLimiter;
  readonly #stats = new ClientStatsRecorder();
  /** Present when the client reads with the Admin Key (`adminKey: true`). */
  readonly #lease: AdminKeyLease | undefined;

  constructor(options: ConfluenceClientOptions) {
    const clock = options.clock ?? systemClock;
    const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => clock.sleep(ms, signal));
    const pageSize = options.pageSize ?? 250;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 250) {
      throw new StepvaultError('config', `pageSize must be an integer from 1 to 250 (got ${pageSize})`);
    }
    const concurrency = { ...DEFAULT_CONCURRENCY, ...options.concurrency };
    this.#limiter = new SharedLimiter({ concurrency, rateLimit: options.rateLimit, clock, sleep });
    const transport = new HttpTransport({
      urls: new SiteUrls(options.baseUrl, options.mediaHosts ?? DEFAULT_MEDIA_HOSTS),
      authorization: authorizationHeader(options.auth),
      adminKey: options.adminKey ?? false,
      fetch: options.fetch ?? globalThis.fetch,
      clock,
      sleep,
      random: options.random ?? Math.random,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      limiter: this.#limiter,
      stats: this.#stats,
      userAgent: options.userAgent ?? 'stepvault',
      ...(options.onWait ? { onWait: options.onWait } : {}),
    });
    this.#api = { transport, pageSize };
    if (options.adminKey) {
      const calls = {
        enable: (minutes: number, signal: AbortSignal | undefined) =>
          spaces.enableAdminKey(this.#api, minutes, signal ? { signal } : {}),
        disable: () => spaces.disableAdminKey(this.#api, {}),
      };
      this.#lease = new AdminKeyLease(calls, clock);
      transport.beforeRequest = (template, signal) => this.#lease?.beforeRequest(template, signal);
    }
  }

  /** What this client did so far (requests by endpoint, retries, 429s, bytes, limiter waits). */
  stats(): ClientStats {
    return this.#stats.snapshot(this.#limiter.concurrencyLimit, this.#limiter.ratePerSecond);
  }

  // ---- Admin Key -------------------------------------------------------------------------------------------

  /**
   * Runs `work` with the Admin Key in force when the client was made with `adminKey: true` (otherwise just runs
   * it): enabled first, renewed before it expires for as long as `work` runs, disabled when it ends, however it
   * ends. The one place where backups and restores switch the key on and off. `onDisableFailed` is told, in a
   * message for the user, of a key that could not be disabled (it then expires on its own).
   */
  async withAdminKey<T>(
    work: () => Promise<T>,
    options: CallOptions & { onDisableFailed?: (message: string) => void } = {},
  ): Promise<T> {
    const lease = this.#lease;
    if (!lease) return work();
    if (lease.held) throw new StepvaultError('internal', 'the Admin Key is already held by this client');
    await lease.start(options.signal);
    try {
      return await work();
    } finally {
      const failed = await lease.stop();
      if (failed)
        options.onDisableFailed?.(
          `the Confluence Admin Key could not be disabled (${failed.message}); it expires on its own within ${ADMIN_KEY_MINUTES} minutes`,
        );
    }
  }

  /** Admin Keys issued after the first one of the current or last `withAdminKey`. */
  get adminKeyRenewals(): number {
    return this.#lease?.renewals ?? 0;
  }

  /** Turns on the Admin Key for `durationMinutes` (restricted content becomes readable with `adminKey: true`). */
  enableAdminKey(durationMinutes = 10, options: CallOptions = {}): Promise<AdminKey> {
    return spaces.enableAdminKey(this.#api, durationMinutes, options);
  }
  disableAdminKey(options: CallOptions = {}): Promise<void> {
    return spaces.disableAdminKey(this.#api, options);
  }

  // ---- Spaces ----------------------------------------------------------------------------------------------

  /** All spaces the caller sees: current and archived, every type, unless narrowed. */
  listSpaces(options: ListSpacesOptions = {}): AsyncIterable<Space> {
    return spaces.listSpaces(this.#api, options);
  }
  getSpace(
    spaceId: string,
    options: CallOptions & { descriptionFormat?: 'plain' | 'view' } = {},
  ): Promise<Space> {
    return spaces.getSpace(this.#api, spaceId, options);
  }
  /** The space with this key, or undefined. */
  findSpaceByKey(key: string, options: CallOptions = {}): Promise<Space | undefined> {
    return spaces.findSpaceByKey(this.#api, key, options);
  }
  listSpaceProperties(spaceId: string, options: CallOptions = {}): AsyncIterable<SpaceProperty> {
    return spaces.listSpaceProperties(this.#api, spaceId, options);
  }
  listSpaceLabels(spaceId: string, options: CallOptions = {}): AsyncIterable<Label> {
    return spaces.listSpaceLabels(this.#api, spaceId, options);
  }
  listSpacePermissions(spaceId: string, options: CallOptions = {}): AsyncIterable<SpacePermission> {
    return spaces.listSpacePermissions(this.#api, spaceId, options);
  }

  // ---- Pages and blog posts --------------------------------------------------------------------------------

  listPagesInSpace(spaceId: string, options: ListPagesInSpaceOptions = {}): AsyncIterable<Page> {
    return reads.listPagesInSpace(this.#api, spaceId, options);
  }
  listBlogPostsInSpace(
    spaceId: string,
    options: ListContentOptions<BlogPostStatus> = {},
  ): AsyncIterable<BlogPost> {
    return reads.listBlogPostsInSpace(this.#api, spaceId, options);
  }
  /** Pages of the whole site (e.g. `sort: '-modified-date'` for an incremental scan). */
  listPages(options: ListGlobalContentOptions<PageStatus> = {}): AsyncIterable<Page> {
    return reads.listPages(this.#api, options);
  }
  listBlogPosts(options: ListGlobalContentOptions<BlogPostStatus> = {}): AsyncIterable<BlogPost> {
    return reads.listBlogPosts(this.#api, options);
  }
  /** Pages by id, any number (fetched 250 per request); ids not found (or not visible) are simply absent. */
  getPagesByIds(ids: readonly string[], options: BatchGetOptions<PageStatus> = {}): Promise<Page[]> {
    return reads.getPagesByIds(this.#api, ids, options);
  }
  getBlogPostsByIds(
    ids: readonly string[],
    options: BatchGetOptions<BlogPostStatus> = {},
  ): Promise<BlogPost[]> {
    return reads.getBlogPostsByIds(this.#api, ids, options);
  }
  /** One page (a historical version with `version`); a `not-found` StepvaultError when it does not exist. */
  getPage(id: string, options: GetContentOptions = {}): Promise<Page> {
    return reads.getPage(this.#api, id, options);
  }
  getBlogPost(id: string, options: GetContentOptions = {}): Promise<BlogPost> {
    return reads.getBlogPost(this.#api, id, options);
  }
  /** Versions of a page, blog post or attachment (newest first by default). */
  listVersions(
    kind: VersionedKind,
    id: string,
    options: ListVersionsOptions = {},
  ): AsyncIterable<VersionEntry> {
    return reads.listVersions(this.#api, kind, id, options);
  }

  // ---- Hierarchy -------------------------------------------------------------------------------------------

  listDirectChildren(
    kind: HierarchyKind,
    id: string,
    options: CallOptions & { sort?: string } = {},
  ): AsyncIterable<ChildItem> {
    return tree.listDirectChildren(this.#api, kind, id, options);
  }
  /** Everything below, top-down; `depth` 1-10 (the API's default is 2; here 10). */
  listDescendants(
    kind: HierarchyKind,
    id: string,
    options: CallOptions & { depth?: number } = {},
  ): AsyncIterable<DescendantItem> {
    return tree.listDescendants(this.#api, kind, id, options);
  }
  listAncestors(kind: HierarchyKind, id: string, options: CallOptions = {}): Promise<Ancestor[]> {
    return tree.listAncestors(this.#api, kind, id, options);
  }
  /** A folder, whiteboard, database or smart link: metadata only. */
  getTreeItem(kind: TreeItemKind, id: string, options: CallOptions = {}): Promise<TreeItem> {
    return tree.getTreeItem(this.#api, kind, id, options);
  }

  // ---- Per content -----------------------------------------------------------------------------------------

  listLabels(
    kind: LabelOwnerKind,
    id: string,
    options: CallOptions & { prefix?: string } = {},
  ): AsyncIterable<Label> {
    return parts.listLabels(this.#api, kind, id, options);
  }
  /** A current page's or blog post's labels and content properties, in one request when there are few. */
  getLabelsAndProperties(
    kind: 'page' | 'blogpost',
    id: string,
    options: CallOptions = {},
  ): Promise<{ labels: Label[]; properties: ContentProperty[] }> {
    return parts.getLabelsAndProperties(this.#api, kind, id, options);
  }
  listContentProperties(
    kind: PropertyOwnerKind,
    id: string,
    options: CallOptions = {},
  ): AsyncIterable<ContentProperty> {
    return parts.listContentProperties(this.#api, kind, id, options);
  }
  /** Read and update restrictions (v1), users and groups; an operation without restriction has empty lists. */
  getRestrictions(contentId: string, options: CallOptions = {}): Promise<Restriction[]> {
    return parts.getRestrictions(this.#api, contentId, options);
  }
  /** Top-level footer comments (replies: `listCommentReplies`). */
  listFooterComments(
    kind: 'page' | 'blogpost' | 'attachment',
    id: string,
    options: ListCommentsOptions = {},
  ): AsyncIterable<FooterComment> {
    return parts.listFooterComments(this.#api, kind, id, options);
  }
  /** Top-level inline comments with their anchors in `properties`. */
  listInlineComments(
    kind: ContentKind,
    id: string,
    options: ListInlineCommentsOptions = {},
  ): AsyncIterable<InlineComment> {
    return parts.listInlineComments(this.#api, kind, id, options);
  }
  listFooterCommentReplies(
    commentId: string,
    options: ListCommentsOptions = {},
  ): AsyncIterable<FooterComment> {
    return parts.listFooterCommentReplies(this.#api, commentId, options);
  }
  listInlineCommentReplies(
    commentId: string,
    options: ListCommentsOptions = {},
  ): AsyncIterable<InlineComment> {
    return parts.listInlineCommentReplies(this.#api, commentId, options);
  }
  /** Every attachment of the site (all statuses), e.g. newest first with `sort: '-modified-date'`. */
  listAllAttachments(options: ListSiteWideOptions = {}): AsyncIterable<Attachment> {
    return parts.listAllAttachments(this.#api, options);
  }
  /** Every footer comment of the site, replies included. */
  listAllFooterComments(options: ListSiteWideOptions = {}): AsyncIterable<FooterComment> {
    return parts.listAllFooterComments(this.#api, options);
  }
  /** Every inline comment of the site, replies included. */
  listAllInlineComments(options: ListSiteWideOptions = {}): AsyncIterable<InlineComment> {
    return parts.listAllInlineComments(this.#api, options);
  }
  /** Attachments of a page or blog post, every status by default. */
  listAttachments(
    kind: ContentKind,
    id: string,
    options: ListAttachmentsOptions = {},
  ): AsyncIterable<Attachment> {
    return parts.listAttachments(this.#api, kind, id, options);
  }
  getAttachment(attachmentId: string, options: CallOptions = {}): Promise<Attachment> {
    return parts.getAttachment(this.#api, attachmentId, options);
  }
  /**
   * The bytes of an attachment (v1 download -> redirect to the media host, without `Authorization`). Errors of
   * the first request (404, 403) reject the promise; the stream resumes by itself after a truncation.
   */
  downloadAttachment(
    containerId: string,
    attachmentId: string,
    options: DownloadOptions = {},
  ): Promise<AttachmentDownload> {
    return openDownload(
      this.#api.transport,
      endpoint(
        '/rest/api/content/{containerId}/child/attachment/{attachmentId}/download',
        { containerId, attachmentId },
        { version: options.version },
      ),
      options.signal,
    );
  }

  // ---- Users, groups, search -------------------------------------------------------------------------------

  /** The user, or undefined when the account does not exist on this site. */
  getUser(accountId: string, options: CallOptions = {}): Promise<User | undefined> {
    return directory.getUser(this.#api, accountId, options);
  }
  /** Users by account id, in bulk (ids the site does not know are left out). */
  getUsers(accountIds: readonly string[], options: CallOptions = {}): Promise<User[]> {
    return directory.getUsers(this.#api, accountIds, options);
  }
  getCurrentUser(options: CallOptions = {}): Promise<User> {
    return directory.getCurrentUser(this.#api, options);
  }
  /** The group, or undefined when it does not exist on this site. */
  getGroup(groupId: string, options: CallOptions = {}): Promise<Group | undefined> {
    return directory.getGroup(this.#api, groupId, options);
  }
  /** The space's v1 settings (`routeOverrideEnabled`). */
  getSpaceSettings(spaceKey: string, options: CallOptions = {}): Promise<{ routeOverrideEnabled: boolean }> {
    return look.getSpaceSettings(this.#api, spaceKey, options);
  }
  updateSpaceSettings(
    spaceKey: string,
    routeOverrideEnabled: boolean,
    options: WriteOptions = {},
  ): Promise<void> {
    return look.updateSpaceSettings(this.#api, spaceKey, routeOverrideEnabled, options);
  }
  /** The space's theme key, or undefined when it uses none. */
  getSpaceTheme(spaceKey: string, options: CallOptions = {}): Promise<string | undefined> {
    return look.getSpaceTheme(this.#api, spaceKey, options);
  }
  setSpaceTheme(spaceKey: string, themeKey: string, options: WriteOptions = {}): Promise<void> {
    return look.setSpaceTheme(this.#api, spaceKey, themeKey, options);
  }
  /** Which look and feel the space uses, and its custom one. */
  getLookAndFeel(
    spaceKey: string,
    options: CallOptions = {},
  ): Promise<{ selected: string; custom?: Record<string, unknown> | null | undefined }> {
    return look.getLookAndFeel(this.#api, spaceKey, options);
  }
  setCustomLookAndFeel(
    spaceKey: string,
    custom: Record<string, unknown>,
    options: WriteOptions = {},
  ): Promise<void> {
    return look.setCustomLookAndFeel(this.#api, spaceKey, custom, options);
  }
  selectLookAndFeel(spaceKey: string, type: look.LookAndFeelType, options: WriteOptions = {}): Promise<void> {
    return look.selectLookAndFeel(this.#api, spaceKey, type, options);
  }
  /** The page templates of a space, with their bodies (v1). */
  listSpaceTemplates(spaceKey: string, options: CallOptions = {}): AsyncIterable<templates.Template> {
    return templates.listSpaceTemplates(this.#api, spaceKey, options);
  }
  getTemplate(templateId: string, options: CallOptions = {}): Promise<templates.Template> {
    return templates.getTemplate(this.#api, templateId, options);
  }
  /** Creates a page template in the space (v1; not idempotent: check names first). */
  createSpaceTemplate(
    spaceKey: string,
    input: templates.TemplateInput,
    options: WriteOptions = {},
  ): Promise<templates.Template> {
    return templates.createSpaceTemplate(this.#api, spaceKey, input, options);
  }
  /** The group of this name, or undefined when this site has none. */
  getGroupByName(name: string, options: CallOptions = {}): Promise<Group | undefined> {
    return directory.getGroupByName(this.#api, name, options);
  }
  /** CQL search (v1); note that CQL ignores the Admin Key. */
  searchContent(cql: string, options: CallOptions = {}): AsyncIterable<SearchHit> {
    return directory.searchContent(this.#api, cql, options);
  }
  /** How many items a CQL query finds (one request; an estimate for planning, as CQL ignores the Admin Key). */
  countContent(cql: string, options: CallOptions = {}): Promise<number> {
    return directory.countContent(this.#api, cql, options);
  }
  /** CQL search whose hits carry their labels (and restrictions): many items' metadata per request. */
  searchWithMeta(cql: string, options: CallOptions & { restrictions: boolean }): AsyncIterable<MetaHit> {
    return searchWithMeta(this.#api, cql, options);
  }
  /**
   * One operation's whole restriction from what a search hit (or a first page) told: no request when that was
   * all of it.
   */
  readRestrictionOn(
    contentId: string,
    soFar: RestrictionPart,
    options: CallOptions = {},
  ): Promise<Restriction> {
    return parts.readRestrictionOn(this.#api, contentId, soFar, options);
  }

  // ---- Writes (restore) ------------------------------------------------------------------------------------

  /** v2 `POST /spaces`, falling back to v1 `POST /space` where v2 creation is not available. */
  createSpace(input: CreateSpaceInput, options: WriteOptions = {}): Promise<Space> {
    return spaces.createSpace(this.#api, input, options);
  }
  createSpaceProperty(
    spaceId: string,
    input: PropertyInput,
    options: WriteOptions = {},
  ): Promise<SpaceProperty> {
    return spaces.createSpaceProperty(this.#api, spaceId, input, options);
  }
  addSpacePermission(
    spaceKey: string,
    input: SpacePermissionInput,
    options: WriteOptions = {},
  ): Promise<void> {
    return spaces.addSpacePermission(this.#api, spaceKey, input, options);
  }
  /** v1 `POST /space/{key}/label`: adds labels to a space. */
  addSpaceLabels(spaceKey: string, labels: readonly LabelInput[], options: WriteOptions = {}): Promise<void> {
    return metadata.addSpaceLabels(this.#api, spaceKey, labels, options);
  }
  createPage(input: CreatePageInput, options: WriteOptions = {}): Promise<Page> {
    return writes.createPage(this.#api, input, options);
  }
  createBlogPost(input: CreateBlogPostInput, options: WriteOptions = {}): Promise<BlogPost> {
    return writes.createBlogPost(this.#api, input, options);
  }
  /** A new version (current + 1); re-reads and retries once on a version conflict. */
  updatePage(id: string, input: UpdateContentInput, options: WriteOptions = {}): Promise<Page> {
    return writes.updateContent(this.#api, 'page', id, input, options) as Promise<Page>;
  }
  updateBlogPost(id: string, input: UpdateContentInput, options: WriteOptions = {}): Promise<BlogPost> {
    return writes.updateContent(this.#api, 'blogpost', id, input, options) as Promise<BlogPost>;
  }
  /** Brings a trashed page or blog post back (a PUT with status `current`, content unchanged). */
  restoreFromTrash(kind: ContentKind, id: string, options: WriteOptions = {}): Promise<void> {
    return writes.restoreFromTrash(this.#api, kind, id, options);
  }
  updatePageTitle(id: string, title: string, options: WriteOptions = {}): Promise<Page> {
    return writes.updatePageTitle(this.#api, id, title, options);
  }
  /** v1 move: `before`/`after` a sibling, or `append` as the last child of `targetId`. */
  movePage(id: string, position: MovePosition, targetId: string, options: WriteOptions = {}): Promise<void> {
    return writes.movePage(this.#api, id, position, targetId, options);
  }
  /** Moves to the trash (`purge: true` removes a trashed one for good). */
  deleteContent(
    kind: ContentKind,
    id: string,
    options: WriteOptions & { purge?: boolean } = {},
  ): Promise<void> {
    return writes.deleteContent(this.#api, kind, id, options);
  }
  /** v1 `POST /content/{id}/version` with `restore`: a new version with the old one's content. */
  restoreVersion(
    contentId: string,
    versionNumber: number,
    options: WriteOptions & { message?: string; restoreTitle?: boolean } = {},
  ): Promise<void> {
    return writes.restoreVersion(this.#api, contentId, versionNumber, options);
  }
  createTreeItem(
    kind: TreeItemKind,
    input: CreateTreeItemInput,
    options: WriteOptions = {},
  ): Promise<TreeItem> {
    return tree.createTreeItem(this.#api, kind, input, options);
  }
  addLabels(contentId: string, labels: readonly LabelInput[], options: WriteOptions = {}): Promise<void> {
    return metadata.addLabels(this.#api, contentId, labels, options);
  }
  createContentProperty(
    kind: PropertyOwnerKind,
    ownerId: string,
    input: PropertyInput,
    options: WriteOptions = {},
  ): Promise<ContentProperty> {
    return metadata.createContentProperty(this.#api, kind, ownerId, input, options);
  }
  /** `version` is the property's current version; it is sent as version + 1. */
  updateContentProperty(
    kind: PropertyOwnerKind,
    ownerId: string,
    propertyId: string,
    input: PropertyInput & { version: number },
    options: WriteOptions = {},
  ): Promise<ContentProperty> {
    return metadata.updateContentProperty(this.#api, kind, ownerId, propertyId, input, options);
  }
  /** Replaces all restrictions of the content (v1 PUT); principals must exist on the site. */
  setRestrictions(
    contentId: string,
    restrictions: readonly RestrictionInput[],
    options: WriteOptions = {},
  ): Promise<void> {
    return metadata.setRestrictions(this.#api, contentId, restrictions, options);
  }
  /** A footer comment on a page, blog post or attachment, or a reply (`parentCommentId`). */
  createFooterComment(
    target: FooterCommentTarget,
    body: BodyWrite,
    options: WriteOptions = {},
  ): Promise<FooterComment> {
    return metadata.createFooterComment(this.#api, target, body, options);
  }
  /** An inline comment anchored to text of the page (or a reply, which needs no anchor). */
  createInlineComment(
    target: InlineCommentTarget,
    body: BodyWrite,
    anchor: InlineAnchor | undefined,
    options: WriteOptions = {},
  ): Promise<InlineComment> {
    return metadata.createInlineComment(this.#api, target, body, anchor, options);
  }
  getInlineComment(commentId: string, options: CallOptions = {}): Promise<InlineComment> {
    return metadata.getInlineComment(this.#api, commentId, options);
  }
  /** A new version of an inline comment (`version` = current + 1); `resolved` resolves or reopens it. */
  updateInlineComment(
    commentId: string,
    update: { version: number; body: BodyWrite; resolved?: boolean },
    options: WriteOptions = {},
  ): Promise<InlineComment> {
    return metadata.updateInlineComment(this.#api, commentId, update, options);
  }
  /**
   * Uploads a file, streamed (multipart built on the fly, never held whole). `replace: false` (POST) refuses an
   * existing file name; `replace: true` (PUT) adds a version to it.
   */
  uploadAttachment(
    containerId: string,
    input: UploadInput & { replace?: boolean },
    options: WriteOptions = {},
  ): Promise<UploadedAttachment> {
    return upload.uploadAttachment(this.#api, containerId, input, options);
  }
  /** A new version of an existing attachment, by its id. */
  uploadAttachmentVersion(
    containerId: string,
    attachmentId: string,
    input: UploadInput,
    options: WriteOptions = {},
  ): Promise<UploadedAttachment> {
    return upload.uploadAttachmentVersion(this.#api, containerId, attachmentId, input, options);
  }
}
