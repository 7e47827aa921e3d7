// The simulator supports a faithful restore: a small copier reads one generated space through the REST API
// (as a backup would) and writes it into an empty simulator (as a restore would: new ids, links rewritten,
// attachments re-uploaded), and the two sites' canonical descriptions match for what Cloud lets a restore
// preserve. It is a check of the simulator's read and write paths, not a backup client.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, collect, type Json } from './sim-client.test-helper.ts';
import { type ConfluenceSim, startConfluenceSim } from './simulator.ts';
import type { ItemDescription } from './site-description.ts';

const SEED = 61;
let source: ConfluenceSim;
let target: ConfluenceSim;

before(async () => {
  source = await startConfluenceSim({ siteName: 'source' });
  target = await startConfluenceSim({ siteName: 'target' });
  source.generate({
    seed: SEED,
    pages: 70,
    attachments: 25,
    spaces: 2,
    archivedSpaces: 0,
    treeItems: 0,
    blogPosts: 3,
  });
  target.seedDirectory(SEED, 12);
});

after(async () => {
  await Promise.all([source.close(), target.close()]);
});

const storage = (value: string) => ({ representation: 'storage', value });
const unwrapMarkers = (body: string) =>
  body.replace(/<ac:inline-comment-marker[^>]*>([\s\S]*?)<\/ac:inline-comment-marker>/g, '$1');

async function ok(reply: Promise<{ status: number; text: string; json: Json }>): Promise<Json> {
  const r = await reply;
  assert.ok(r.status < 300, r.text.slice(0, 300));
  return r.json;
}

async function download(sim: ConfluenceSim, containerId: string, attId: string): Promise<Buffer> {
  const redirect = await call(
    sim,
    'GET',
    `/wiki/rest/api/content/${containerId}/child/attachment/${attId}/download`,
  );
  assert.equal(redirect.status, 302);
  return Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer());
}

/** Copies what a restore of one page or blog post carries, after the item exists in the target as `newId`. */
async function copyDetails(
  oldId: string,
  newId: string,
  kind: 'pages' | 'blogposts',
  ids: Map<string, string>,
  title: string,
): Promise<void> {
  const P = '/wiki/api/v2';
  const src = await ok(call(source, 'GET', `${P}/${kind}/${oldId}?body-format=storage`));
  const body = unwrapMarkers(src.body.storage.value as string).replace(
    /\/pages\/(\d+)/g,
    (whole, id: string) => (ids.has(id) ? `/pages/${ids.get(id)}` : whole),
  );
  const current = await ok(call(target, 'GET', `${P}/${kind}/${newId}`));
  await ok(
    call(target, 'PUT', `${P}/${kind}/${newId}`, {
      body: {
        id: newId,
        status: 'current',
        title,
        body: storage(body.replaceAll('https://source.atlassian.net', 'https://target.atlassian.net')),
        version: { number: current.version.number + 1 },
      },
    }),
  );
  for (const label of await collect(source, `${P}/${kind}/${oldId}/labels?limit=250`)) {
    await ok(
      call(target, 'POST', `/wiki/rest/api/content/${newId}/label`, {
        body: [{ prefix: label.prefix, name: label.name }],
      }),
    );
  }
  for (const prop of await collect(source, `${P}/${kind}/${oldId}/properties?limit=250`)) {
    await ok(
      call(target, 'POST', `${P}/${kind}/${newId}/properties`, {
        body: { key: prop.key, value: prop.value },
      }),
    );
  }
  for (const att of await collect(source, `${P}/${kind}/${oldId}/attachments?limit=250`)) {
    const bytes = await download(source, oldId, att.id);
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: att.mediaType }), att.title);
    if (att.comment) form.append('comment', att.comment);
    const made = await ok(
      call(target, 'POST', `/wiki/rest/api/content/${newId}/child/attachment`, {
        form,
        headers: { 'x-atlassian-token': 'nocheck' },
      }),
    );
    for (const label of await collect(source, `${P}/attachments/${att.id}/labels`)) {
      await ok(
        call(target, 'POST', `/wiki/rest/api/content/${made.results[0].id}/label`, {
          body: [{ prefix: label.prefix, name: label.name }],
        }),
      );
    }
  }
  for (const comment of await collect(source, `${P}/${kind}/${oldId}/footer-comments?body-format=storage`)) {
    const top = await ok(
      call(target, 'POST', `${P}/footer-comments`, {
        body: {
          [kind === 'pages' ? 'pageId' : 'blogPostId']: newId,
          body: storage(comment.body.storage.value),
        },
      }),
    );
    for (const reply of await collect(
      source,
      `${P}/footer-comments/${comment.id}/children?body-format=storage`,
    )) {
      await ok(
        call(target, 'POST', `${P}/footer-comments`, {
          body: { parentCommentId: top.id, body: storage(reply.body.storage.value) },
        }),
      );
    }
  }
  const restrictions = await ok(call(source, 'GET', `/wiki/rest/api/content/${oldId}/restriction`));
  const write = restrictions.results
    .filter((r: Json) => r.restrictions.user.results.length + r.restrictions.group.results.length > 0)
    .map((r: Json) => ({
      operation: r.operation,
      restrictions: {
        user: r.restrictions.user.results,
        group: r.restrictions.group.results.map((g: Json) => ({ type: 'group', id: g.id })),
      },
    }));
  if (write.length > 0)
    await ok(call(target, 'PUT', `/wiki/rest/api/content/${newId}/restriction`, { body: write }));
}

