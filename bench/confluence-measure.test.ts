// The Confluence benchmark's bookkeeping: every endpoint the simulator serves falls into the intended request
// category, counts and the rate-limit time come out of a stats snapshot as documented, and the "listing +
// changed items" arithmetic follows the site's census.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { SimStats } from '../devtools/confluence-sim/stats.ts';
import { expectedIncremental } from './confluence-expected.ts';
import { categorize, countRequests } from './confluence-measure.ts';
import { STEPVAULT_BACKUP_OPTIONS } from './confluence-stepvault.ts';

describe('request categories', () => {
  it('puts each read endpoint of the simulator where the report says it goes', async () => {
    const sim = await startConfluenceSim({});
    try {
      const got: Record<string, string[]> = { listing: [], bodies: [], attachments: [], metadata: [] };
      for (const r of sim.routes()) if (r.method === 'GET') got[categorize(`GET ${r.path}`)]!.push(r.path);
      const v2 = (p: string) => `/wiki/api/v2${p}`;
      for (const p of ['/spaces', '/spaces/:id/pages', '/spaces/:id/blogposts', '/attachments'])
        assert.ok(got.listing!.includes(v2(p)), p);
      assert.ok(got.listing!.includes('/wiki/rest/api/content/search'));
      assert.ok(got.listing!.includes(v2('/pages/:id/descendants')));
      assert.ok(got.listing!.includes(v2('/footer-comments')));
      for (const p of [
        '/pages',
        '/pages/:id',
        '/blogposts/:id',
        '/pages/:id/versions',
        '/pages/:id/versions/:n',
      ])
        assert.ok(got.bodies!.includes(v2(p)), p);
      for (const p of ['/pages/:id/attachments', '/attachments/:id', '/attachments/:id/versions'])
        assert.ok(got.attachments!.includes(v2(p)), p);
      assert.ok(
        got.attachments!.includes('/wiki/rest/api/content/:id/child/attachment/:attachmentId/download'),
      );
      for (const p of [
        '/pages/:id/labels',
        '/pages/:id/properties',
        '/pages/:id/footer-comments',
        '/folders/:id',
      ])
        assert.ok(got.metadata!.includes(v2(p)), p);
      assert.ok(got.metadata!.includes('/wiki/rest/api/content/:id/restriction'));
      assert.ok(got.metadata!.includes(v2('/spaces/:id/permissions')));
      // CQL search, whatever key the simulator's counters file it under
      const cql = encodeURIComponent('type = page');
      const response = await fetch(`${sim.siteUrl}/wiki/rest/api/content/search?cql=${cql}`, {
        headers: { authorization: sim.credentials.siteAuthorization },
      });
      assert.equal(response.status, 200);
      await response.arrayBuffer();
      for (const key of Object.keys(sim.stats.snapshot().endpoints))
        assert.equal(categorize(key), 'listing', key);
    } finally {
      await sim.close();
    }
  });

  it('counts requests, 429s, bytes and the time the limit allows for the admitted requests', () => {
    const stats = new SimStats();
    for (let i = 0; i < 150; i++) stats.recordRequest('GET /wiki/api/v2/pages/:id', 200, 100);
    for (let i = 0; i < 30; i++) stats.recordRequest('GET /wiki/api/v2/pages/:id', 429, 10);
    stats.recordRequest('GET /wiki/api/v2/spaces/:id/pages', 200, 1000);
    stats.recordMedia(200, 5000, undefined, false);
    const c = countRequests(stats.snapshot(), { requestsPerSecond: 100, burst: 100 });
    assert.equal(c.requests, 181);
    assert.equal(c.rateLimited, 30);
    assert.deepEqual(c.byCategory, { listing: 1, bodies: 180, attachments: 0, metadata: 0 });
    assert.equal(c.apiBytes, 150 * 100 + 30 * 10 + 1000);
    assert.equal(c.mediaRequests, 1);
    assert.equal(c.mediaBytes, 5000);
    assert.equal(c.allowedSeconds, (151 - 100) / 100);
  });
});

describe('listing + changed items', () => {
  it('counts listing pages of 250 per space and content type, and two body batches per 250 edited pages', () => {
    const e = expectedIncremental(
      {
        spaces: [
          { id: '1', key: 'A', status: 'current' },
          { id: '2', key: 'B', status: 'archived' },
        ],
        contentByKindStatus: {},
        contentBySpace: {
          // 501 listed pages (3 requests), no blog posts and no tree items (1 each); drafts are not listed
          '1': { 'page:current': 400, 'page:archived': 90, 'page:trashed': 11, 'page:draft': 7 },
          // nothing at all: still one request per listing
          '2': {},
        },
        attachments: 0,
        attachmentVersions: 0,
        attachmentBytes: 0,
      },
      { editedPages: 251, backup: STEPVAULT_BACKUP_OPTIONS },
    );
    // spaces (current, archived) + space A (pages, blog posts, tree search) + space B + three watermark scans
    assert.equal(e.listing, 2 + (3 + 1 + 1) + (1 + 1 + 1) + 3);
    assert.equal(e.changed, 4);
    assert.equal(e.total, e.listing + e.changed);
  });
});
