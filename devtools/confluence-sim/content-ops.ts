// The rules for creating and changing pages, blog posts and the other tree items (folders, whiteboards,
// databases, smart links): version numbers (an update must carry current + 1, else 409), unique page titles per
// space, parent defaults (the space homepage), moves and reordering, trash, restore and purge.

import type { Body, Content, ContentKind, ContentVersion } from './model.ts';
import { badRequest, notFound, SimError } from './sim-error.ts';
import { noRestrictions, type SimStore } from './store.ts';

export interface CreateContentInput {
  kind: ContentKind;
  spaceId: string;
  title?: string;
  parentId?: string;
  /** Create at the space root instead of under the homepage. */
  rootLevel?: boolean;
  status?: 'current' | 'draft';
  body?: Body;
  subtype?: 'live';
  embedUrl?: string;
  /** Back-dated creation time (blog posts accept it). */
  createdAt?: number;
  authorId: string;
}

function current(content: Content): ContentVersion {
  return content.versions.at(-1)!;
}

export function titleOf(content: Content): string {
  return current(content).title;
}

/** The page (current or archived) of a space that holds this title, case-insensitively. */
export function pageWithTitle(store: SimStore, spaceId: string, title: string): Content | undefined {
  const wanted = title.toLowerCase();
  return store
    .contentInSpace(spaceId)
    .find(
      (c) =>
        c.kind === 'page' &&
        (c.status === 'current' || c.status === 'archived') &&
        titleOf(c).toLowerCase() === wanted,
    );
}

function requireUniqueTitle(store: SimStore, spaceId: string, title: string, self?: Content): void {
  const holder = pageWithTitle(store, spaceId, title);
  if (holder && holder !== self) {
    throw badRequest(
      `A page with this title already exists: a page already exists with the same TITLE in this space`,
    );
  }
}

function nextPosition(store: SimStore, spaceId: string, parentId: string | undefined): number {
  const siblings = store.childrenOf(spaceId, parentId);
  return siblings.length === 0 ? 0 : Math.max(...siblings.map((c) => c.position ?? 0)) + 1;
}

function requireTreeParent(store: SimStore, spaceId: string, parentId: string): Content {
  const parent = store.contents.get(parentId);
  if (!parent || parent.kind === 'blogpost' || parent.status === 'trashed' || parent.status === 'draft') {
    throw notFound(`Parent content ${parentId}`);
  }
  if (parent.spaceId !== spaceId) throw badRequest('The parent must be in the same space');
  return parent;
}

export function createContent(store: SimStore, input: CreateContentInput): Content {
  const space = store.spaces.get(input.spaceId);
  if (!space) throw notFound(`Space ${input.spaceId}`);
  const status = input.status ?? 'current';
  const title = input.title ?? '';
  if (status !== 'draft' && title.trim() === '') throw badRequest('Title is required for published content');
  if (input.kind === 'page' && status === 'current') requireUniqueTitle(store, space.id, title);
  let parentId: string | undefined;
  if (input.kind !== 'blogpost') {
    if (input.rootLevel && input.parentId !== undefined)
      throw badRequest('parentId must be empty with root-level');
    if (input.parentId !== undefined) parentId = requireTreeParent(store, space.id, input.parentId).id;
    else if (!input.rootLevel && input.kind === 'page') parentId = space.homepageId;
  }
  const now = store.stamp();
  const content: Content = {
    id: store.newId(),
    kind: input.kind,
    spaceId: space.id,
    status,
    authorId: input.authorId,
    ownerId: input.authorId,
    createdAt: input.createdAt ?? now,
    versions: [
      {
        number: 1,
        createdAt: now,
        authorId: input.authorId,
        message: '',
        minorEdit: false,
        title,
        body: input.body ?? { kind: 'empty' },
      },
    ],
    labels: [],
    properties: [],
    restrictions: noRestrictions(),
  };
  if (input.kind !== 'blogpost') {
    if (parentId !== undefined) content.parentId = parentId;
    content.position = nextPosition(store, space.id, parentId);
  }
  if (input.subtype) content.subtype = input.subtype;
  if (input.embedUrl !== undefined) content.embedUrl = input.embedUrl;
  store.addContent(content);
  return content;
}

export interface UpdateContentInput {
  title: string;
  body: Body;
  status: 'current' | 'draft';
  versionNumber: number;
  message?: string;
  minorEdit?: boolean;
  parentId?: string;
  spaceId?: string;
  ownerId?: string;
  authorId: string;
}

