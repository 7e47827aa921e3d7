// Attachment downloads against the simulator: truncated media responses are resumed to the exact bytes
// (SHA-256 equal to the simulator's), historical versions come from `?version=N`, the site's Authorization never
// reaches the media host, a redirect to any other host is refused without contacting it, and an expired signed
// URL is replaced by a fresh redirect.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256Of } from '../../../../devtools/confluence-sim/attachment-bytes.ts';
import { type ConfluenceSim, startConfluenceSim } from '../../../../devtools/confluence-sim/simulator.ts';
import { systemClock } from '../../../common/clock.ts';
import { isStepvaultError } from '../../../common/errors.ts';
import { collect, instantClock, sha256OfStream, siteClient } from './client.test-helper.ts';
import { ConfluenceClient } from './client.ts';

describe('ConfluenceClient attachment downloads', () => {
  let sim: ConfluenceSim;
  let bigId: string;
  let bigPage: string;
  before(async () => {
    sim = await startConfluenceSim({ mediaHost: 'localhost' });
    sim.generate({ seed: 4, spaces: 1, pages: 40, attachments: 30 });
    const page = [...sim.store.contents.values()].find((c) => c.kind === 'page' && c.status === 'current')!;
    bigPage = page.id;
    bigId = sim.edits.addAttachment(page.id, 'big.bin', {
      kind: 'random',
      seed: 9,
      size: 3 * 1024 * 1024 + 17,
    }).id;
  });
  after(() => sim.close());

  const visible = () =>
    [...sim.store.attachments.values()].filter(
      (a) => a.status === 'current' && sim.store.contents.get(a.containerId)?.status === 'current',
    );

  it('resumes truncated downloads to the exact bytes, without ever sending Authorization to the media host', async () => {
    sim.faults.set({ seed: 21, truncateDownloads: 0.5 });
    try {
      const client = siteClient(sim);
      for (const att of visible()) {
        const download = await client.downloadAttachment(att.containerId, att.id);
        const got = await sha256OfStream(download);
        const current = att.versions.at(-1)!;
        assert.equal(got.sha256, sha256Of(current.bytes), `bytes of ${att.id}`);
        assert.equal(download.size, got.size);
      }
      const media = sim.stats.snapshot().media;
      assert.ok(media.truncated > 3, `truncations happened (${media.truncated})`);
      // A cut shows as a failed request (nothing arrived) or as a stream that ends early (resumed with Range).
      const stats = client.stats();
      assert.ok(stats.downloadResumes > 0 && stats.networkErrors >= media.truncated);
      assert.ok(media.statuses['206']! > 0, 'resumed with Range');
      assert.equal(media.withAuthorization, 0);
      assert.ok(client.stats().bytesDownloaded.media >= visible().reduce((n, a) => n + a.versions.length, 0));
    } finally {
      sim.faults.clear();
    }
  });

  it('streams a large file in many chunks and reads historical versions', async () => {
    const client = siteClient(sim);
    let chunks = 0;
    const download = await client.downloadAttachment(bigPage, bigId);
    for await (const _ of download) chunks++;
    assert.ok(chunks > 10, `streamed in ${chunks} chunks`);
    const versioned = [...sim.store.attachments.values()].find(
      (a) =>
        a.versions.length > 1 &&
        sim.store.contents.get(a.containerId)?.status === 'current' &&
        a.status === 'current',
    );
    assert.ok(versioned, 'the dataset has an attachment with several versions');
    const first = await sha256OfStream(
      await client.downloadAttachment(versioned.containerId, versioned.id, { version: 1 }),
    );
    assert.equal(first.sha256, sha256Of(versioned.versions[0]!.bytes));
    const versions = await collect(client.listVersions('attachment', versioned.id));
    assert.equal(versions.length, versioned.versions.length);
  });

  it('downloads through the gateway too', async () => {
    const client = new ConfluenceClient({
      baseUrl: sim.gatewayUrl,
      auth: { kind: 'bearer', token: sim.credentials.bearerToken },
      mediaHosts: [new URL(sim.mediaOrigin).host],
      clock: instantClock(),
    });
    const att = visible()[0]!;
    const got = await sha256OfStream(await client.downloadAttachment(att.containerId, att.id));
    assert.equal(got.sha256, sha256Of(att.versions.at(-1)!.bytes));
    assert.equal(sim.stats.snapshot().media.withAuthorization, 0);
  });

  it('refuses a redirect to a host it was not given, and never contacts it', async () => {
    sim.faults.set({ rogueRedirect: 1 });
    try {
      const client = siteClient(sim);
      const att = visible()[0]!;
      await assert.rejects(client.downloadAttachment(att.containerId, att.id), (error) => {
        assert.ok(isStepvaultError(error, 'io'));
        assert.match(error.message, /Refused the attachment download redirect/);
        assert.match(error.message, new RegExp(new URL(sim.rogueOrigin).host.replace(/[.]/g, '\\.')));
        return true;
      });
      assert.equal(client.stats().refusedRedirects, 1);
      assert.equal(sim.stats.snapshot().rogueHits, 0);
    } finally {
      sim.faults.clear();
    }
    // With the default media host (api.media.atlassian.com) the simulator's media host is refused as well.
    const strict = new ConfluenceClient({
      baseUrl: sim.siteUrl,
      auth: { kind: 'basic', email: sim.credentials.email, apiToken: sim.credentials.apiToken },
      clock: instantClock(),
    });
    const att = visible()[0]!;
    await assert.rejects(strict.downloadAttachment(att.containerId, att.id), /not a configured media host/);
  });

  it('asks for a new redirect when the signed URL has expired', async () => {
    let offset = 0;
    const clock = { now: () => new Date(Date.now() + offset), sleep: systemClock.sleep };
    const local = await startConfluenceSim({ clock });
    try {
      local.generate({ seed: 4, spaces: 1, pages: 5, attachments: 0 });
      const page = [...local.store.contents.values()].find(
        (c) => c.kind === 'page' && c.status === 'current',
      )!;
      const att = local.edits.addAttachment(page.id, 'f.bin', {
        kind: 'random',
        seed: 3,
        size: 2 * 1024 * 1024,
      });
      local.faults.set({ seed: 1, truncateDownloads: 1 });
      const client = siteClient(local);
      const download = await client.downloadAttachment(page.id, att.id);
      const iterator = download[Symbol.asyncIterator]();
      const hash = (await import('node:crypto')).createHash('sha256');
      const first = await iterator.next();
      if (!first.done) hash.update(first.value);
      offset += 16 * 60 * 1000; // the signed URL (15 minutes) has expired
      local.faults.clear();
      for (let next = await iterator.next(); !next.done; next = await iterator.next())
        hash.update(next.value);
      assert.equal(hash.digest('hex'), sha256Of(att.versions[0]!.bytes));
      assert.equal(local.stats.snapshot().media.statuses['401'], 1, 'the old link was refused once');
      assert.equal(
        local.stats.snapshot().endpoints[
          'GET /wiki/rest/api/content/:id/child/attachment/:attachmentId/download'
        ]?.requests,
        2,
      );
    } finally {
      await local.close();
    }
  });
});
