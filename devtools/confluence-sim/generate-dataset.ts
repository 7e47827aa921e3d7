// The deterministic dataset generator: from a seed, a site with several spaces (one archived), deep page trees
// with folders, whiteboards, databases and smart links, blog posts, attachments, bodies with macros and links,
// history, comments, labels, properties, restrictions, drafts, archived and trashed content. The same seed on
// a fresh simulator gives the same ids, titles, bodies and bytes. Bodies and large files are generated lazily,
// so 10,000 pages and 3,000 attachments take seconds and little memory.

import { ADMIN_ACCOUNT_ID, seedDirectory } from './directory.ts';
import { AttachmentGenerator, type AttachmentSizes, DEFAULT_SIZES } from './generate-attachments.ts';
import { addDetails } from './generate-details.ts';
import type { Content, Space, TreeKind, User } from './model.ts';
import { Prng } from './prng.ts';
import { grant, grantAdmin, USERS_GROUP } from './space-ops.ts';
import { noRestrictions, type SimStore } from './store.ts';
import { title as makeTitle, words } from './text-corpus.ts';

export interface DatasetOptions {
  seed: number;
  /** @default 3 */
  spaces?: number;
  /** Archived spaces among them. @default 1 when there are 3 or more spaces */
  archivedSpaces?: number;
  /** Pages across all spaces, homepages included. @default 120 */
  pages?: number;
  /** @default pages / 20 */
  blogPosts?: number;
  /** @default pages / 4 */
  attachments?: number;
  /** Folders, whiteboards, databases and smart links, each. @default pages / 40 */
  treeItems?: number;
  /** Deepest page level below a space root. @default 8 */
  maxDepth?: number;
  /** Most versions a page has. @default 5 */
  maxVersions?: number;
  /** Users besides the admin. @default 12 */
  users?: number;
  /** @default DEFAULT_SIZES */
  attachmentSizes?: Partial<AttachmentSizes>;
  /** Share of pages with read or update restrictions (the admin can still read them). @default 0.05 */
  restrictedFraction?: number;
  /** Share of pages the admin cannot read without the Admin Key. @default 0 */
  hiddenFraction?: number;
  /** End of the generated history (epoch ms); history spans the year before. @default 2026-01-01 */
  anchor?: number;
}

export interface DatasetSummary {
  spaces: number;
  pages: number;
  blogPosts: number;
  treeItems: number;
  attachments: number;
  attachmentBytes: number;
  pageVersions: number;
  comments: number;
  /** Content ids per status, for assertions. */
  trashed: string[];
  archived: string[];
  drafts: string[];
  hidden: string[];
}

const YEAR = 365 * 24 * 3600 * 1000;
const SPACE_WORDS = ['ENG', 'DOCS', 'OPS', 'HR', 'SALES', 'LEGAL', 'DESIGN', 'DATA', 'SEC', 'PM'];

export interface GenContext {
  store: SimStore;
  rng: Prng;
  options: Required<Omit<DatasetOptions, 'attachmentSizes'>> & { attachmentSizes: AttachmentSizes };
  users: User[];
  spaces: Space[];
  /** Pages and blog posts by space, in creation order. */
  documents: Content[];
  /** Depth of each tree item below its space root. */
  depth: Map<string, number>;
  timeAt: (fraction: number) => number;
  summary: DatasetSummary;
}

function withDefaults(o: DatasetOptions): GenContext['options'] {
  const pages = Math.max(1, o.pages ?? 120);
  const spaces = Math.max(1, o.spaces ?? 3);
  return {
    seed: o.seed,
    spaces,
    archivedSpaces: o.archivedSpaces ?? (spaces >= 3 ? 1 : 0),
    pages,
    blogPosts: o.blogPosts ?? Math.ceil(pages / 20),
    attachments: o.attachments ?? Math.ceil(pages / 4),
    treeItems: o.treeItems ?? Math.ceil(pages / 40),
    maxDepth: o.maxDepth ?? 8,
    maxVersions: Math.max(1, o.maxVersions ?? 5),
    users: o.users ?? 12,
    attachmentSizes: { ...DEFAULT_SIZES, ...o.attachmentSizes },
    restrictedFraction: o.restrictedFraction ?? 0.05,
    hiddenFraction: o.hiddenFraction ?? 0,
    anchor: o.anchor ?? Date.UTC(2026, 0, 1),
  };
}