/** Creates the space and its page tree (top-down, siblings in order) in the target; returns old -> new ids. */
async function copySpaceSkeleton(
  key: string,
  ids: Map<string, string>,
  titles: Map<string, string>,
): Promise<Json> {
  const P = '/wiki/api/v2';
  const space = (await ok(call(source, 'GET', `${P}/spaces?keys=${key}&description-format=plain`)))
    .results[0];
  await ok(
    call(target, 'POST', '/wiki/rest/api/space', {
      body: {
        key: space.key,
        name: space.name,
        description: { plain: { value: space.description.plain.value, representation: 'plain' } },
      },
    }),
  );
  const targetSpace = target.store.spaceByKey(space.key)!;
  for (const perm of await collect(source, `${P}/spaces/${space.id}/permissions?limit=250`)) {
    const exists = targetSpace.permissions.some(
      (p) =>
        p.principal.id === perm.principal.id &&
        p.operation.key === perm.operation.key &&
        p.operation.targetType === perm.operation.targetType,
    );
    if (!exists)
      await ok(
        call(target, 'POST', `/wiki/rest/api/space/${space.key}/permission`, {
          body: {
            subject: { type: perm.principal.type, identifier: perm.principal.id },
            operation: { key: perm.operation.key, target: perm.operation.targetType },
          },
        }),
      );
  }
  for (const prop of await collect(source, `${P}/spaces/${space.id}/properties`)) {
    await ok(
      call(target, 'POST', `${P}/spaces/${targetSpace.id}/properties`, {
        body: { key: prop.key, value: prop.value },
      }),
    );
  }
  // The new space's homepage stands for the old one.
  const pages = await collect(source, `${P}/spaces/${space.id}/pages?limit=250&sort=id`);
  ids.set(space.homepageId, targetSpace.homepageId!);
  for (const p of pages) titles.set(p.id, p.title);
  const children = (id: string) =>
    pages.filter((p) => p.parentId === id).sort((a, b) => a.position - b.position);
  let level = [
    ...children(space.homepageId),
    ...pages.filter((p) => p.parentId === undefined && p.id !== space.homepageId),
  ];
  while (level.length > 0) {
    const next: Json[] = [];
    for (const page of level) {
      const parentId = page.parentId === undefined ? undefined : ids.get(page.parentId);
      const query = parentId === undefined ? '?root-level=true' : '';
      const created = await ok(
        call(target, 'POST', `${P}/pages${query}`, {
          body: {
            spaceId: targetSpace.id,
            title: page.title,
            ...(parentId ? { parentId } : {}),
            body: storage(''),
          },
        }),
      );
      ids.set(page.id, created.id);
      next.push(...children(page.id));
    }
    level = next;
  }
  return { oldId: space.id, newId: targetSpace.id };
}

test('spaces copied through the API into an empty simulator describe the same', async () => {
  const P = '/wiki/api/v2';
  const ids = new Map<string, string>();
  const titles = new Map<string, string>();
  const keys = [...source.store.spaces.values()].map((s) => s.key);
  const spaces = [];
  for (const key of keys) spaces.push(await copySpaceSkeleton(key, ids, titles));
  for (const [oldId, newId] of ids) await copyDetails(oldId, newId, 'pages', ids, titles.get(oldId)!);
  for (const space of spaces) {
    for (const post of await collect(source, `${P}/spaces/${space.oldId}/blogposts?limit=250`)) {
      const created = await ok(
        call(target, 'POST', `${P}/blogposts`, {
          body: { spaceId: space.newId, title: post.title, body: storage(''), createdAt: post.createdAt },
        }),
      );
      await copyDetails(post.id, created.id, 'blogposts', ids, post.title);
    }
  }
  // What a restore cannot carry: archived status (restored as current) and inline comments, whose anchors
  // the copier drops from the bodies.
  const normalise = (items: ItemDescription[]): ItemDescription[] =>
    items.map((item) => ({
      ...item,
      status: item.status === 'archived' ? 'current' : item.status,
      ...(item.body !== undefined ? { body: unwrapMarkers(item.body) } : {}),
      inlineComments: [],
      children: normalise(item.children),
    }));
  const original = source.describe();
  const restored = target.describe();
  assert.equal(restored.spaces.length, original.spaces.length);
  for (const [i, want] of original.spaces.entries()) {
    const got = restored.spaces[i]!;
    assert.equal(got.key, want.key);
    assert.equal(got.name, want.name);
    assert.deepEqual(normalise(got.tree), normalise(want.tree));
    assert.deepEqual(normalise(got.blogPosts), normalise(want.blogPosts));
    assert.deepEqual(got.permissions, want.permissions);
    assert.deepEqual(got.properties, want.properties);
  }
  assert.ok(
    [...ids.values()].every((id) => !source.store.contents.has(id)),
    'the target gave new ids',
  );
});
