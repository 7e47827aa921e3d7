// Waits the site asks for that are longer than a backoff (a Retry-After of minutes, a spent hourly points
// quota) are waited out, in virtual time, and announced with what is waited for and until when; past the
// ceiling (`retry.maxWaitMs`) the request fails at once with a message saying until when, and so does every
// request until then, without contacting the site.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../../../../devtools/confluence-sim/simulator.ts';
import { isStepvaultError } from '../../../common/errors.ts';
import { instantClock, siteClient } from './client.test-helper.ts';
import type { SiteWait } from './client-options.ts';

const MINUTE = 60_000;

describe('long waits asked for by the site', () => {
  const clock = instantClock();
  let sim: ConfluenceSim;
  let pages: string[];
  before(async () => {
    sim = await startConfluenceSim({ clock });
    sim.generate({ seed: 2, spaces: 1, pages: 12, attachments: 0 });
    pages = [...sim.store.contents.values()].filter((c) => c.kind === 'page').map((c) => c.id);
  });
  beforeEach(() => {
    sim.faults.clear();
    sim.setPointsQuota(undefined);
  });
  after(() => sim.close());

  it('waits out a Retry-After of 15 minutes and says so', async () => {
    sim.faults.set({ seed: 4, rate429: 0.5, retryAfterSeconds: 900 });
    const waits: SiteWait[] = [];
    const client = siteClient(sim, { clock, onWait: (w) => waits.push(w) });
    const start = clock.now().getTime();
    for (const id of pages.slice(0, 4)) assert.equal((await client.getPage(id)).id, id);
    assert.ok(client.stats().rateLimited > 0, 'the site refused some requests');
    assert.ok(waits.length > 0);
    for (const w of waits) {
      assert.match(w.reason, /^429 to GET \/wiki\/api\/v2\/pages\/\{id\}$/);
      assert.ok(Math.abs(w.ms - 15 * MINUTE) < 1000, `${w.ms} ms`);
      assert.ok(w.until.getTime() - start >= 15 * MINUTE);
    }
    assert.ok(clock.now().getTime() - start >= waits.length * 15 * MINUTE, 'the waits were sat out');
  });

  it('sits out a spent hourly points quota: every page is read, the waits announced once each', async () => {
    sim.setPointsQuota({ points: 4, windowSeconds: 3600 });
    const waits: SiteWait[] = [];
    const client = siteClient(sim, { clock, onWait: (w) => waits.push(w) });
    const start = clock.now().getTime();
    const read = await Promise.all(pages.map((id) => client.getPage(id)));
    assert.deepEqual(
      read.map((p) => p.id),
      pages,
    );
    const hours = (clock.now().getTime() - start) / (60 * MINUTE);
    assert.ok(hours >= 2, `12 requests at 4 an hour wait for two resets (${hours.toFixed(2)} h)`);
    assert.ok(waits.length >= 2, 'each reset waited for is announced');
    for (const w of waits) {
      assert.match(w.reason, /points quota global-app-quota spent|429 to GET/);
      assert.ok(w.ms > 30_000 && w.ms <= 60 * MINUTE);
      const sinceStart = w.until.getTime() - start;
      assert.ok(sinceStart % (60 * MINUTE) < 1000, 'until the next reset of the quota');
    }
    assert.equal(
      new Set(waits.map((w) => Math.round(w.until.getTime() / 1000))).size,
      waits.length,
      'concurrent requests told the same wait announce it once',
    );
  });

  it('past the ceiling, fails at once with until when, and sends nothing more until then', async () => {
    sim.setPointsQuota({ points: 2, windowSeconds: 3600 });
    const waits: SiteWait[] = [];
    const client = siteClient(sim, {
      clock,
      onWait: (w) => waits.push(w),
      retry: { maxWaitMs: 10 * MINUTE },
    });
    await client.getPage(pages[0]!);
    await client.getPage(pages[1]!);
    const refused = (error: unknown) =>
      isStepvaultError(error) &&
      /Confluence asked to wait \d+ s \(until \d{4}-\d\d-\d\dT[\d:.]+Z\) before GET \/wiki\/api\/v2\/pages\/\{id\}, longer than the longest wait allowed \(600 s; it answered 429 to GET/.test(
        error.message,
      ) &&
      /--max-wait/.test(error.hint ?? '');
    await assert.rejects(client.getPage(pages[2]!), refused);
    const sent = sim.stats.snapshot().requests;
    await assert.rejects(client.getPage(pages[3]!), refused);
    assert.equal(sim.stats.snapshot().requests, sent, 'nothing sent while the site asked to wait');
    assert.deepEqual(waits, [], 'a wait not sat out is not announced');
    clock.slept += 60 * MINUTE;
    assert.equal((await client.getPage(pages[3]!)).id, pages[3], 'after the reset, requests go out again');
  });
});
