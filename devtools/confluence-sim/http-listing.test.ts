// Listings over HTTP: cursor pages carry the next URL in `_links.next` and in the Link header, a full walk
// sees every readable item once, limits and cursors are checked, gateway listings link relative to /wiki, and a
// walk with edits in between behaves as keyset pagination should (new versions show up again, nothing breaks).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, collect } from './sim-client.test-helper.ts';
import { type ConfluenceSim, startConfluenceSim } from './simulator.ts';

let sim: ConfluenceSim;

before(async () => {
  sim = await startConfluenceSim({ siteName: 'listing' });
  sim.generate({ seed: 31, pages: 300, attachments: 60, spaces: 3 });
});

after(async () => {
  await sim.close();
});

function currentPages(): string[] {
  return [...sim.store.contents.values()]
    .filter((c) => c.kind === 'page' && (c.status === 'current' || c.status === 'archived'))
    .map((c) => c.id);
}

test('the next URL is in the body and in the Link header, and the walk sees every page once', async () => {
  const first = await call(sim, 'GET', '/wiki/api/v2/pages?limit=7&sort=title');
  assert.equal(first.status, 200);
  const next = first.json._links.next as string;
  assert.match(next, /^\/wiki\/api\/v2\/pages\?limit=7&sort=title&cursor=/);
  assert.equal(first.headers.get('link'), `<${next}>; rel="next", <${sim.siteUrl}/wiki>; rel="base"`);
  assert.equal(first.json._links.base, `${sim.siteUrl}/wiki`);
  const all = await collect(sim, '/wiki/api/v2/pages?limit=250');
  const ids = all.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), currentPages().sort());
  const last = await call(
    sim,
    'GET',
    `/wiki/api/v2/pages?limit=250&sort=-id&cursor=${encodeURIComponent(sim.store.contents.size.toString())}`,
  );
  assert.equal(last.status, 400, 'a cursor we did not issue');
});

test('limits are 1 to 250; the attachments default is 50', async () => {
  assert.equal((await call(sim, 'GET', '/wiki/api/v2/pages?limit=251')).status, 400);
  assert.equal((await call(sim, 'GET', '/wiki/api/v2/pages?limit=0')).status, 400);
  assert.equal((await call(sim, 'GET', '/wiki/api/v2/pages')).json.results.length, 25);
  assert.equal((await call(sim, 'GET', '/wiki/api/v2/attachments')).json.results.length, 50);
});

test('a cursor is bound to its sort', async () => {
  const first = await call(sim, 'GET', '/wiki/api/v2/pages?limit=5&sort=id');
  const cursor = new URL(first.json._links.next, sim.siteUrl).searchParams.get('cursor')!;
  const other = await call(
    sim,
    'GET',
    `/wiki/api/v2/pages?limit=5&sort=-id&cursor=${encodeURIComponent(cursor)}`,
  );
  assert.equal(other.status, 400);
});

test('sorting by -modified-date lists the newest first', async () => {
  const pages = await collect(sim, '/wiki/api/v2/pages?limit=250&sort=-modified-date');
  const times = pages.map((p) => Date.parse(p.version.createdAt));
  assert.deepEqual(
    times,
    [...times].sort((a, b) => b - a),
  );
});

test('listings through the gateway link relative to /wiki, like the site', async () => {
  const reply = await call(sim, 'GET', '/wiki/api/v2/spaces?limit=1', { auth: 'gateway' });
  assert.equal(reply.status, 200);
  assert.match(reply.json._links.next, /^\/wiki\/api\/v2\/spaces\?/);
  const second = await call(sim, 'GET', reply.json._links.next, { auth: 'gateway' });
  assert.equal(second.status, 200);
  assert.notEqual(second.json.results[0].id, reply.json.results[0].id);
});

