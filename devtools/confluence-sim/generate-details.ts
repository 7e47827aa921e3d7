// Second pass of the dataset generator, once every page and attachment exists: version history with body
// recipes that link to other pages (by title and by id), embed the page's images and files and mention users;
// inline and footer comments with replies; labels, content and space properties; restrictions; and the
// statuses (archived, trashed, drafts) a backup has to handle.

import type { BodyRecipe } from './body-recipe.ts';
import { ADMIN_ACCOUNT_ID } from './directory.ts';
import type { GenContext } from './generate-dataset.ts';
import type { Comment, CommentVersion, Content, ContentProperty, ContentVersion, Label } from './model.ts';
import { pseudoUuid } from './prng.ts';
import { sentence, words } from './text-corpus.ts';

const LABELS = [
  'howto',
  'meeting-notes',
  'decision',
  'runbook',
  'архив',
  'draft',
  'q1-2026',
  'customer',
  'postmortem',
  'ドキュメント',
  'api',
  'internal',
  'onboarding',
  'release',
  'security',
];

function slug(title: string): string {
  return encodeURIComponent(title.replace(/\s+/g, '+')).slice(0, 60);
}

export function addDetails(ctx: GenContext): void {
  const pages = ctx.documents.filter((d) => d.kind === 'page');
  const markers = new Map<string, Marker[]>();
  for (const doc of ctx.documents) markers.set(doc.id, addHistory(ctx, doc, pages));
  for (const doc of ctx.documents) {
    addMetadata(ctx, doc);
    addComments(ctx, doc, markers.get(doc.id) ?? []);
  }
  for (const doc of ctx.documents) assignStatus(ctx, doc);
  for (const space of ctx.spaces) {
    space.labels = [ctx.store.label('global', ctx.rng.pick(LABELS)).id];
    space.properties.push({
      id: ctx.store.newId(),
      key: 'space-owner-team',
      value: { team: words(ctx.rng, 1), reviewed: ctx.rng.chance(0.5) },
      createdAt: space.createdAt,
      createdBy: ADMIN_ACCOUNT_ID,
      version: { number: 1, createdAt: space.createdAt, createdBy: ADMIN_ACCOUNT_ID, message: '' },
    });
  }
  for (const att of ctx.store.attachments.values()) {
    if (ctx.rng.chance(0.05)) att.labels.push(ctx.store.label('global', ctx.rng.pick(LABELS)).id);
    if (ctx.rng.chance(0.01)) att.status = 'trashed';
  }
}

interface Marker {
  ref: string;
  text: string;
}

