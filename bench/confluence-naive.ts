// The naive Confluence exporter, the anchor of `npm run bench -- confluence`: what a script that exports a site
// without any memory of the previous run does, every time. It lists every space's pages and blog posts, then
// for each one GETs the body twice (storage and atlas_doc_format), its labels, its content properties, its
// top-level footer and inline comments (not their replies) and its attachment list (current and archived:
// trashed ones cannot be downloaded), and downloads every attachment listed. It goes through the same
// ConfluenceClient as the backup (same shared rate limiter, same concurrency limit), so the difference measured
// is what is fetched, not how. Bodies and binaries are hashed (SHA-256) and discarded rather than written to
// disk, so the anchor pays no disk cost the backup pays.

import { createHash } from 'node:crypto';
import { forEachConcurrently } from '../src/common/concurrency.ts';
import type { ConfluenceClient } from '../src/sources/confluence/client/client.ts';
import type { ContentKind } from '../src/sources/confluence/client/client-types.ts';

export interface NaiveExportResult {
  spaces: number;
  pages: number;
  blogPosts: number;
  attachments: number;
  /** Body characters (both formats) and attachment bytes, as hashed. */
  bodyBytes: number;
  attachmentBytes: number;
}

interface Item {
  kind: ContentKind;
  id: string;
}

async function drain<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Items handled at once; the client's own concurrency limit decides how many requests are in flight. */
const ITEM_LANES = 32;

export async function naiveExport(client: ConfluenceClient): Promise<NaiveExportResult> {
  const result: NaiveExportResult = {
    spaces: 0,
    pages: 0,
    blogPosts: 0,
    attachments: 0,
    bodyBytes: 0,
    attachmentBytes: 0,
  };
  const items: Item[] = [];
  for await (const space of client.listSpaces()) {
    result.spaces++;
    const [pages, posts] = await Promise.all([
      drain(client.listPagesInSpace(space.id)),
      drain(client.listBlogPostsInSpace(space.id)),
    ]);
    for (const p of pages) items.push({ kind: 'page', id: p.id });
    for (const b of posts) items.push({ kind: 'blogpost', id: b.id });
    result.pages += pages.length;
    result.blogPosts += posts.length;
  }
  const hashBody = (value: string | null | undefined) => {
    if (!value) return;
    createHash('sha256').update(value).digest();
    result.bodyBytes += Buffer.byteLength(value);
  };
  await forEachConcurrently(items, ITEM_LANES, async ({ kind, id }) => {
    const get = (bodyFormat: 'storage' | 'atlas_doc_format') =>
      kind === 'page' ? client.getPage(id, { bodyFormat }) : client.getBlogPost(id, { bodyFormat });
    const downloads = async () => {
      // Trashed attachments cannot be downloaded (404), as on Cloud.
      const attachments = await drain(
        client.listAttachments(kind, id, { statuses: ['current', 'archived'] }),
      );
      await Promise.all(
        attachments.map(async (attachment) => {
          const hash = createHash('sha256');
          for await (const piece of await client.downloadAttachment(id, attachment.id)) {
            hash.update(piece);
            result.attachmentBytes += piece.length;
          }
          hash.digest();
          result.attachments++;
        }),
      );
    };
    const [storage, adf] = await Promise.all([
      get('storage'),
      get('atlas_doc_format'),
      drain(client.listLabels(kind, id)),
      drain(client.listContentProperties(kind, id)),
      drain(client.listFooterComments(kind, id)),
      drain(client.listInlineComments(kind, id)),
      downloads(),
    ]);
    hashBody(storage.body?.storage?.value);
    hashBody(adf.body?.atlas_doc_format?.value);
  });
  return result;
}