export function generateDataset(store: SimStore, input: DatasetOptions): DatasetSummary {
  const options = withDefaults(input);
  const rng = new Prng('dataset', options.seed);
  const directory = seedDirectory(store, options.seed, options.users);
  const start = options.anchor - YEAR;
  const ctx: GenContext = {
    store,
    rng,
    options,
    users: directory.users,
    spaces: [],
    documents: [],
    depth: new Map(),
    timeAt: (fraction) => Math.floor(start + Math.min(1, Math.max(0, fraction)) * YEAR * 0.9),
    summary: {
      spaces: 0,
      pages: 0,
      blogPosts: 0,
      treeItems: 0,
      attachments: 0,
      attachmentBytes: 0,
      pageVersions: 0,
      comments: 0,
      trashed: [],
      archived: [],
      drafts: [],
      hidden: [],
    },
  };
  createSpaces(ctx);
  createTree(ctx);
  createBlogPosts(ctx);
  const attachments = new AttachmentGenerator(
    store,
    rng.fork('attachments'),
    options.attachmentSizes,
    options.anchor,
  );
  const containers = ctx.documents;
  for (let i = 0; i < options.attachments; i++) {
    // Skewed: a third of the files land on the first tenth of the documents.
    const pool = rng.chance(0.33)
      ? containers.slice(0, Math.max(1, Math.ceil(containers.length / 10)))
      : containers;
    const container = rng.pick(pool);
    attachments.add({
      container,
      at: container.createdAt + 1000 + i,
      authorId: rng.pick(ctx.users).accountId,
    });
  }
  ctx.summary.attachments = options.attachments;
  ctx.summary.attachmentBytes = attachments.totalBytes;
  addDetails(ctx);
  store.advancePast(options.anchor);
  return ctx.summary;
}

function author(ctx: GenContext): string {
  return ctx.rng.chance(0.3) ? ADMIN_ACCOUNT_ID : ctx.rng.pick(ctx.users).accountId;
}

function createSpaces(ctx: GenContext): void {
  const { store, rng, options } = ctx;
  for (let i = 0; i < options.spaces; i++) {
    const base = SPACE_WORDS[i % SPACE_WORDS.length]!;
    let key = i < SPACE_WORDS.length ? base : `${base}${Math.floor(i / SPACE_WORDS.length)}`;
    for (let n = 2; store.spaceByKey(key); n++) key = `${base}X${n}`; // a second dataset on the same site
    const space: Space = {
      id: store.newId(),
      key,
      name: i % 3 === 1 ? `${words(rng, 2)} — Ünïcödé ${i}` : `${key} ${words(rng, 2)}`,
      type: 'global',
      status: i >= options.spaces - options.archivedSpaces ? 'archived' : 'current',
      authorId: ADMIN_ACCOUNT_ID,
      createdAt: ctx.timeAt(i / (options.spaces * 50)),
      description: rng.chance(0.7) ? `Space for ${words(rng, 5)}.` : '',
      labels: [],
      properties: [],
      permissions: [],
    };
    store.addSpace(space);
    grantAdmin(store, space, { type: 'user', id: ADMIN_ACCOUNT_ID });
    grant(store, space, { type: 'group', id: store.groupByName(USERS_GROUP)!.id });
    const team = rng.pick(
      [...store.groups.values()].filter((g) => !g.name.startsWith('confluence') && g.name !== 'site-admins'),
    );
    grantAdmin(store, space, { type: 'group', id: team.id });
    ctx.spaces.push(space);
    ctx.summary.spaces++;
  }
}

