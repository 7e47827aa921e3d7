// What a backup reads from Confluence: the subset of ConfluenceClient it calls, including the site-wide
// listings of attachments and comments (sorted by modification, for the incremental scans and for one-pass full
// listings). Backup code depends on this shape, so tests can hand it a client on the simulator or a narrower fake.

import type { ConfluenceClient } from './client/client.ts';

export type BackupApi = Pick<
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
  | 'getLabelsAndProperties'
  | 'getRestrictions'
  | 'readRestrictionOn'
  | 'listFooterComments'
  | 'listInlineComments'
  | 'listFooterCommentReplies'
  | 'listInlineCommentReplies'
  | 'listAttachments'
  | 'getAttachment'
  | 'downloadAttachment'
  | 'searchContent'
  | 'countContent'
  | 'searchWithMeta'
  | 'getUsers'
  | 'getGroup'
  | 'listSpaceTemplates'
  | 'getTemplate'
  | 'getSpaceSettings'
  | 'getSpaceTheme'
  | 'getLookAndFeel'
  | 'listAllAttachments'
  | 'listAllFooterComments'
  | 'listAllInlineComments'
>;
