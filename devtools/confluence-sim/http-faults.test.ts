// Faults and the media host over HTTP: seeded 429s and 5xx that repeat exactly for the same seed and clear on
// retry, unrecoverable ids, truncated downloads, Range resumes, expiring media URLs, the Authorization header
// flagged when it reaches the media host, redirects to the rogue host, cursor cycles, and the site changing
// while a client lists it.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { ManualClock } from '../../src/common/clock.ts';
import { MEDIA_URL_TTL_MS } from './media-server.ts';
import { call, collect } from './sim-client.test-helper.ts';
import { type ConfluenceSim, startConfluenceSim } from './simulator.ts';

async function withSim(fn: (sim: ConfluenceSim) => Promise<void>, clock?: ManualClock): Promise<void> {
  const sim = await startConfluenceSim(clock ? { clock } : {});
  try {
    sim.generate({ seed: 51, pages: 60, attachments: 20 });
    await fn(sim);
  } finally {
    await sim.close();
  }
}

async function statuses(sim: ConfluenceSim, paths: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const path of paths) out.push((await call(sim, 'GET', path)).status);
  return out;
}

test('injected 429s and 5xx repeat exactly for a seed, carry Retry-After, and clear on retry', async () => {
  const pages = Array.from({ length: 300 }, (_, i) => `/wiki/api/v2/spaces?limit=${(i % 50) + 1}&n=${i}`);
  const runs: number[][] = [];
  for (const seed of [7, 7, 8]) {
    await withSim(async (sim) => {
      sim.faults.set({ seed, rate429: 0.1, rate5xx: 0.05 });
      runs.push(await statuses(sim, pages));
      const limited = await call(sim, 'GET', pages[runs.at(-1)!.indexOf(429)]!);
      assert.ok(limited.status !== 429 || limited.headers.get('retry-after') === '1');
    });
  }
  assert.deepEqual(runs[0], runs[1]);
  assert.notDeepEqual(runs[0], runs[2]);
  const count = (status: number) => runs[0]!.filter((s) => s === status).length;
  assert.ok(count(429) >= 15 && count(429) <= 50, `${count(429)} 429s in 300`);
  const errors = runs[0]!.filter((s) => s >= 500).length;
  assert.ok(errors >= 5 && errors <= 30, `${errors} 5xx in 300`);
  assert.ok(runs[0]!.every((s) => [200, 429, 500, 502, 503, 504].includes(s)));
  await withSim(async (sim) => {
    sim.faults.set({ seed: 7, rate429: 0.5 });
    let tries = 0;
    let status = 429;
    while (status === 429 && tries < 40) {
      status = (await call(sim, 'GET', '/wiki/api/v2/spaces')).status;
      tries++;
    }
    assert.equal(status, 200, 'a retried request eventually passes');
  });
});

test('an id in failIds fails every time', async () => {
  await withSim(async (sim) => {
    const page = [...sim.store.contents.values()].find((c) => c.kind === 'page' && c.status === 'current')!;
    sim.faults.set({ failIds: [page.id] });
    assert.deepEqual(
      await statuses(sim, Array(4).fill(`/wiki/api/v2/pages/${page.id}`)),
      [500, 500, 500, 500],
    );
    assert.equal((await call(sim, 'GET', '/wiki/api/v2/spaces')).status, 200);
  });
});

test('an id in hideFromBatch is left out of batch reads by id, and a single read still finds it', async () => {
  await withSim(async (sim) => {
    const [a, b] = [...sim.store.contents.values()].filter(
      (c) => c.kind === 'page' && c.status === 'current',
    );
    sim.faults.set({ hideFromBatch: [a!.id] });
    const batch = await call(sim, 'GET', `/wiki/api/v2/pages?id=${a!.id}&id=${b!.id}`);
    assert.deepEqual(
      (batch.json.results as { id: string }[]).map((r) => r.id),
      [b!.id],
    );
    assert.equal((await call(sim, 'GET', `/wiki/api/v2/pages/${a!.id}`)).status, 200);
    const listed = await collect(sim, `/wiki/api/v2/spaces/${a!.spaceId}/pages?limit=250`);
    assert.ok(
      listed.some((p) => (p as { id: string }).id === a!.id),
      'listings still show it',
    );
  });
});

/** Raw GET that reports how many body bytes arrived before the connection ended, and how it ended. */
function rawGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; length: number; received: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const done = (complete: boolean) =>
        resolve({
          status: res.statusCode!,
          length: Number(res.headers['content-length']),
          received: Buffer.concat(chunks),
          complete,
        });
      res.on('end', () => done(res.complete));
      res.on('error', () => done(false));
      res.on('aborted', () => done(false));
    });
    req.on('error', reject);
    req.end();
  });
}