/** A published update (new version), a saved draft, publishing a draft, or a restore from the trash. */
export function updateContent(store: SimStore, content: Content, input: UpdateContentInput): Content {
  if (input.spaceId !== undefined && input.spaceId !== content.spaceId) {
    throw badRequest('Moving content to a different space is not supported');
  }
  const latest = current(content);
  if (content.status === 'trashed' || content.status === 'deleted') {
    if (input.status !== 'current') throw badRequest('Trashed content can only be restored to current');
    restoreFromTrash(store, content);
    return content;
  }
  if (input.status === 'draft') {
    if (input.versionNumber !== 1) throw new SimError(409, 'Version must be 1 when saving a draft');
    const draft = {
      ...latest,
      number: latest.number,
      title: input.title,
      body: input.body,
      createdAt: store.stamp(),
    };
    if (content.status === 'draft') content.versions[content.versions.length - 1] = draft;
    else content.draft = draft;
    return content;
  }
  const publishingDraft = content.status === 'draft';
  const expected = publishingDraft ? 1 : latest.number + 1;
  if (input.versionNumber !== expected) {
    throw new SimError(
      409,
      `Version must be incremented when updating a page. Current version is: ${latest.number}, provided version is ${input.versionNumber}`,
    );
  }
  if (content.kind === 'page') requireUniqueTitle(store, content.spaceId, input.title, content);
  const version: ContentVersion = {
    number: expected,
    createdAt: store.stamp(),
    authorId: input.authorId,
    message: input.message ?? '',
    minorEdit: input.minorEdit ?? false,
    title: input.title,
    body: input.body,
  };
  if (publishingDraft) {
    content.versions = [version];
    content.status = 'current';
  } else {
    content.versions.push(version);
  }
  delete content.draft;
  if (input.ownerId !== undefined && input.ownerId !== content.ownerId) content.ownerId = input.ownerId;
  if (input.parentId !== undefined && input.parentId !== content.parentId) {
    moveUnder(store, content, requireTreeParent(store, content.spaceId, input.parentId));
  }
  return content;
}

/** New version whose only change is the title (v2 `PUT /pages/{id}/title`). */
export function retitle(store: SimStore, content: Content, title: string, authorId: string): Content {
  const latest = current(content);
  return updateContent(store, content, {
    title,
    body: latest.body,
    status: 'current',
    versionNumber: latest.number + 1,
    authorId,
  });
}

function wouldLoop(store: SimStore, content: Content, newParent: Content): boolean {
  return newParent.id === content.id || store.ancestorsOf(newParent).some((a) => a.id === content.id);
}

/** Makes `content` the last child of `parent`. Moves do not create versions. */
export function moveUnder(store: SimStore, content: Content, parent: Content | undefined): void {
  if (parent && wouldLoop(store, content, parent))
    throw badRequest('The move would create a parent-child loop');
  store.reparent(content, parent?.id, nextPosition(store, content.spaceId, parent?.id));
}

/** v1 move: `before`/`after` a sibling target, or `append` as the target's last child. */
export function moveRelative(store: SimStore, content: Content, position: string, target: Content): void {
  if (target.spaceId !== content.spaceId)
    throw badRequest('Moving pages between spaces is not supported here');
  if (position === 'append') {
    moveUnder(store, content, target);
    return;
  }
  if (position !== 'before' && position !== 'after') throw badRequest(`Invalid position ${position}`);
  if (target.id === content.id) throw badRequest('Cannot move a page relative to itself');
  const parent = target.parentId === undefined ? undefined : store.contents.get(target.parentId);
  if (parent && wouldLoop(store, content, parent))
    throw badRequest('The move would create a parent-child loop');
  const siblings = store.childrenOf(content.spaceId, target.parentId).filter((c) => c.id !== content.id);
  const at = siblings.findIndex((c) => c.id === target.id) + (position === 'after' ? 1 : 0);
  siblings.splice(at, 0, content);
  store.reparent(content, target.parentId, 0);
  siblings.forEach((sibling, index) => {
    sibling.position = index;
  });
}

/** Moves content to the trash; its children move up to its parent, as in Confluence Cloud. */
export function trash(store: SimStore, content: Content): void {
  if (content.status === 'trashed') throw notFound(`Content ${content.id}`);
  content.statusBeforeTrash = content.status === 'archived' ? 'archived' : 'current';
  content.status = 'trashed';
  const parent = content.parentId === undefined ? undefined : store.contents.get(content.parentId);
  for (const child of store.childrenOf(content.spaceId, content.id)) moveUnder(store, child, parent);
}

export function restoreFromTrash(store: SimStore, content: Content): void {
  content.status = content.statusBeforeTrash ?? 'current';
  delete content.statusBeforeTrash;
  if (content.kind === 'page') requireUniqueTitle(store, content.spaceId, titleOf(content), content);
  if (content.parentId !== undefined) {
    const parent = store.contents.get(content.parentId);
    if (!parent || parent.status === 'trashed')
      store.reparent(content, undefined, nextPosition(store, content.spaceId, undefined));
  }
}

export function purge(store: SimStore, content: Content): void {
  if (content.status !== 'trashed') throw badRequest('Only trashed content can be purged');
  store.removeContent(content.id);
}

/** v1 version restore: a new version with the body (and optionally the title) of an old one. */
export function restoreVersion(
  store: SimStore,
  content: Content,
  versionNumber: number,
  message: string,
  restoreTitle: boolean,
  authorId: string,
): ContentVersion {
  const latest = current(content);
  const old = content.versions.find((v) => v.number === versionNumber);
  if (!old || versionNumber === latest.number) throw badRequest(`Cannot restore version ${versionNumber}`);
  updateContent(store, content, {
    title: restoreTitle ? old.title : latest.title,
    body: old.body,
    status: 'current',
    versionNumber: latest.number + 1,
    message,
    authorId,
  });
  return current(content);
}