test('edits during a walk: an edited page shows up again with its new version, deleted pages vanish', async () => {
  const walked: { id: string; version: number }[] = [];
  let next: string | undefined = '/wiki/api/v2/pages?limit=20&sort=modified-date';
  let round = 0;
  const edited: string[] = [];
  let purged = '';
  while (next) {
    const reply = await call(sim, 'GET', next);
    assert.equal(reply.status, 200);
    walked.push(
      ...reply.json.results.map((p: { id: string; version: { number: number } }) => ({
        id: p.id,
        version: p.version.number,
      })),
    );
    next = reply.json._links.next;
    if (round++ === 2) {
      const seenId = walked[0]!.id;
      sim.edits.editPage(seenId);
      edited.push(seenId);
      const seen = new Set(walked.map((w) => w.id));
      purged = currentPages().find(
        (id) => !seen.has(id) && sim.store.spaces.get(sim.store.contents.get(id)!.spaceId)!.homepageId !== id,
      )!;
      sim.edits.purgePage(purged);
    }
  }
  const versions = walked.filter((w) => w.id === edited[0]);
  assert.equal(versions.length, 2, 'seen before and after the edit');
  assert.notEqual(versions[0]!.version, versions[1]!.version);
  assert.ok(!walked.some((w) => w.id === purged), 'a page purged before the walk reached it never shows up');
  const keys = walked.map((w) => `${w.id}@${w.version}`);
  assert.equal(new Set(keys).size, keys.length, 'no (id, version) twice');
});

test('descendants come top-down with depth; direct children in position order', async () => {
  const space = [...sim.store.spaces.values()][0]!;
  const home = space.homepageId!;
  const descendants = await collect(sim, `/wiki/api/v2/pages/${home}/descendants?depth=3&limit=50`);
  const depths = descendants.map((d) => d.depth);
  assert.deepEqual(
    depths,
    [...depths].sort((a, b) => a - b),
  );
  assert.ok(Math.max(...depths) <= 3);
  const children = await collect(sim, `/wiki/api/v2/pages/${home}/direct-children?limit=5`);
  const positions = children.map((c) => c.childPosition);
  assert.deepEqual(
    positions,
    [...positions].sort((a, b) => a - b),
  );
  assert.deepEqual(
    children.map((c) => c.id),
    sim.store
      .childrenOf(space.id, home)
      .filter((c) => c.status === 'current' || c.status === 'archived')
      .map((c) => c.id),
  );
});

test('CQL search pages with a cursor in _links.next relative to /wiki', async () => {
  const cql = encodeURIComponent('type = page and space = ENG order by created desc');
  const first = await call(sim, 'GET', `/wiki/rest/api/content/search?cql=${cql}&limit=10`);
  assert.equal(first.status, 200);
  assert.equal(first.json.results.length, 10);
  assert.match(first.json._links.next, /^\/rest\/api\/content\/search\?/);
  const all = await collect(sim, `/wiki/rest/api/content/search?cql=${cql}&limit=50`);
  assert.ok(all.length > 10);
  assert.ok(all.every((r) => r.type === 'page'));
  assert.equal(
    (await call(sim, 'GET', `/wiki/rest/api/content/search?cql=${encodeURIComponent('type = = page')}`))
      .status,
    400,
  );
  const unknown = await call(
    sim,
    'GET',
    `/wiki/rest/api/content/search?cql=${encodeURIComponent('space = ENG and type in (page, whitebored)')}`,
  );
  assert.equal(unknown.status, 400);
  assert.match(unknown.text, /Unknown content type whitebored/);
});

test('a site started without some content types refuses a CQL search naming one with 400', async () => {
  const bare = await startConfluenceSim({ siteName: 'bare', cqlTypes: ['page', 'blogpost', 'folder'] });
  try {
    const path = (cql: string) => `/wiki/rest/api/content/search?cql=${encodeURIComponent(cql)}`;
    assert.equal((await call(bare, 'GET', path('type in (page, folder)'))).status, 200);
    assert.equal((await call(bare, 'GET', path('type in (folder, database)'))).status, 400);
  } finally {
    await bare.close();
  }
});
