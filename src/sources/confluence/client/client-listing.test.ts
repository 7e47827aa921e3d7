// Lists: cursor pagination across many pages, through the gateway prefix too; a cursor cycle stops with a clear
// error; items that come twice under concurrent edits are deduplicated; and storms of 429 and 5xx answers leave
// the result of a whole walk of the site exactly as it is without them.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addPrincipals } from '../../../../devtools/confluence-sim/principals.test-helper.ts';
import { type ConfluenceSim, startConfluenceSim } from '../../../../devtools/confluence-sim/simulator.ts';
import { isStepvaultError } from '../../../common/errors.ts';
import { collect, siteClient } from './client.test-helper.ts';
import type { ConfluenceClient } from './client.ts';
import { collectNewest } from './dedupe.ts';

/** What a backup reads of a site, in a canonical form: a whole walk's result as one JSON value. */
async function walk(client: ConfluenceClient): Promise<unknown> {
  const out: unknown[] = [];
  for await (const space of client.listSpaces()) {
    const pages = await collect(client.listPagesInSpace(space.id, { bodyFormat: 'storage' }));
    const blogs = await collect(client.listBlogPostsInSpace(space.id));
    const perPage = await Promise.all(
      pages.slice(0, 12).map(async (page) => ({
        page,
        labels: await collect(client.listLabels('page', page.id)),
        properties: await collect(client.listContentProperties('page', page.id)),
        attachments: await collect(client.listAttachments('page', page.id)),
        restrictions: await client.getRestrictions(page.id),
        footer: await Promise.all(
          (await collect(client.listFooterComments('page', page.id))).map(async (c) => ({
            c,
            replies: await collect(client.listFooterCommentReplies(c.id)),
          })),
        ),
        inline: await collect(client.listInlineComments('page', page.id)),
        children: await collect(client.listDirectChildren('page', page.id)),
      })),
    );
    out.push({
      space,
      properties: await collect(client.listSpaceProperties(space.id)),
      permissions: await collect(client.listSpacePermissions(space.id)),
      labels: await collect(client.listSpaceLabels(space.id)),
      blogs,
      perPage,
    });
  }
  return out;
}

