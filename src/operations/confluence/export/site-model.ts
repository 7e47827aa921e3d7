// The shape of an HTML export, decided before anything is written: which spaces and items are exported (archived
// content always, trashed content and drafts only when asked), the page tree (parents, children in position
// order, cycles broken), title and id lookups for link resolution, and the file every item and attachment
// gets. File names come from space keys and ids only (checked against the layout's rules), never from titles.

import type {
  AttachmentRecord,
  ContentRecord,
  SiteRecord,
  SpaceRecord,
} from '../../../sources/confluence/layout.ts';
import { checkAttachmentId, checkContentId, checkSpaceKey } from '../../../sources/confluence/layout.ts';

export interface ExportSelection {
  /** Export trashed content (marked as such). @default false */
  includeTrashed?: boolean;
  /** Export never-published drafts. @default false */
  includeDrafts?: boolean;
}

export interface ExportItem {
  record: ContentRecord;
  spaceKey: string;
  /** Path of the item's HTML file, relative to the export root ("/"-separated). */
  file: string;
  parent: ExportItem | undefined;
  children: ExportItem[];
  attachments: ExportAttachment[];
}

export interface ExportAttachment {
  record: AttachmentRecord;
  /** Path of the copied file, relative to the export root. */
  file: string;
}

export interface ExportSpace {
  record: SpaceRecord;
  key: string;
  /** Path of the space's index page, relative to the export root. */
  file: string;
  /** Top of the page tree: the homepage first, then other root items by position. */
  roots: ExportItem[];
  /** Newest first. */
  blogPosts: ExportItem[];
  items: ExportItem[];
  /** Items left out, by reason. */
  excluded: { trashed: number; drafts: number; other: number };
}

export interface SiteModel {
  site: SiteRecord;
  spaces: ExportSpace[];
  /** Records that could not be used (a key or id that breaks the layout's rules), in words. */
  skipped: string[];
  byId(id: string): ExportItem | undefined;
  byTitle(spaceKey: string, title: string, type: 'page' | 'blogpost'): ExportItem | undefined;
  space(key: string): ExportSpace | undefined;
}

export interface SpaceInput {
  record: SpaceRecord;
  items: ContentRecord[];
  /** Attachments by content id (of the items that are exported). */
  attachments: ReadonlyMap<string, AttachmentRecord[]>;
}

const EXTENSION = /\.([A-Za-z0-9]{1,10})$/;

function valid(check: (value: string) => string, value: string): boolean {
  try {
    check(value);
    return true;
  } catch {
    return false;
  }
}

function exported(status: string, selection: ExportSelection): 'yes' | 'trashed' | 'drafts' | 'other' {
  if (status === 'current' || status === 'archived') return 'yes';
  if (status === 'trashed') return selection.includeTrashed ? 'yes' : 'trashed';
  if (status === 'draft') return selection.includeDrafts ? 'yes' : 'drafts';
  return 'other';
}

function byPosition(a: ExportItem, b: ExportItem): number {
  const pa = a.record.position ?? Number.POSITIVE_INFINITY;
  const pb = b.record.position ?? Number.POSITIVE_INFINITY;
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.record.title.localeCompare(b.record.title) || compareIds(a.record.id, b.record.id);
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Links each item to its exported parent; roots are those whose parent is not exported, and cycles are cut. */
function buildTree(space: ExportSpace, homepageId: string | undefined): void {
  const ids = new Map(space.items.map((i) => [i.record.id, i]));
  const childrenOf = new Map<ExportItem, ExportItem[]>();
  const roots: ExportItem[] = [];
  for (const item of space.items) {
    if (item.record.type === 'blogpost') continue;
    const parent = item.record.parentId === undefined ? undefined : ids.get(item.record.parentId);
    if (parent && parent !== item && parent.record.type !== 'blogpost') {
      const list = childrenOf.get(parent) ?? [];
      list.push(item);
      childrenOf.set(parent, list);
    } else roots.push(item);
  }
  const visited = new Set<ExportItem>();
  const attach = (root: ExportItem) => {
    visited.add(root);
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      for (const child of (childrenOf.get(node) ?? []).sort(byPosition)) {
        if (visited.has(child)) continue;
        visited.add(child);
        child.parent = node;
        node.children.push(child);
        stack.push(child);
      }
    }
  };
  roots.sort((a, b) => (a.record.id === homepageId ? -1 : b.record.id === homepageId ? 1 : byPosition(a, b)));
  for (const root of roots) attach(root);
  // Items on a parent cycle are reachable from no root: each cycle becomes a root at its lowest id.
  for (const item of [...space.items].sort((a, b) => compareIds(a.record.id, b.record.id))) {
    if (item.record.type === 'blogpost' || visited.has(item)) continue;
    roots.push(item);
    attach(item);
  }
  space.roots = roots;
  space.blogPosts = space.items
    .filter((i) => i.record.type === 'blogpost')
    .sort(
      (a, b) =>
        (b.record.createdAt ?? '').localeCompare(a.record.createdAt ?? '') ||
        compareIds(b.record.id, a.record.id),
    );
}