/** Fills in the versions of a page or blog post; returns the inline comment markers of its latest body. */
function addHistory(ctx: GenContext, doc: Content, pages: Content[]): Marker[] {
  const { rng, store, options } = ctx;
  const _space = store.spaces.get(doc.spaceId)!;
  const atts = store.attachmentsOf(doc.id).map((a) => a.versions.at(-1)!);
  const images = atts
    .filter((a) => a.mediaType === 'image/png')
    .map((a) => ({ filename: a.title, fileId: a.fileId }));
  const files = atts
    .filter((a) => a.mediaType !== 'image/png')
    .map((a) => ({ filename: a.title, fileId: a.fileId }));
  const targets = Array.from({ length: rng.int(0, 4) }, () => rng.pick(pages)).filter((p) => p.id !== doc.id);
  const links = targets.map((p) => {
    const key = store.spaces.get(p.spaceId)!.key;
    return {
      spaceKey: key,
      title: p.versions.at(-1)!.title,
      href: `https://${store.siteHost}/wiki/spaces/${key}/pages/${p.id}`,
    };
  });
  const urlLinks = Array.from({ length: rng.int(0, 2) }, () => rng.pick(pages))
    .filter((p) => p.id !== doc.id)
    .map((p) => {
      const key = store.spaces.get(p.spaceId)!.key;
      const title = p.versions.at(-1)!.title;
      return rng.chance(0.5)
        ? { href: `https://${store.siteHost}/wiki/spaces/${key}/pages/${p.id}/${slug(title)}`, text: title }
        : { href: `/wiki/spaces/${key}/pages/${p.id}`, text: title };
    });
  const mentions = Array.from({ length: rng.int(0, 2) }, () => rng.pick(ctx.users).accountId);
  const markers: Marker[] = rng.chance(0.2)
    ? Array.from({ length: rng.int(1, 2) }, (_, i) => ({
        ref: pseudoUuid('marker', options.seed, doc.id, i),
        text: `${words(rng, 3)} ${i}`,
      }))
    : [];
  let count = 1;
  while (count < options.maxVersions && rng.chance(0.45)) count++;
  const title = doc.versions[0]!.title;
  const renamed = doc.kind === 'page' && count > 1 && rng.chance(0.1);
  const versions: ContentVersion[] = [];
  let at = doc.createdAt;
  const sections = rng.chance(0.1) ? rng.int(8, 20) : rng.int(2, 6);
  for (let n = 1; n <= count; n++) {
    const recipe: BodyRecipe = {
      seed: rng.uint32(),
      sections,
      contentId: doc.id,
      links,
      urlLinks,
      images,
      files,
      mentions,
      markers: n === count ? markers : [],
    };
    versions.push({
      number: n,
      createdAt: at,
      authorId: n === 1 ? doc.authorId : rng.pick(ctx.users).accountId,
      message: n === 1 ? '' : rng.chance(0.4) ? sentence(rng) : '',
      minorEdit: n > 1 && rng.chance(0.2),
      title: renamed && n === 1 ? `${title} (old title)` : title,
      body: { kind: 'recipe', recipe },
    });
    at += 1 + Math.floor(rng.next() * (options.anchor - at) * 0.4);
  }
  doc.versions = versions;
  ctx.summary.pageVersions += count;
  return markers;
}

function property(ctx: GenContext, key: string, value: unknown, at: number): ContentProperty {
  const versions = ctx.rng.int(1, 3);
  return {
    id: ctx.store.newId(),
    key,
    value,
    version: { number: versions, createdAt: at, authorId: ADMIN_ACCOUNT_ID, message: '', minorEdit: false },
  };
}

function addMetadata(ctx: GenContext, doc: Content): void {
  const { rng, store } = ctx;
  const count = rng.chance(0.6) ? rng.int(1, 3) : 0;
  for (let i = 0; i < count; i++) {
    const prefix: Label['prefix'] = rng.chance(0.9) ? 'global' : rng.pick(['my', 'team'] as const);
    const label = store.label(prefix, rng.pick(LABELS));
    if (!doc.labels.includes(label.id)) doc.labels.push(label.id);
  }
  const at = doc.versions.at(-1)!.createdAt;
  if (rng.chance(0.3))
    doc.properties.push(
      property(ctx, 'content-appearance-published', rng.pick(['full-width', 'fixed-width']), at),
    );
  if (rng.chance(0.15)) {
    doc.properties.push(
      property(
        ctx,
        `stepvault.test.${rng.int(1, 9)}`,
        { owner: words(rng, 1), score: rng.int(0, 100), tags: [words(rng, 1)] },
        at,
      ),
    );
  }
  if (doc.kind === 'page' && doc.parentId !== undefined) {
    if (rng.chance(ctx.options.hiddenFraction)) {
      doc.restrictions.read.users = [rng.pick(ctx.users).accountId];
      ctx.summary.hidden.push(doc.id);
    } else if (rng.chance(ctx.options.restrictedFraction)) {
      const team = [...store.groups.values()].filter(
        (g) => !g.name.startsWith('confluence') && g.name !== 'site-admins',
      );
      if (rng.chance(0.5)) {
        doc.restrictions.read = {
          users: [ADMIN_ACCOUNT_ID, rng.pick(ctx.users).accountId],
          groups: [rng.pick(team).id],
        };
      }
      doc.restrictions.update = {
        users: [ADMIN_ACCOUNT_ID],
        groups: rng.chance(0.5) ? [rng.pick(team).id] : [],
      };
    }
  }
}

