// What a backup reads from Confluence: the subset of ConfluenceClient it calls, plus the site-wide listings of
// attachments and comments (sorted by modification, for the incremental scans and for one-pass full listings).
// Backup code depends on this shape, so tests can hand it a client on the simulator or a narrower fake.

import type { ConfluenceClient } from './client/client.ts';
import type { CallOptions } from './client/client-types.ts';
import type { Attachment, FooterComment, InlineComment } from './client/records.ts';

export type ConfluenceReads = Pick<
  ConfluenceClient,
  | 'stats'
  | 'listSpaces'
  | 'listSpaceProperties'
  | 'listSpaceLabels'
  | 'listSpacePermissions'
  | 'listPagesInSpace'
  | 'listBlogPostsInSpace'
  | 'getPagesByIds'
  | 'getBlogPostsByIds'
  | 'getPage'
  | 'getBlogPost'
  | 'listVersions'
  | 'getTreeItem'
  | 'listLabels'
  | 'listContentProperties'
  | 'getRestrictions'
  | 'listFooterComments'
  | 'listInlineComments'
  | 'listFooterCommentReplies'
  | 'listInlineCommentReplies'
  | 'listAttachments'
  | 'getAttachment'
  | 'downloadAttachment'
  | 'searchContent'
>;

export interface GlobalListOptions extends CallOptions {
  /** e.g. `-modified-date` (newest first). */
  sort?: string;
}

/** Site-wide listings (`GET /attachments`, `/footer-comments`, `/inline-comments`), 250 a page. */
export interface GlobalListings {
  /** Every attachment the caller can see (current, archived and trashed), of pages not in the trash. */
  listAllAttachments(options?: GlobalListOptions): AsyncIterable<Attachment>;
  /** Every footer comment (replies included, with `parentCommentId`), storage bodies. */
  listAllFooterComments(options?: GlobalListOptions): AsyncIterable<FooterComment>;
  /** Every inline comment (replies included), storage bodies, anchors in `properties`. */
  listAllInlineComments(options?: GlobalListOptions): AsyncIterable<InlineComment>;
}

export type BackupApi = ConfluenceReads & GlobalListings;
