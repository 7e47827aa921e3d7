// The content tree: direct children and descendants (of pages and of folders, whiteboards, databases and smart
// links), ancestors, and those four kinds of tree items themselves (metadata only: the API exports nothing
// else of them), read and created.

import { type Api, get, list, SEGMENT, write } from './api-calls.ts';
import type {
  CallOptions,
  CreateTreeItemInput,
  HierarchyKind,
  TreeItemKind,
  WriteOptions,
} from './client-types.ts';
import {
  type Ancestor,
  ancestorSchema,
  type ChildItem,
  childSchema,
  type DescendantItem,
  descendantSchema,
  listSchema,
  type TreeItem,
  treeItemSchema,
} from './records.ts';

/** The deepest `descendants` reaches in one listing. */
export const MAX_DESCENDANT_DEPTH = 10;

export function listDirectChildren(
  api: Api,
  kind: HierarchyKind,
  id: string,
  options: CallOptions & { sort?: string },
): AsyncIterable<ChildItem> {
  return list(
    api,
    `/api/v2/${SEGMENT[kind]}/{id}/direct-children`,
    { id },
    { sort: options.sort },
    childSchema,
    options,
  );
}

export function listDescendants(
  api: Api,
  kind: HierarchyKind,
  id: string,
  options: CallOptions & { depth?: number },
): AsyncIterable<DescendantItem> {
  const depth = Math.max(1, Math.min(MAX_DESCENDANT_DEPTH, options.depth ?? MAX_DESCENDANT_DEPTH));
  return list(api, `/api/v2/${SEGMENT[kind]}/{id}/descendants`, { id }, { depth }, descendantSchema, options);
}

export async function listAncestors(
  api: Api,
  kind: HierarchyKind,
  id: string,
  options: CallOptions,
): Promise<Ancestor[]> {
  const answer = await get(
    api,
    `/api/v2/${SEGMENT[kind]}/{id}/ancestors`,
    { id },
    { limit: 250 },
    listSchema(ancestorSchema),
    options,
  );
  return answer.results;
}

export function getTreeItem(
  api: Api,
  kind: TreeItemKind,
  id: string,
  options: CallOptions,
): Promise<TreeItem> {
  return get(api, `/api/v2/${SEGMENT[kind]}/{id}`, { id }, {}, treeItemSchema, options);
}

export function createTreeItem(
  api: Api,
  kind: TreeItemKind,
  input: CreateTreeItemInput,
  options: WriteOptions,
): Promise<TreeItem> {
  const body = {
    spaceId: input.spaceId,
    title: input.title,
    ...(input.parentId !== undefined ? { parentId: input.parentId } : {}),
    ...(input.embedUrl !== undefined ? { embedUrl: input.embedUrl } : {}),
  };
  return write(api, 'POST', `/api/v2/${SEGMENT[kind]}`, {}, {}, body, treeItemSchema, options);
}
