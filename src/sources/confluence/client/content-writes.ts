// Writes to pages and blog posts, as a restore makes them: create (a page under a parent or at the root, a blog
// post back-dated with `createdAt`), update (a new version = current + 1; a version conflict re-reads the
// current version and tries once more), bring back from the trash, retitle, move (v1), trash or purge, and
// restore a historical version (v1).

import { type Api, SEGMENT, write, writeNoContent } from './api-calls.ts';
import type {
  ContentKind,
  CreateBlogPostInput,
  CreatePageInput,
  MovePosition,
  UpdateContentInput,
  WriteOptions,
} from './client-types.ts';
import { getBlogPost, getPage } from './content-reads.ts';
import { httpStatusOf } from './http-errors.ts';
import { type BlogPost, blogPostSchema, type Page, pageSchema } from './records.ts';

export function createPage(api: Api, input: CreatePageInput, options: WriteOptions): Promise<Page> {
  const body = {
    spaceId: input.spaceId,
    status: input.status ?? 'current',
    title: input.title,
    body: input.body,
    ...(input.parentId !== undefined ? { parentId: input.parentId } : {}),
    ...(input.subtype !== undefined ? { subtype: input.subtype } : {}),
  };
  const query = { 'root-level': input.rootLevel && input.parentId === undefined ? true : undefined };
  return write(api, 'POST', '/api/v2/pages', {}, query, body, pageSchema, options);
}

export function createBlogPost(
  api: Api,
  input: CreateBlogPostInput,
  options: WriteOptions,
): Promise<BlogPost> {
  const createdAt = input.createdAt instanceof Date ? input.createdAt.toISOString() : input.createdAt;
  const body = {
    spaceId: input.spaceId,
    status: input.status ?? 'current',
    title: input.title,
    body: input.body,
    ...(createdAt !== undefined ? { createdAt } : {}),
  };
  return write(api, 'POST', '/api/v2/blogposts', {}, {}, body, blogPostSchema, options);
}

const ANY_STATUS = ['current', 'archived', 'draft', 'trashed', 'deleted'];

async function currentOf(
  api: Api,
  kind: ContentKind,
  id: string,
  options: WriteOptions,
): Promise<Page | BlogPost> {
  const read = { statuses: ANY_STATUS, ...(options.signal ? { signal: options.signal } : {}) };
  return kind === 'page' ? getPage(api, id, read) : getBlogPost(api, id, read);
}

function isVersionConflict(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status === 409) return true;
  return status === 400 && error instanceof Error && /version/i.test(error.message);
}

export async function updateContent(
  api: Api,
  kind: ContentKind,
  id: string,
  input: UpdateContentInput,
  options: WriteOptions,
): Promise<Page | BlogPost> {
  const status = input.status ?? 'current';
  const nextVersion = (content: Page | BlogPost) =>
    status === 'draft' || content.status === 'draft' ? 1 : (content.version?.number ?? 0) + 1;
  let number =
    input.baseVersion !== undefined
      ? status === 'draft'
        ? 1
        : input.baseVersion + 1
      : nextVersion(await currentOf(api, kind, id, options));
  const schema = kind === 'page' ? pageSchema : blogPostSchema;
  for (let attempt = 0; ; attempt++) {
    const body = {
      id,
      status,
      title: input.title,
      body: input.body,
      version: {
        number,
        ...(input.versionMessage !== undefined ? { message: input.versionMessage } : {}),
        ...(input.minorEdit !== undefined ? { minorEdit: input.minorEdit } : {}),
      },
      ...(input.parentId !== undefined ? { parentId: input.parentId } : {}),
      ...(input.ownerId !== undefined ? { ownerId: input.ownerId } : {}),
    };
    try {
      return await write(api, 'PUT', `/api/v2/${SEGMENT[kind]}/{id}`, { id }, {}, body, schema, options);
    } catch (error) {
      if (attempt > 0 || !isVersionConflict(error)) throw error;
      number = nextVersion(await currentOf(api, kind, id, options));
    }
  }
}

/** A PUT with status `current` and the content as it is: what Cloud takes as "restore from the trash". */
export async function restoreFromTrash(
  api: Api,
  kind: ContentKind,
  id: string,
  options: WriteOptions,
): Promise<void> {
  const read = { statuses: ['trashed', 'deleted', 'current'], bodyFormat: 'storage' as const };
  const content = kind === 'page' ? await getPage(api, id, read) : await getBlogPost(api, id, read);
  if (content.status === 'current') return;
  await updateContent(
    api,
    kind,
    id,
    {
      title: content.title,
      body: { representation: 'storage', value: content.body?.storage?.value ?? '' },
      status: 'current',
      baseVersion: content.version?.number ?? 0,
    },
    options,
  );
}

export function updatePageTitle(api: Api, id: string, title: string, options: WriteOptions): Promise<Page> {
  return write(
    api,
    'PUT',
    '/api/v2/pages/{id}/title',
    { id },
    {},
    { status: 'current', title },
    pageSchema,
    options,
  );
}

export function movePage(
  api: Api,
  id: string,
  position: MovePosition,
  targetId: string,
  options: WriteOptions,
): Promise<void> {
  return writeNoContent(
    api,
    'PUT',
    '/rest/api/content/{id}/move/{position}/{targetId}',
    { id, position, targetId },
    {},
    undefined,
    options,
  );
}

export function deleteContent(
  api: Api,
  kind: ContentKind,
  id: string,
  options: WriteOptions & { purge?: boolean },
): Promise<void> {
  const query = { purge: options.purge ? true : undefined };
  return writeNoContent(api, 'DELETE', `/api/v2/${SEGMENT[kind]}/{id}`, { id }, query, undefined, options);
}

export function restoreVersion(
  api: Api,
  contentId: string,
  versionNumber: number,
  options: WriteOptions & { message?: string; restoreTitle?: boolean },
): Promise<void> {
  const body = {
    operationKey: 'restore',
    params: { versionNumber, message: options.message ?? '', restoreTitle: options.restoreTitle ?? true },
  };
  return writeNoContent(api, 'POST', '/rest/api/content/{id}/version', { id: contentId }, {}, body, options);
}