export function itemFile(spaceKey: string, id: string): string {
  return `spaces/${spaceKey}/pages/${id}.html`;
}

export function attachmentFile(spaceKey: string, attachment: AttachmentRecord): string {
  const ext = EXTENSION.exec(attachment.title)?.[1]?.toLowerCase();
  return `spaces/${spaceKey}/attachments/${attachment.id}${ext ? `.${ext}` : ''}`;
}

export function buildSiteModel(
  site: SiteRecord,
  inputs: SpaceInput[],
  selection: ExportSelection,
): SiteModel {
  const skipped: string[] = [];
  const spaces: ExportSpace[] = [];
  const ids = new Map<string, ExportItem>();
  const titles = new Map<string, ExportItem>();
  const folded = new Map<string, ExportItem>();
  const keys = new Map<string, ExportSpace>();
  const attachmentIds = new Set<string>();
  const titleKey = (key: string, type: string, title: string) =>
    `${key.toLowerCase()}\u0000${type}\u0000${title}`;

  for (const input of [...inputs].sort((a, b) => a.record.key.localeCompare(b.record.key))) {
    const key = input.record.key;
    if (!valid(checkSpaceKey, key) || keys.has(key.toLowerCase())) {
      skipped.push(`space ${JSON.stringify(key)}: its key cannot name a directory, or another space has it`);
      continue;
    }
    const space: ExportSpace = {
      record: input.record,
      key,
      file: `spaces/${key}/index.html`,
      roots: [],
      blogPosts: [],
      items: [],
      excluded: { trashed: 0, drafts: 0, other: 0 },
    };
    for (const record of input.items) {
      if (!valid(checkContentId, record.id) || ids.has(record.id)) {
        skipped.push(`space ${key} item ${JSON.stringify(record.id)}: not a numeric id, or a duplicate`);
        continue;
      }
      const verdict = exported(record.status, selection);
      if (verdict !== 'yes') {
        space.excluded[verdict]++;
        continue;
      }
      const attachments = (input.attachments.get(record.id) ?? [])
        .filter((a) => {
          if (exported(a.status, selection) !== 'yes') return false;
          if (valid(checkAttachmentId, a.id) && !attachmentIds.has(a.id)) {
            attachmentIds.add(a.id);
            return true;
          }
          skipped.push(
            `space ${key} item ${record.id} attachment ${JSON.stringify(a.id)}: not an attachment id, or a duplicate`,
          );
          return false;
        })
        .map((a) => ({ record: a, file: attachmentFile(key, a) }));
      const item: ExportItem = {
        record,
        spaceKey: key,
        file: itemFile(key, record.id),
        parent: undefined,
        children: [],
        attachments,
      };
      space.items.push(item);
      ids.set(record.id, item);
      const type = record.type === 'blogpost' ? 'blogpost' : 'page';
      const exact = titleKey(key, type, record.title);
      const loose = titleKey(key, type, record.title.toLowerCase());
      // A current item wins a title over an archived or trashed one of the same title.
      if (!titles.has(exact) || record.status === 'current') titles.set(exact, item);
      if (!folded.has(loose) || record.status === 'current') folded.set(loose, item);
    }
    buildTree(space, input.record.homepageId);
    spaces.push(space);
    keys.set(key.toLowerCase(), space);
  }
  return {
    site,
    spaces,
    skipped,
    byId: (id) => ids.get(id),
    byTitle: (key, title, type) =>
      titles.get(titleKey(key, type, title)) ?? folded.get(titleKey(key, type, title.toLowerCase())),
    space: (key) => keys.get(key.toLowerCase()),
  };
}

/** An href from one export file to another (both relative to the export root), each segment encoded. */
export function relativeHref(from: string, to: string): string {
  const fromDirs = from.split('/').slice(0, -1);
  const target = to.split('/');
  let common = 0;
  while (common < fromDirs.length && common < target.length - 1 && fromDirs[common] === target[common])
    common++;
  const up = fromDirs.slice(common).map(() => '..');
  return [...up, ...target.slice(common).map(encodeURIComponent)].join('/') || '.';
}

/** The ancestors of an item, outermost first. */
export function ancestorsOf(item: ExportItem): ExportItem[] {
  const out: ExportItem[] = [];
  for (let p = item.parent; p; p = p.parent) out.unshift(p);
  return out;
}