function newTreeItem(
  ctx: GenContext,
  kind: TreeKind,
  space: Space,
  parent: Content | undefined,
  title: string,
  at: number,
): Content {
  const { store } = ctx;
  const siblings = store.childrenOf(space.id, parent?.id);
  const who = author(ctx);
  const content: Content = {
    id: store.newId(),
    kind,
    spaceId: space.id,
    status: 'current',
    position: siblings.length,
    authorId: who,
    ownerId: who,
    createdAt: at,
    versions: [
      {
        number: 1,
        createdAt: at,
        authorId: who,
        message: '',
        minorEdit: false,
        title,
        body: { kind: 'empty' },
      },
    ],
    labels: [],
    properties: [],
    restrictions: noRestrictions(),
  };
  if (parent) content.parentId = parent.id;
  if (kind === 'embed') content.embedUrl = `https://www.example.com/videos/${ctx.rng.uint32().toString(36)}`;
  store.addContent(content);
  ctx.depth.set(content.id, parent ? (ctx.depth.get(parent.id) ?? 0) + 1 : 0);
  return content;
}

function uniqueTitle(ctx: GenContext, taken: Set<string>): string {
  let title = makeTitle(ctx.rng);
  for (let n = 2; taken.has(title.toLowerCase()); n++) title = `${makeTitle(ctx.rng)} ${n}`;
  taken.add(title.toLowerCase());
  return title;
}

function createTree(ctx: GenContext): void {
  const { rng, options, spaces } = ctx;
  const weights = spaces.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const kinds: TreeKind[] = ['folder', 'whiteboard', 'database', 'embed'];
  let made = 0;
  spaces.forEach((space, s) => {
    const share = Math.max(1, Math.round((options.pages * weights[s]!) / total));
    const count = Math.max(
      1,
      s === spaces.length - 1
        ? options.pages - made
        : Math.min(share, options.pages - made - (spaces.length - 1 - s)),
    );
    const itemCount = Math.round((options.treeItems * 4 * count) / options.pages);
    const taken = new Set<string>();
    const nodes: Content[] = [];
    const home = newTreeItem(ctx, 'page', space, undefined, `${space.name} Home`, space.createdAt + 1);
    taken.add(home.versions[0]!.title.toLowerCase());
    space.homepageId = home.id;
    nodes.push(home);
    ctx.documents.push(home);
    const steps = count - 1 + itemCount;
    let pagesLeft = count - 1;
    for (let i = 0; i < steps; i++) {
      const isPage = rng.next() < pagesLeft / (steps - i);
      if (isPage) pagesLeft--;
      const recent = nodes.slice(-8);
      let parent: Content | undefined = rng.chance(0.06)
        ? undefined
        : rng.chance(0.6)
          ? rng.pick(recent)
          : rng.pick(nodes);
      if (parent && (ctx.depth.get(parent.id) ?? 0) >= options.maxDepth) parent = home;
      const at = ctx.timeAt((made + i / steps) / options.pages);
      if (isPage) {
        const page = newTreeItem(ctx, 'page', space, parent, uniqueTitle(ctx, taken), at);
        nodes.push(page);
        ctx.documents.push(page);
      } else {
        const kind = rng.pick(kinds);
        const item = newTreeItem(ctx, kind, space, parent, `${kind} ${uniqueTitle(ctx, taken)}`, at);
        if (kind === 'folder') nodes.push(item); // folders hold pages; other items stay leaves
        ctx.summary.treeItems++;
      }
    }
    made += count;
  });
  ctx.summary.pages = ctx.documents.length;
}

function createBlogPosts(ctx: GenContext): void {
  const { store, rng, options, spaces } = ctx;
  for (let i = 0; i < options.blogPosts; i++) {
    const space = spaces[i % spaces.length]!;
    const who = author(ctx);
    const at = ctx.timeAt(i / Math.max(1, options.blogPosts));
    const post: Content = {
      id: store.newId(),
      kind: 'blogpost',
      spaceId: space.id,
      status: 'current',
      authorId: who,
      ownerId: who,
      createdAt: at,
      versions: [
        {
          number: 1,
          createdAt: at,
          authorId: who,
          message: '',
          minorEdit: false,
          title: makeTitle(rng),
          body: { kind: 'empty' },
        },
      ],
      labels: [],
      properties: [],
      restrictions: noRestrictions(),
    };
    store.addContent(post);
    ctx.documents.push(post);
    ctx.summary.blogPosts++;
  }
}