async function downloadUrl(sim: ConfluenceSim, minSize: number): Promise<{ url: string; bytes: number }> {
  const att = [...sim.store.attachments.values()].find(
    (a) =>
      a.status === 'current' &&
      sim.store.contents.get(a.containerId)!.status === 'current' &&
      a.versions.at(-1)!.bytes.kind !== 'stored' &&
      (a.versions.at(-1)!.bytes as { size: number }).size > minSize,
  )!;
  const redirect = await call(
    sim,
    'GET',
    `/wiki/rest/api/content/${att.containerId}/child/attachment/${att.id}/download`,
  );
  assert.equal(redirect.status, 302);
  return {
    url: redirect.headers.get('location')!,
    bytes: (att.versions.at(-1)!.bytes as { size: number }).size,
  };
}

test('a truncated download sends less than Content-Length and drops the connection; Range resumes it', async () => {
  await withSim(async (sim) => {
    const { url, bytes } = await downloadUrl(sim, 1000);
    const whole = await rawGet(url);
    assert.equal(whole.received.length, bytes);
    sim.faults.set({ seed: 3, truncateDownloads: 1 });
    const cut = await rawGet(url);
    assert.equal(cut.length, bytes);
    assert.ok(cut.received.length < bytes);
    assert.equal(cut.complete, false);
    assert.equal(sim.stats.snapshot().media.truncated, 1);
    sim.faults.clear();
    const rest = await rawGet(url, { range: `bytes=${cut.received.length}-` });
    assert.equal(rest.status, 206);
    assert.deepEqual(Buffer.concat([cut.received, rest.received]), whole.received);
    assert.equal((await rawGet(url, { range: `bytes=${bytes}-` })).status, 416);
  });
});

test('the media host needs no Authorization, flags one it receives, and refuses expired URLs', async () => {
  const clock = new ManualClock(Date.UTC(2026, 3, 1));
  await withSim(async (sim) => {
    const { url } = await downloadUrl(sim, 0);
    assert.ok(!url.startsWith(sim.siteUrl), 'another origin');
    assert.equal((await rawGet(url)).status, 200);
    assert.equal(sim.stats.snapshot().media.withAuthorization, 0);
    assert.equal((await rawGet(url, { authorization: sim.credentials.siteAuthorization })).status, 200);
    const media = sim.stats.snapshot().media;
    assert.equal(media.withAuthorization, 1);
    assert.deepEqual(media.authorizationValues, [sim.credentials.siteAuthorization]);
    clock.advance(MEDIA_URL_TTL_MS + 1);
    assert.equal((await rawGet(url)).status, 401);
    assert.equal((await rawGet(url.replace(/token=[^&]+/, 'token=forged.sig'))).status, 401);
  }, clock);
});

test('a redirect to the rogue host points away from the media host, and any visit there is counted', async () => {
  await withSim(async (sim) => {
    sim.faults.set({ rogueRedirect: 1 });
    const { url } = await downloadUrl(sim, 0);
    assert.ok(url.startsWith(sim.rogueOrigin));
    assert.equal(sim.stats.snapshot().rogueHits, 0);
    await rawGet(url);
    assert.equal(sim.stats.snapshot().rogueHits, 1);
  });
});

test('a cursor cycle sends the walk back to a cursor it already used', async () => {
  await withSim(async (sim) => {
    sim.faults.set({ cursorCycle: { atPage: 3, back: 2 } });
    const seen: string[] = [];
    let next: string | undefined = '/wiki/api/v2/pages?limit=5';
    for (let i = 0; i < 4 && next; i++) {
      const reply = await call(sim, 'GET', next);
      next = reply.json._links.next;
      if (next && seen.includes(next)) break;
      if (next) seen.push(next);
    }
    assert.equal(seen.length, 2);
    assert.equal(next, seen[0], 'page 3 links back to page 2');
  });
});

test('the site changes between pages of a listing, and the changes are reported', async () => {
  await withSim(async (sim) => {
    sim.faults.set({ seed: 4, mutateDuringListing: 1 });
    const before = sim.store.contents.size;
    const pages = await collect(sim, '/wiki/api/v2/pages?limit=10');
    const events = sim.stats.snapshot().faultEvents.filter((e) => e.kind === 'mutation-during-listing');
    assert.ok(events.length >= 3, `${events.length} changes`);
    assert.ok(
      events.every((e) => e.detail && /^(created|edited|moved|trashed|purged|nothing|kept)/.test(e.detail)),
    );
    assert.ok(pages.length > 0);
    const created = events.filter((e) => e.detail?.startsWith('created')).length;
    const purged = events.filter((e) => e.detail?.startsWith('purged')).length;
    assert.equal(sim.store.contents.size, before + created - purged);
  });
});
