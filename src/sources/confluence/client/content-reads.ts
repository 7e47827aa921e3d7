// Pages and blog posts: lists per space and site-wide (statuses, body format, sort), batch reads by id (250 per
// request: how a backup fetches the bodies of changed pages), single reads (historical versions, drafts) and
// version lists of pages, blog posts and attachments.

import { forEachConcurrently } from '../../../common/concurrency.ts';
import { type Api, get, list, SEGMENT } from './api-calls.ts';
import type {
  BatchGetOptions,
  BlogPostStatus,
  GetContentOptions,
  ListContentOptions,
  ListGlobalContentOptions,
  ListPagesInSpaceOptions,
  ListVersionsOptions,
  PageStatus,
  VersionedKind,
} from './client-types.ts';
import { keepNewest } from './dedupe.ts';
import type { QueryValue } from './endpoint.ts';
import {
  type BlogPost,
  blogPostSchema,
  type Page,
  pageSchema,
  type VersionEntry,
  versionEntrySchema,
} from './records.ts';

/** The most ids one `?id=` request may carry (the API's page size limit). */
export const BATCH_IDS = 250;
const BATCHES_IN_FLIGHT = 4;

const ALL_PAGE_STATUSES: PageStatus[] = ['current', 'archived', 'trashed', 'deleted'];
const ALL_BLOG_STATUSES: BlogPostStatus[] = ['current', 'trashed', 'deleted'];

function listQuery<S extends string>(options: ListContentOptions<S>): Record<string, QueryValue> {
  return {
    status: options.statuses,
    'body-format': options.bodyFormat,
    sort: options.sort,
    title: options.title,
  };
}

export function listPagesInSpace(
  api: Api,
  spaceId: string,
  options: ListPagesInSpaceOptions,
): AsyncIterable<Page> {
  const query = { ...listQuery(options), depth: options.depth };
  return list(api, '/api/v2/spaces/{id}/pages', { id: spaceId }, query, pageSchema, options);
}

export function listBlogPostsInSpace(
  api: Api,
  spaceId: string,
  options: ListContentOptions<BlogPostStatus>,
): AsyncIterable<BlogPost> {
  return list(
    api,
    '/api/v2/spaces/{id}/blogposts',
    { id: spaceId },
    listQuery(options),
    blogPostSchema,
    options,
  );
}

export function listPages(api: Api, options: ListGlobalContentOptions<PageStatus>): AsyncIterable<Page> {
  const query = { ...listQuery(options), 'space-id': options.spaceIds, id: options.ids };
  return list(api, '/api/v2/pages', {}, query, pageSchema, options);
}

export function listBlogPosts(
  api: Api,
  options: ListGlobalContentOptions<BlogPostStatus>,
): AsyncIterable<BlogPost> {
  const query = { ...listQuery(options), 'space-id': options.spaceIds, id: options.ids };
  return list(api, '/api/v2/blogposts', {}, query, blogPostSchema, options);
}

async function byIds<T extends { id: string; version?: { number: number } | null | undefined }>(
  ids: readonly string[],
  fetchBatch: (batch: string[]) => AsyncIterable<T>,
): Promise<T[]> {
  const unique = [...new Set(ids)];
  const batches: string[][] = [];
  for (let i = 0; i < unique.length; i += BATCH_IDS) batches.push(unique.slice(i, i + BATCH_IDS));
  const found = new Map<string, T>();
  await forEachConcurrently(batches, BATCHES_IN_FLIGHT, async (batch) => {
    for await (const item of fetchBatch(batch)) keepNewest(found, item);
  });
  return unique.flatMap((id) => {
    const item = found.get(id);
    return item ? [item] : [];
  });
}

export function getPagesByIds(
  api: Api,
  ids: readonly string[],
  options: BatchGetOptions<PageStatus>,
): Promise<Page[]> {
  const statuses = options.statuses ?? ALL_PAGE_STATUSES;
  return byIds(ids, (batch) =>
    listPages(api, {
      ids: batch,
      statuses,
      ...(options.bodyFormat ? { bodyFormat: options.bodyFormat } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  );
}

export function getBlogPostsByIds(
  api: Api,
  ids: readonly string[],
  options: BatchGetOptions<BlogPostStatus>,
): Promise<BlogPost[]> {
  const statuses = options.statuses ?? ALL_BLOG_STATUSES;
  return byIds(ids, (batch) =>
    listBlogPosts(api, {
      ids: batch,
      statuses,
      ...(options.bodyFormat ? { bodyFormat: options.bodyFormat } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  );
}

function singleQuery(options: GetContentOptions): Record<string, QueryValue> {
  return {
    'body-format': options.bodyFormat,
    version: options.version,
    'get-draft': options.getDraft,
    status: options.statuses,
  };
}

export function getPage(api: Api, id: string, options: GetContentOptions): Promise<Page> {
  return get(api, '/api/v2/pages/{id}', { id }, singleQuery(options), pageSchema, options);
}

export function getBlogPost(api: Api, id: string, options: GetContentOptions): Promise<BlogPost> {
  return get(api, '/api/v2/blogposts/{id}', { id }, singleQuery(options), blogPostSchema, options);
}

export function listVersions(
  api: Api,
  kind: VersionedKind,
  id: string,
  options: ListVersionsOptions,
): AsyncIterable<VersionEntry> {
  const query = { 'body-format': options.bodyFormat, sort: options.sort };
  return list(api, `/api/v2/${SEGMENT[kind]}/{id}/versions`, { id }, query, versionEntrySchema, options);
}