describe('ConfluenceClient lists', () => {
  let sim: ConfluenceSim;
  before(async () => {
    sim = await startConfluenceSim();
    sim.generate({ seed: 5, spaces: 3, pages: 160, attachments: 40, blogPosts: 10 });
  });
  after(() => sim.close());

  it('follows cursors across many pages and returns every page of a space once', async () => {
    const client = siteClient(sim, { pageSize: 7 });
    const [space] = await collect(client.listSpaces({ statuses: ['current'] }));
    const listed = await collect(
      client.listPagesInSpace(space!.id, { statuses: ['current', 'archived', 'trashed'] }),
    );
    const expected = [...sim.store.contentInSpace(space!.id)]
      .filter((c) => c.kind === 'page' && ['current', 'archived', 'trashed'].includes(c.status))
      .map((c) => c.id)
      .sort();
    assert.deepEqual(listed.map((p) => p.id).sort(), expected);
    assert.ok(expected.length > 21, 'more than three pages of results');
    assert.ok(
      client.stats().requests['GET /wiki/api/v2/spaces/{id}/pages']! >= Math.ceil(expected.length / 7),
    );
  });

  it('fetches many pages by id in batches, with bodies', async () => {
    const client = siteClient(sim);
    const all = await collect(client.listPages());
    const ids = all.map((p) => p.id);
    const fetched = await client.getPagesByIds([...ids, ...ids.slice(0, 5), '999999999'], {
      bodyFormat: 'storage',
    });
    assert.deepEqual(
      fetched.map((p) => p.id),
      ids,
    );
    assert.ok(fetched.every((p) => typeof p.body?.storage?.value === 'string'));
  });

  it('pages through CQL search results (v1 next links, relative to /wiki)', async () => {
    const client = siteClient(sim, { pageSize: 7 });
    const hits = await collect(client.searchContent('type = page order by id'));
    const pages = await collect(siteClient(sim).listPages({ statuses: ['current'] }));
    assert.deepEqual(hits.map((h) => h.id).sort(), pages.map((p) => p.id).sort());
    assert.ok(client.stats().requests['GET /wiki/rest/api/content/search']! > 3);
  });

  it('stops a cursor cycle with an error naming the endpoint', async () => {
    sim.faults.set({ cursorCycle: { atPage: 3 } });
    try {
      const client = siteClient(sim, { pageSize: 5 });
      await assert.rejects(collect(client.listPages()), (error) => {
        assert.ok(isStepvaultError(error, 'io'));
        assert.match(error.message, /GET \/wiki\/api\/v2\/pages/);
        assert.match(error.message, /cycle/);
        return true;
      });
      assert.ok(client.stats().totalRequests <= 4, 'it stopped at the first repeated link');
    } finally {
      sim.faults.clear();
    }
  });

  it('passes an item edited during the listing again with its new version, and never the same version twice', async () => {
    const local = await startConfluenceSim();
    try {
      local.generate({ seed: 8, spaces: 1, pages: 120, attachments: 0 });
      local.faults.set({ seed: 3, mutateDuringListing: 1 });
      const client = siteClient(local, { pageSize: 4 });
      const listed = await collect(client.listPages({ sort: 'modified-date' }));
      const pairs = listed.map((p) => `${p.id}@${p.version?.number}`);
      assert.equal(new Set(pairs).size, pairs.length, 'no (id, version) pair twice');
      const edits = local.stats.snapshot().faultEvents.filter((e) => e.kind === 'mutation-during-listing');
      assert.ok(edits.length > 10);
      const repeated = listed.length - new Set(listed.map((p) => p.id)).size;
      assert.ok(repeated > 0, 'some edited page came again with its new version');
      async function* replay() {
        yield* listed;
      }
      const newest = await collectNewest(replay());
      assert.equal(newest.length, new Set(listed.map((p) => p.id)).size);
      for (const page of newest) {
        const max = Math.max(...listed.filter((p) => p.id === page.id).map((p) => p.version!.number));
        assert.equal(page.version!.number, max);
      }
    } finally {
      await local.close();
    }
  });

  it('gives the same walk of the site under a 429 storm and under 5xx failures', async () => {
    const clean = await walk(siteClient(sim));
    sim.faults.set({ seed: 11, rate429: 0.3 });
    const storm = siteClient(sim, { retry: { maxAttempts: 12 } });
    assert.deepEqual(await walk(storm), clean);
    assert.ok(storm.stats().rateLimited > 50, `429s were met (${storm.stats().rateLimited})`);
    assert.equal(storm.stats().retries, storm.stats().rateLimited);

    sim.faults.set({ seed: 12, rate5xx: 0.25 });
    const failing = siteClient(sim, { retry: { maxAttempts: 12 } });
    assert.deepEqual(await walk(failing), clean);
    assert.ok(failing.stats().serverErrors > 30, `5xx answers were met (${failing.stats().serverErrors})`);
    sim.faults.clear();
  });

  it('gives up on an item that always fails, with a retryable error naming the endpoint', async () => {
    const [page] = await collect(siteClient(sim).listPages());
    sim.faults.set({ failIds: [page!.id] });
    try {
      const client = siteClient(sim, { retry: { maxAttempts: 3 } });
      await assert.rejects(client.getPage(page!.id), (error) => {
        assert.ok(isStepvaultError(error, 'io'));
        assert.equal(error.retryable, true);
        assert.match(error.message, /500 to GET \/wiki\/api\/v2\/pages\/\{id\}/);
        return true;
      });
      assert.equal(client.stats().requests['GET /wiki/api/v2/pages/{id}'], 3);
    } finally {
      sim.faults.clear();
    }
  });

  it('reads a restriction whose users and groups fill several of Cloud’s pages (100 each) in full', async () => {
    const page = [...sim.store.contents.values()].find((c) => c.kind === 'page' && c.status === 'current')!;
    const { users, groups } = addPrincipals(sim.store, 'restricted', { users: 230, groups: 105 });
    const saved = page.restrictions;
    page.restrictions = { read: { users: [], groups: [] }, update: { users, groups } };
    try {
      const restrictions = await siteClient(sim).getRestrictions(page.id);
      const update = restrictions.find((r) => r.operation === 'update')!;
      assert.deepEqual(update.users, users);
      assert.deepEqual(
        update.groups.map((g) => g.id),
        groups,
      );
      assert.deepEqual(
        restrictions.find((r) => r.operation === 'read'),
        {
          operation: 'read',
          users: [],
          groups: [],
        },
      );
    } finally {
      page.restrictions = saved;
    }
  });
});
