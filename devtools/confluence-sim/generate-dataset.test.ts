// The dataset generator: the same seed gives the same site (ids, titles, bodies, bytes) on a fresh store,
// counts follow the options, and the content is consistent: unique titles, bounded depth, well-formed
// bodies whose links, images and inline comment markers point at things that exist.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../src/common/clock.ts';
import { adfOf, storageOf } from './bodies.ts';
import { seedBuiltins } from './directory.ts';
import { type DatasetOptions, generateDataset } from './generate-dataset.ts';
import { describeSite } from './site-description.ts';
import { SimStore } from './store.ts';

function fresh(): SimStore {
  const store = new SimStore({
    clock: new ManualClock(Date.UTC(2026, 5, 1)),
    siteName: 'gen',
    idBase: 1000,
    cloudId: 'c',
  });
  seedBuiltins(store);
  return store;
}

function fingerprint(store: SimStore): string {
  const contents = [...store.contents.values()].map((c) => [
    c.id,
    c.kind,
    c.status,
    c.parentId,
    c.position,
    c.versions.map((v) => [v.number, v.createdAt, v.title, storageOf(v.body)]),
  ]);
  const attachments = [...store.attachments.values()].map((a) => [
    a.id,
    a.containerId,
    a.versions.map((v) => [v.title, v.fileId]),
  ]);
  const comments = [...store.comments.values()].map((c) => [
    c.id,
    c.containerId,
    c.parentCommentId,
    c.versions.map((v) => v.body),
  ]);
  return JSON.stringify({ contents, attachments, comments, site: describeSite(store) });
}

/** Tags of a storage body balance (CDATA and self-closing tags aside). */
function wellFormed(storage: string): boolean {
  const stack: string[] = [];
  for (const m of storage.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '').matchAll(/<(\/?)([\w:-]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]!);
  }
  return stack.length === 0;
}

test('the same seed gives the same site; another seed gives another', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 5, max: 40 }), (seed, pages) => {
      const options: DatasetOptions = { seed, pages, attachments: Math.ceil(pages / 3), spaces: 2 };
      const a = fresh();
      const b = fresh();
      generateDataset(a, options);
      generateDataset(b, options);
      assert.equal(fingerprint(a), fingerprint(b));
      const c = fresh();
      generateDataset(c, { ...options, seed: seed + 1 });
      assert.notEqual(fingerprint(a), fingerprint(c));
    }),
    { numRuns: 8 },
  );
});

test('counts follow the options, with every status and an archived space', () => {
  const store = fresh();
  const summary = generateDataset(store, {
    seed: 5,
    pages: 600,
    attachments: 150,
    blogPosts: 30,
    spaces: 4,
    treeItems: 10,
  });
  const all = [...store.contents.values()];
  assert.equal(all.filter((c) => c.kind === 'page').length, 600);
  assert.equal(all.filter((c) => c.kind === 'blogpost').length, 30);
  assert.equal(store.attachments.size, 150);
  assert.equal(summary.treeItems, all.filter((c) => !['page', 'blogpost'].includes(c.kind)).length);
  for (const kind of ['folder', 'whiteboard', 'database', 'embed'])
    assert.ok(
      all.some((c) => c.kind === kind),
      kind,
    );
  for (const status of ['current', 'archived', 'trashed', 'draft'])
    assert.ok(
      all.some((c) => c.status === status),
      status,
    );
  assert.ok(
    all.some((c) => c.draft !== undefined),
    'a published page with a pending draft',
  );
  assert.ok(
    all.some((c) => c.versions.length >= 3),
    'history',
  );
  assert.ok([...store.spaces.values()].some((s) => s.status === 'archived'));
  assert.ok(
    all.some((c) => c.restrictions.read.users.length > 0) &&
      all.some((c) => c.restrictions.update.users.length > 0),
  );
  assert.ok([...store.comments.values()].some((c) => c.parentCommentId !== undefined && c.kind === 'footer'));
  assert.ok([...store.comments.values()].some((c) => c.kind === 'inline' && c.inline !== undefined));
  assert.ok([...store.attachments.values()].some((a) => a.versions.length > 1));
  const sizes = [...store.attachments.values()].map((a) => summaryBytes(a.versions.at(-1)!.bytes));
  assert.ok(
    Math.min(...sizes) < 1024 && Math.max(...sizes) > 256 * 1024,
    'sizes from bytes to hundreds of KiB',
  );
});

