// Writes over HTTP, as a restore makes them: spaces with a homepage, pages under parents with version checks
// (stale version = 409), unique titles, moves and reordering without new versions, labels and properties
// without new versions, trash/restore/purge, attachments uploaded (multipart, XSRF header) and downloaded
// byte for byte through the media redirect, comments, inline comments anchored on text, restrictions.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call } from './sim-client.test-helper.ts';
import { type ConfluenceSim, startConfluenceSim } from './simulator.ts';

let sim: ConfluenceSim;
let spaceId: string;
let homeId: string;

before(async () => {
  sim = await startConfluenceSim({ siteName: 'writes' });
  sim.seedDirectory(41, 5);
  const space = await call(sim, 'POST', '/wiki/rest/api/space', {
    body: { key: 'RST', name: 'Restore target' },
  });
  assert.equal(space.status, 200);
  spaceId = String(space.json.id);
  homeId = sim.store.spaces.get(spaceId)!.homepageId!;
});

after(async () => {
  await sim.close();
});

const storage = (value: string) => ({ representation: 'storage', value });

async function createPage(title: string, parentId?: string): Promise<{ id: string }> {
  const reply = await call(sim, 'POST', '/wiki/api/v2/pages', {
    body: { spaceId, title, ...(parentId ? { parentId } : {}), body: storage(`<p>${title} text</p>`) },
  });
  assert.equal(reply.status, 200, reply.text);
  return reply.json;
}

test('a new space has a homepage; pages default under it; root-level pages have no parent', async () => {
  const page = await call(sim, 'GET', `/wiki/api/v2/pages/${(await createPage('Under home')).id}`);
  assert.equal(page.json.parentId, homeId);
  const root = await call(sim, 'POST', '/wiki/api/v2/pages?root-level=true', {
    body: { spaceId, title: 'At the root', body: storage('<p>r</p>') },
  });
  assert.equal(root.status, 200);
  assert.equal(root.json.parentId, undefined);
});

test('updates need the current version + 1; a stale version is a 409', async () => {
  const { id } = await createPage('Versioned');
  const update = (number: number, value: string) =>
    call(sim, 'PUT', `/wiki/api/v2/pages/${id}`, {
      body: {
        id,
        status: 'current',
        title: 'Versioned',
        body: storage(value),
        version: { number, message: 'm' },
      },
    });
  assert.equal((await update(2, '<p>two</p>')).status, 200);
  const stale = await update(2, '<p>again two</p>');
  assert.equal(stale.status, 409);
  assert.equal((await update(3, '<p>three</p>')).status, 200);
  const old = await call(sim, 'GET', `/wiki/api/v2/pages/${id}?version=2&body-format=storage`);
  assert.equal(old.json.body.storage.value, '<p>two</p>');
  const history = await call(sim, 'GET', `/wiki/api/v2/pages/${id}/versions`);
  assert.deepEqual(
    history.json.results.map((v: { number: number }) => v.number),
    [3, 2, 1],
  );
  const restored = await call(sim, 'POST', `/wiki/rest/api/content/${id}/version`, {
    body: { operationKey: 'restore', params: { versionNumber: 1, message: 'back' } },
  });
  assert.equal(restored.json.number, 4);
  const now = await call(sim, 'GET', `/wiki/api/v2/pages/${id}?body-format=storage`);
  assert.equal(now.json.body.storage.value, '<p>Versioned text</p>');
});

test('page titles are unique per space', async () => {
  await createPage('Only once');
  const again = await call(sim, 'POST', '/wiki/api/v2/pages', {
    body: { spaceId, title: 'only ONCE', body: storage('<p>x</p>') },
  });
  assert.equal(again.status, 400);
});

