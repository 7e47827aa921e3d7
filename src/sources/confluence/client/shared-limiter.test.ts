// The shared limiter: a 429 pauses every caller (not only the one that got it), concurrency grows while all
// is well and halves once per burst of 429s, the refill rate is learnt from the rate-limit headers; and
// against the simulator's burst limit a client finishes a few hundred requests with hardly any 429.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startConfluenceSim } from '../../../../devtools/confluence-sim/simulator.ts';
import { ManualClock, systemClock } from '../../../common/clock.ts';
import { collect, siteClient } from './client.test-helper.ts';
import { type Permit, SharedLimiter } from './shared-limiter.ts';

const settle = () => new Promise((resolve) => setImmediate(resolve));

function limiter(clock: ManualClock, initial = 4) {
  return new SharedLimiter({
    concurrency: { initial, min: 1, max: 8 },
    clock,
    sleep: (ms, signal) => clock.sleep(ms, signal),
  });
}

describe('SharedLimiter', () => {
  it('pauses every caller after a 429 until its Retry-After has passed', async () => {
    const clock = new ManualClock(1_000_000);
    const shared = limiter(clock);
    const first = await shared.acquire();
    shared.observe(new Headers(), 429, first, 2_000);
    first.release();
    let through = 0;
    const waiting = [shared.acquire(), shared.acquire()].map((p) =>
      p.then((permit) => {
        through++;
        return permit;
      }),
    );
    await settle();
    clock.advance(1_999);
    await settle();
    assert.equal(through, 0, 'nobody passes during the pause');
    clock.advance(1);
    const permits = await Promise.all(waiting);
    assert.equal(through, 2);
    assert.ok(permits.every((p) => p.waitedMs === 2_000));
  });

  it('halves concurrency once per burst of 429s and grows it again on success', async () => {
    const clock = new ManualClock(0);
    const shared = limiter(clock, 8);
    const inFlight: Permit[] = [];
    for (let i = 0; i < 8; i++) inFlight.push(await shared.acquire());
    for (const permit of inFlight) shared.observe(new Headers(), 429, permit, undefined);
    assert.equal(shared.concurrencyLimit, 4, 'eight 429s of one burst halve it once');
    for (const permit of inFlight) permit.release();
    const later = await shared.acquire();
    clock.advance(10);
    shared.observe(new Headers(), 429, later, undefined);
    assert.equal(shared.concurrencyLimit, 2, 'a request sent after the decrease may decrease again');
    later.release();
    for (let i = 0; i < 20; i++) {
      const permit = await shared.acquire();
      shared.observe(new Headers(), 200, permit, undefined);
      permit.release();
    }
    assert.ok(shared.concurrencyLimit >= 5, `grew back (${shared.concurrencyLimit})`);
  });

  it('never lets more than the limit through at once', async () => {
    const clock = new ManualClock(0);
    const shared = limiter(clock, 3);
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const permit = await shared.acquire();
        inside++;
        most = Math.max(most, inside);
        await settle();
        inside--;
        permit.release();
      }),
    );
    assert.equal(most, 3);
  });

  it('learns the refill rate from X-RateLimit headers and paces with it', async () => {
    const clock = new ManualClock(5_000);
    const shared = limiter(clock, 8);
    const permit = await shared.acquire();
    const headers = new Headers({
      'x-ratelimit-limit': '10',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': new Date(5_000 + 200).toISOString(),
    });
    shared.observe(headers, 200, permit, undefined);
    permit.release();
    assert.equal(Math.round(shared.ratePerSecond ?? 0), 45);
    let through = 0;
    const next = shared.acquire().then((p) => {
      through++;
      p.release();
    });
    await settle();
    assert.equal(through, 0, 'the bucket is empty');
    clock.advance(22);
    await settle();
    assert.equal(through, 0, 'paced a little below the learnt rate');
    clock.advance(1);
    await next;
    assert.equal(through, 1, 'one token came back after 1/45 s');
  });
});

describe('ConfluenceClient against a burst rate limit', () => {
  it('finishes many concurrent requests with few 429s (50 rps, burst 10)', async () => {
    const sim = await startConfluenceSim({ rateLimit: { requestsPerSecond: 50, burst: 10 } });
    try {
      sim.generate({ seed: 2, spaces: 1, pages: 120, attachments: 0 });
      const client = siteClient(sim, { clock: systemClock, concurrency: { initial: 8, max: 16 } });
      const pages = await collect(client.listPages({ statuses: ['current'] }));
      const read = await Promise.all(pages.slice(0, 90).map((p) => client.getPage(p.id)));
      assert.equal(read.length, Math.min(90, pages.length));
      const stats = client.stats();
      assert.ok(stats.rateLimited <= 3, `${stats.rateLimited} 429s in ${stats.totalRequests} requests`);
      assert.equal(sim.stats.snapshot().rateLimited, stats.rateLimited);
      assert.ok(
        stats.learntRatePerSecond !== undefined && stats.learntRatePerSecond < 100,
        `learnt ${stats.learntRatePerSecond}`,
      );
    } finally {
      await sim.close();
    }
  });
});