function summaryBytes(source: { kind: string; size?: number; bytes?: Buffer }): number {
  return source.size ?? source.bytes?.length ?? 0;
}

test('generated content is consistent: titles, depth, bodies, links, images and markers', () => {
  const store = fresh();
  generateDataset(store, { seed: 9, pages: 400, attachments: 120, maxDepth: 6, spaces: 3 });
  const byTitle = new Map<string, string>();
  for (const c of store.contents.values()) {
    if (c.kind !== 'page' || (c.status !== 'current' && c.status !== 'archived')) continue;
    const key = `${c.spaceId}:${c.versions.at(-1)!.title.toLowerCase()}`;
    assert.ok(!byTitle.has(key), `duplicate title ${key}`);
    byTitle.set(key, c.id);
    assert.ok(store.ancestorsOf(c).length <= 6, `page ${c.id} too deep`);
  }
  const titles = new Set([...store.contents.values()].map((c) => c.versions.at(-1)!.title));
  for (const c of store.contents.values()) {
    if (c.kind !== 'page' && c.kind !== 'blogpost') continue;
    for (const v of c.versions) {
      const storage = storageOf(v.body);
      assert.ok(wellFormed(storage), `body of ${c.id} v${v.number} is not well-formed`);
      assert.equal(JSON.parse(adfOf(v.body)).type, 'doc');
      const names = new Set(store.attachmentsOf(c.id).map((a) => a.versions.at(-1)!.title));
      for (const m of storage.matchAll(/ri:filename="([^"]*)"/g))
        assert.ok(names.has(m[1]!.replaceAll('&amp;', '&')), `missing attachment ${m[1]} on ${c.id}`);
      for (const m of storage.matchAll(/ri:content-title="([^"]*)"/g)) {
        const title = m[1]!
          .replaceAll('&quot;', '"')
          .replaceAll('&#39;', "'")
          .replaceAll('&lt;', '<')
          .replaceAll('&gt;', '>')
          .replaceAll('&amp;', '&');
        assert.ok(titles.has(title), `link to unknown title ${title}`);
      }
      for (const m of storage.matchAll(/\/pages\/(\d+)/g))
        assert.ok(store.contents.has(m[1]!), `link to unknown page ${m[1]}`);
    }
  }
  for (const comment of store.comments.values()) {
    if (!comment.inline) continue;
    const page = store.contents.get(comment.containerId)!;
    const storage = storageOf(page.versions.at(-1)!.body);
    assert.ok(
      storage.includes(`ac:ref="${comment.inline.markerRef}">${comment.inline.originalSelection}<`),
      `marker of ${comment.id}`,
    );
  }
});

test('a benchmark-sized site (10,000 pages, 3,000 attachments) is generated lazily', () => {
  const store = fresh();
  const summary = generateDataset(store, { seed: 1, pages: 10_000, attachments: 3_000, spaces: 5 });
  assert.equal(summary.pages, 10_000);
  assert.equal(store.attachments.size, 3_000);
  const versions = [...store.attachments.values()].flatMap((a) => a.versions);
  const stored = versions.filter((v) => v.bytes.kind === 'stored');
  assert.ok(
    stored.every((v) => v.mediaType === 'image/png'),
    'only small images hold bytes',
  );
  const held = stored.reduce((n, v) => n + summaryBytes(v.bytes), 0);
  assert.ok(summary.attachmentBytes > 20 * held, `${summary.attachmentBytes} bytes described, ${held} held`);
  const bodies = [...store.contents.values()]
    .flatMap((c) => c.versions)
    .filter((v) => v.body.kind !== 'recipe' && v.body.kind !== 'empty');
  assert.equal(bodies.length, 0, 'generated bodies are recipes, rendered on demand');
});