function commentVersions(ctx: GenContext, at: number, authorId: string): CommentVersion[] {
  const { rng } = ctx;
  const body = (): string =>
    rng.chance(0.2)
      ? `<p>${sentence(rng)} <ac:link><ri:user ri:account-id="${rng.pick(ctx.users).accountId}" /></ac:link></p>`
      : `<p>${sentence(rng)}</p>`;
  const out: CommentVersion[] = [
    { number: 1, createdAt: at, authorId, message: '', minorEdit: false, body: body() },
  ];
  if (rng.chance(0.1))
    out.push({ number: 2, createdAt: at + 60_000, authorId, message: '', minorEdit: false, body: body() });
  return out;
}

function comment(
  ctx: GenContext,
  kind: Comment['kind'],
  containerId: string,
  at: number,
  parent?: Comment,
): Comment {
  const authorId = ctx.rng.pick(ctx.users).accountId;
  const c: Comment = {
    id: ctx.store.newId(),
    kind,
    containerId,
    status: 'current',
    createdAt: at,
    versions: commentVersions(ctx, at, authorId),
    properties: [],
  };
  if (parent) c.parentCommentId = parent.id;
  if (kind === 'inline') c.resolutionStatus = ctx.rng.pick(['open', 'open', 'resolved', 'reopened'] as const);
  ctx.store.addComment(c);
  ctx.summary.comments++;
  return c;
}

function addComments(ctx: GenContext, doc: Content, markers: Marker[]): void {
  const { rng } = ctx;
  const at = doc.versions.at(-1)!.createdAt + 3_600_000;
  const footer = rng.chance(0.5) ? rng.int(1, 3) : 0;
  for (let i = 0; i < footer; i++) {
    const top = comment(ctx, 'footer', doc.id, at + i * 1000);
    if (rng.chance(0.3)) comment(ctx, 'footer', doc.id, at + i * 1000 + 500, top);
  }
  for (const marker of markers) {
    const top = comment(ctx, 'inline', doc.id, at + 10_000);
    top.inline = { markerRef: marker.ref, originalSelection: marker.text };
    if (rng.chance(0.4)) comment(ctx, 'inline', doc.id, at + 20_000, top);
  }
  for (const att of ctx.store.attachmentsOf(doc.id))
    if (rng.chance(0.02)) comment(ctx, 'footer', att.id, at + 30_000);
}

function assignStatus(ctx: GenContext, doc: Content): void {
  const { rng, store, summary } = ctx;
  const space = store.spaces.get(doc.spaceId)!;
  if (doc.id === space.homepageId) return;
  const leaf = store.childrenOf(doc.spaceId, doc.id).length === 0;
  const roll = rng.next();
  if (roll < 0.02 && leaf) {
    doc.statusBeforeTrash = 'current';
    doc.status = 'trashed';
    summary.trashed.push(doc.id);
  } else if (roll < 0.04 && doc.kind === 'page') {
    doc.status = 'archived';
    summary.archived.push(doc.id);
  } else if (roll < 0.05 && leaf && doc.kind === 'page' && store.commentsOf(doc.id).length === 0) {
    doc.status = 'draft';
    doc.versions = [{ ...doc.versions.at(-1)!, number: 1 }];
    summary.drafts.push(doc.id);
  } else if (roll < 0.07 && doc.status === 'current') {
    const latest = doc.versions.at(-1)!;
    const body =
      latest.body.kind === 'recipe'
        ? { ...latest.body, recipe: { ...latest.body.recipe, seed: rng.uint32(), markers: [] } }
        : latest.body;
    doc.draft = { ...latest, createdAt: latest.createdAt + 1000, body };
  }
}