test('a body written as ADF is read back as ADF exactly and as storage converted', async () => {
  const adf = {
    type: 'doc',
    version: 1,
    content: [{ type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Hi & bye' }] }],
  };
  const created = await call(sim, 'POST', '/wiki/api/v2/pages', {
    body: {
      spaceId,
      title: 'ADF page',
      body: { representation: 'atlas_doc_format', value: JSON.stringify(adf) },
    },
  });
  const asAdf = await call(sim, 'GET', `/wiki/api/v2/pages/${created.json.id}?body-format=atlas_doc_format`);
  assert.deepEqual(JSON.parse(asAdf.json.body.atlas_doc_format.value), adf);
  const asStorage = await call(sim, 'GET', `/wiki/api/v2/pages/${created.json.id}?body-format=storage`);
  assert.equal(asStorage.json.body.storage.value, '<h2>Hi &amp; bye</h2>');
});

test('moves and reordering change parent and position but not the version', async () => {
  const parent = await createPage('Parent');
  const a = await createPage('Child A', parent.id);
  const b = await createPage('Child B', parent.id);
  const c = await createPage('Child C', parent.id);
  assert.equal((await call(sim, 'PUT', `/wiki/rest/api/content/${c.id}/move/before/${a.id}`)).status, 200);
  const order = await call(sim, 'GET', `/wiki/api/v2/pages/${parent.id}/direct-children`);
  assert.deepEqual(
    order.json.results.map((x: { id: string }) => x.id),
    [c.id, a.id, b.id],
  );
  assert.equal(
    (await call(sim, 'PUT', `/wiki/rest/api/content/${parent.id}/move/append/${c.id}`)).status,
    400,
    'a loop',
  );
  assert.equal((await call(sim, 'PUT', `/wiki/rest/api/content/${b.id}/move/append/${homeId}`)).status, 200);
  const moved = await call(sim, 'GET', `/wiki/api/v2/pages/${b.id}`);
  assert.equal(moved.json.parentId, homeId);
  assert.equal(moved.json.version.number, 1);
});

test('labels and properties do not bump the page version; properties have their own', async () => {
  const { id } = await createPage('Labelled');
  assert.equal(
    (
      await call(sim, 'POST', `/wiki/rest/api/content/${id}/label`, {
        body: [
          { prefix: 'global', name: 'restored' },
          { prefix: 'global', name: 'ドキュメント' },
        ],
      })
    ).status,
    200,
  );
  assert.equal(
    (
      await call(sim, 'POST', `/wiki/rest/api/content/${id}/label`, {
        body: [{ prefix: 'global', name: 'bad label' }],
      })
    ).status,
    400,
  );
  const prop = await call(sim, 'POST', `/wiki/api/v2/pages/${id}/properties`, {
    body: { key: 'k', value: { nested: [1, 'two'] } },
  });
  assert.equal(
    (await call(sim, 'POST', `/wiki/api/v2/pages/${id}/properties`, { body: { key: 'k', value: 1 } })).status,
    409,
  );
  assert.equal(
    (
      await call(sim, 'PUT', `/wiki/api/v2/pages/${id}/properties/${prop.json.id}`, {
        body: { key: 'k', value: 2, version: { number: 1 } },
      })
    ).status,
    409,
  );
  const page = await call(sim, 'GET', `/wiki/api/v2/pages/${id}?include-labels=true&include-properties=true`);
  assert.equal(page.json.version.number, 1);
  assert.deepEqual(
    page.json.labels.results.map((l: { name: string }) => l.name).sort(),
    ['restored', 'ドキュメント'].sort(),
  );
  assert.deepEqual(page.json.properties.results[0].value, { nested: [1, 'two'] });
});

test('trash, restore from trash with a PUT, purge', async () => {
  const { id } = await createPage('Trash me');
  assert.equal(
    (await call(sim, 'DELETE', `/wiki/api/v2/pages/${id}?purge=true`)).status,
    400,
    'purge needs the trash first',
  );
  assert.equal((await call(sim, 'DELETE', `/wiki/api/v2/pages/${id}`)).status, 204);
  assert.equal((await call(sim, 'GET', `/wiki/api/v2/pages/${id}`)).status, 404);
  const trashed = await call(sim, 'GET', `/wiki/api/v2/pages?space-id=${spaceId}&status=trashed`);
  assert.deepEqual(
    trashed.json.results.map((p: { id: string }) => p.id),
    [id],
  );
  const restore = await call(sim, 'PUT', `/wiki/api/v2/pages/${id}`, {
    body: {
      id,
      status: 'current',
      title: 'Trash me',
      body: storage('<p>ignored</p>'),
      version: { number: 2 },
    },
  });
  assert.equal(restore.status, 200);
  assert.equal((await call(sim, 'GET', `/wiki/api/v2/pages/${id}`)).json.status, 'current');
  await call(sim, 'DELETE', `/wiki/api/v2/pages/${id}`);
  assert.equal((await call(sim, 'DELETE', `/wiki/api/v2/pages/${id}?purge=true`)).status, 204);
  assert.equal(sim.store.contents.has(id), false);
});

test('attachments: multipart upload with the XSRF header, new versions, byte-exact download via the media host', async () => {
  const { id } = await createPage('With files');
  const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
  const form = () => {
    const f = new FormData();
    f.append('file', new Blob([bytes], { type: 'application/octet-stream' }), 'data ünï.bin');
    f.append('comment', 'first upload');
    f.append('minorEdit', 'true');
    return f;
  };
  assert.equal(
    (await call(sim, 'POST', `/wiki/rest/api/content/${id}/child/attachment`, { form: form() })).status,
    403,
    'no XSRF header',
  );
  const up = await call(sim, 'POST', `/wiki/rest/api/content/${id}/child/attachment`, {
    form: form(),
    headers: { 'x-atlassian-token': 'no-check' },
  });
  assert.equal(up.status, 200, up.text);
  const attId = up.json.results[0].id as string;
  assert.equal(
    (
      await call(sim, 'POST', `/wiki/rest/api/content/${id}/child/attachment`, {
        form: form(),
        headers: { 'x-atlassian-token': 'nocheck' },
      })
    ).status,
    400,
    'same name',
  );
  const v2 = await call(sim, 'PUT', `/wiki/rest/api/content/${id}/child/attachment`, {
    form: form(),
    headers: { 'x-atlassian-token': 'nocheck' },
  });
  assert.equal(v2.json.results[0].id, attId);
  const meta = await call(sim, 'GET', `/wiki/api/v2/attachments/${attId}`);
  assert.equal(meta.json.version.number, 2);
  assert.equal(meta.json.fileSize, bytes.length);
  assert.equal(meta.json.comment, 'first upload');
  const redirect = await call(
    sim,
    'GET',
    `/wiki/rest/api/content/${id}/child/attachment/${attId}/download?version=1`,
  );
  assert.equal(redirect.status, 302);
  const location = redirect.headers.get('location')!;
  assert.ok(location.startsWith(sim.mediaOrigin));
  const media = await fetch(location);
  assert.deepEqual(Buffer.from(await media.arrayBuffer()), bytes);
  assert.equal(
    (await call(sim, 'GET', `/wiki/rest/api/content/${id}/child/attachment/${attId}/download?version=3`))
      .status,
    400,
  );
  const legacy = await call(sim, 'GET', meta.json.downloadLink.replace(/^\//, '/wiki/'));
  assert.equal(legacy.status, 401, 'the legacy servlet refuses API tokens');
});

test('footer comments with replies; inline comments need their text on the page', async () => {
  const { id } = await createPage('Discussed');
  const top = await call(sim, 'POST', '/wiki/api/v2/footer-comments', {
    body: { pageId: id, body: storage('<p>first</p>') },
  });
  assert.equal(top.status, 201);
  const reply = await call(sim, 'POST', '/wiki/api/v2/footer-comments', {
    body: { parentCommentId: top.json.id, body: storage('<p>reply</p>') },
  });
  assert.equal(reply.json.parentCommentId, top.json.id);
  const children = await call(sim, 'GET', `/wiki/api/v2/footer-comments/${top.json.id}/children`);
  assert.deepEqual(
    children.json.results.map((c: { id: string }) => c.id),
    [reply.json.id],
  );
  const missing = await call(sim, 'POST', '/wiki/api/v2/inline-comments', {
    body: {
      pageId: id,
      body: storage('<p>i</p>'),
      inlineCommentProperties: {
        textSelection: 'not there',
        textSelectionMatchCount: 1,
        textSelectionMatchIndex: 0,
      },
    },
  });
  assert.equal(missing.status, 400);
  const inline = await call(sim, 'POST', '/wiki/api/v2/inline-comments', {
    body: {
      pageId: id,
      body: storage('<p>i</p>'),
      inlineCommentProperties: {
        textSelection: 'text',
        textSelectionMatchCount: 1,
        textSelectionMatchIndex: 0,
      },
    },
  });
  assert.equal(inline.status, 201, inline.text);
  assert.equal(inline.json.properties.inlineOriginalSelection, 'text');
  const page = await call(sim, 'GET', `/wiki/api/v2/pages/${id}?body-format=storage`);
  assert.match(
    page.json.body.storage.value,
    new RegExp(
      `<ac:inline-comment-marker ac:ref="${inline.json.properties.inlineMarkerRef}">text</ac:inline-comment-marker>`,
    ),
  );
  assert.equal(page.json.version.number, 1);
});

test('restrictions name existing users and groups only, and read restrictions hide pages from others', async () => {
  const { id } = await createPage('Restricted');
  const admin = sim.store.users.values().next().value!;
  const other = [...sim.store.users.values()].find((u) => !u.siteAdmin)!;
  const unknown = await call(sim, 'PUT', `/wiki/rest/api/content/${id}/restriction`, {
    body: [{ operation: 'read', restrictions: { user: [{ type: 'known', accountId: 'no-such-user' }] } }],
  });
  assert.equal(unknown.status, 400);
  const group = sim.store.groupByName('site-admins')!;
  const set = await call(sim, 'PUT', `/wiki/rest/api/content/${id}/restriction`, {
    body: [
      {
        operation: 'read',
        restrictions: {
          user: [{ type: 'known', accountId: admin.accountId }],
          group: [{ type: 'group', id: group.id }],
        },
      },
    ],
  });
  assert.equal(set.status, 200);
  const byOp = await call(sim, 'GET', `/wiki/rest/api/content/${id}/restriction/byOperation/read`);
  assert.deepEqual(
    byOp.json.restrictions.user.results.map((u: { accountId: string }) => u.accountId),
    [admin.accountId],
  );
  assert.deepEqual(
    byOp.json.restrictions.group.results.map((g: { id: string }) => g.id),
    [group.id],
  );
  sim.store.addCredential({ kind: 'classic', secret: 'other', accountId: other.accountId, canWrite: true });
  const asOther = await call(sim, 'GET', `/wiki/api/v2/pages/${id}`, {
    headers: { authorization: `Basic ${Buffer.from(`${other.email}:other`).toString('base64')}` },
  });
  assert.equal(asOther.status, 404);
});
