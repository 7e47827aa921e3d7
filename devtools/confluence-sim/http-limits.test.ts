// Rate limit, latency and counters over HTTP, with a manual clock: the burst passes and the next request gets
// 429 with Retry-After and the X-RateLimit headers; every request waits the configured latency; every request
// is counted per endpoint with its status and bytes, also through /__sim/stats; a JSON write or an attached file
// beyond the site's size limits is refused with 413.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Clock, ManualClock } from '../../src/common/clock.ts';
import { call } from './sim-client.test-helper.ts';
import { startConfluenceSim } from './simulator.ts';

test('the burst limit answers 429 with Retry-After and rate-limit headers, and recovers as tokens return', async () => {
  const clock = new ManualClock(Date.UTC(2026, 2, 1));
  const sim = await startConfluenceSim({ clock, rateLimit: { requestsPerSecond: 10, burst: 3 } });
  try {
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await call(sim, 'GET', '/wiki/api/v2/spaces');
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.get('x-ratelimit-limit'), '3');
      remaining.push(reply.headers.get('x-ratelimit-remaining')!);
    }
    assert.deepEqual(remaining, ['2', '1', '0']);
    const limited = await call(sim, 'GET', '/wiki/api/v2/spaces');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal(limited.headers.get('ratelimit-reason'), 'confluence-burst-based');
    assert.equal(limited.headers.get('x-ratelimit-nearlimit'), 'true');
    assert.ok(Date.parse(limited.headers.get('x-ratelimit-reset')!) > clock.now().getTime());
    clock.advance(100);
    assert.equal((await call(sim, 'GET', '/wiki/api/v2/spaces')).status, 200);
    assert.equal(sim.stats.snapshot().rateLimited, 1);
    assert.equal(sim.minimumSecondsFor(103), 10);
  } finally {
    await sim.close();
  }
});

/** A clock whose sleeps return at once but are recorded, to see the latency the simulator applies. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => new Date(Date.UTC(2026, 2, 1)), sleep: async (ms) => void sleeps.push(ms) };
}

test('every site and media request waits the configured latency; slow faults add to it', async () => {
  const clock = recordingClock();
  const sim = await startConfluenceSim({ clock, latencyMs: 30 });
  try {
    sim.generate({ seed: 2, pages: 10, attachments: 3 });
    await call(sim, 'GET', '/wiki/api/v2/spaces');
    await call(sim, 'GET', '/wiki/api/v2/pages');
    const att = [...sim.store.attachments.values()][0]!;
    const redirect = await call(
      sim,
      'GET',
      `/wiki/rest/api/content/${att.containerId}/child/attachment/${att.id}/download`,
    );
    await (await fetch(redirect.headers.get('location')!)).arrayBuffer();
    assert.deepEqual(clock.sleeps, [30, 30, 30, 30]);
    sim.faults.set({ seed: 1, slow: { probability: 1, delayMs: 500 } });
    sim.setLatency(5);
    await call(sim, 'GET', '/wiki/api/v2/spaces');
    assert.equal(clock.sleeps.at(-1), 505);
  } finally {
    await sim.close();
  }
});

test('requests are counted per endpoint with statuses and bytes, also at /__sim/stats', async () => {
  const sim = await startConfluenceSim();
  try {
    sim.generate({ seed: 3, pages: 30, attachments: 5 });
    let bytes = 0;
    for (let i = 0; i < 3; i++)
      bytes += Buffer.byteLength((await call(sim, 'GET', '/wiki/api/v2/pages?limit=10')).text);
    bytes += Buffer.byteLength((await call(sim, 'GET', '/wiki/api/v2/pages', { auth: 'none' })).text);
    const page = [...sim.store.contents.values()].find((c) => c.kind === 'page')!;
    await call(sim, 'GET', `/wiki/api/v2/pages/${page.id}`, { auth: 'gateway' });
    const stats = sim.stats.snapshot();
    const pages = stats.endpoints['GET /wiki/api/v2/pages']!;
    assert.equal(pages.requests, 4);
    assert.deepEqual(pages.statuses, { 200: 3, 401: 1 });
    assert.equal(pages.bytesOut, bytes);
    assert.equal(
      stats.endpoints['GET /wiki/api/v2/pages/:id']!.requests,
      1,
      'gateway requests count under the same endpoint',
    );
    assert.equal(stats.requests, 5);
    const served = (await (await fetch(`${sim.siteUrl}/__sim/stats`)).json()) as { requests: number };
    assert.equal(served.requests, 5);
    await fetch(`${sim.siteUrl}/__sim/stats/reset`, { method: 'POST' });
    assert.equal(sim.stats.snapshot().requests, 0);
  } finally {
    await sim.close();
  }
});

test('a JSON write or an attached file larger than the site takes is refused with 413, and nothing is written', async () => {
  const sim = await startConfluenceSim({ limits: { jsonBytes: 64 * 1024, attachmentBytes: 1000 } });
  try {
    sim.generate({ seed: 4, spaces: 1, pages: 3 });
    const space = [...sim.store.spaces.values()][0]!;
    const page = (value: string) => ({
      spaceId: space.id,
      title: `Big ${value.length}`,
      body: { representation: 'storage', value },
    });
    const pagesBefore = sim.store.contents.size;
    const big = await call(sim, 'POST', '/wiki/api/v2/pages', { body: page(`<p>${'x'.repeat(70_000)}</p>`) });
    assert.equal(big.status, 413);
    assert.match(JSON.stringify(big.json), /at most 65536/);
    assert.equal(sim.store.contents.size, pagesBefore);
    assert.equal((await call(sim, 'POST', '/wiki/api/v2/pages', { body: page('<p>small</p>') })).status, 200);

    const target = [...sim.store.contents.values()].find((c) => c.kind === 'page')!;
    const upload = (bytes: number) => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(bytes)]), `f${bytes}.bin`);
      return call(sim, 'POST', `/wiki/rest/api/content/${target.id}/child/attachment`, {
        form,
        headers: { 'x-atlassian-token': 'nocheck' },
      });
    };
    const attachmentsBefore = sim.store.attachments.size;
    const tooBig = await upload(1001);
    assert.equal(tooBig.status, 413);
    assert.match(JSON.stringify(tooBig.json), /f1001\.bin is 1001 bytes/);
    assert.equal(sim.store.attachments.size, attachmentsBefore);
    assert.equal((await upload(1000)).status, 200);
  } finally {
    await sim.close();
  }
});
