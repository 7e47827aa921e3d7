// The Admin Key held by `withAdminKey` against the simulator, which expires keys by its clock: the client and
// the simulator share one virtual clock, so an hour passes in a moment. A key enabled once stops opening
// restricted pages after its 60 minutes; the lease renews it before the next request (also one the limiter
// held back for a long wait) and the pages stay readable; the key is disabled however the work ends; a renewal
// the site refuses fails the read loudly.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_ACCOUNT_ID } from '../../../../devtools/confluence-sim/directory.ts';
import { type ConfluenceSim, startConfluenceSim } from '../../../../devtools/confluence-sim/simulator.ts';
import { isStepvaultError } from '../../../common/errors.ts';
import { instantClock, siteClient } from './client.test-helper.ts';

const MINUTE = 60_000;

describe('Admin Key lease', () => {
  const clock = instantClock();
  let sim: ConfluenceSim;
  let hidden: string[];
  before(async () => {
    sim = await startConfluenceSim({ clock });
    sim.generate({ seed: 5, spaces: 2, pages: 40, attachments: 0, hiddenFraction: 0.25 });
    const plain = new Set(
      (await siteClient(sim, { clock }).getPagesByIds([...sim.store.contents.keys()])).map((p) => p.id),
    );
    hidden = [...sim.store.contents.values()]
      .filter((c) => c.kind === 'page' && !plain.has(c.id))
      .map((c) => c.id);
    assert.ok(hidden.length > 0, 'the dataset has pages the admin reads only with the key');
  });
  after(() => sim.close());

  const seen = async (client: ReturnType<typeof siteClient>) =>
    (await client.getPagesByIds(hidden)).map((p) => p.id).sort();

  it('a key enabled once no longer opens restricted pages after its lifetime (the simulator expires it)', async () => {
    const client = siteClient(sim, { clock, adminKey: true });
    await client.enableAdminKey(60);
    assert.deepEqual(await seen(client), [...hidden].sort());
    clock.slept += 61 * MINUTE;
    assert.deepEqual(await seen(client), [], 'restricted pages silently drop out of the batch read');
    await client.disableAdminKey();
  });

  it('withAdminKey renews the key when an hour has passed, and disables it at the end', async () => {
    const client = siteClient(sim, { clock, adminKey: true });
    const result = await client.withAdminKey(async () => {
      const first = await seen(client);
      clock.slept += 61 * MINUTE;
      const later = await seen(client);
      clock.slept += 61 * MINUTE;
      return { first, later, last: await seen(client) };
    });
    assert.deepEqual(result.first, [...hidden].sort());
    assert.deepEqual(result.later, [...hidden].sort());
    assert.deepEqual(result.last, [...hidden].sort());
    assert.equal(client.adminKeyRenewals, 2);
    assert.equal(sim.store.adminKeys.has(ADMIN_ACCOUNT_ID), false, 'the key is disabled afterwards');
  });

  it('renews before the key expires: after 51 of 60 minutes the next request gets a fresh key', async () => {
    const client = siteClient(sim, { clock, adminKey: true });
    await client.withAdminKey(async () => {
      const firstExpiry = sim.store.adminKeys.get(ADMIN_ACCOUNT_ID)!;
      clock.slept += 49 * MINUTE;
      await seen(client);
      assert.equal(client.adminKeyRenewals, 0, 'no renewal while more than 10 minutes are left');
      clock.slept += 2 * MINUTE;
      assert.deepEqual(await seen(client), [...hidden].sort());
      assert.equal(client.adminKeyRenewals, 1);
      const expiry = sim.store.adminKeys.get(ADMIN_ACCOUNT_ID)!;
      assert.ok(expiry - firstExpiry >= 50 * MINUTE, 'the new key runs 60 minutes from its renewal');
    });
  });

  it('renews the key for a request the limiter held back past its renewal time (a spent quota)', async () => {
    // Three points per 65 minutes: enabling the key and two reads spend them, the third read waits for the reset.
    sim.setPointsQuota({ points: 3, windowSeconds: 65 * 60 });
    try {
      const client = siteClient(sim, {
        clock,
        adminKey: true,
        concurrency: { initial: 1, max: 1 },
        retry: { maxWaitMs: 120 * MINUTE },
      });
      const start = clock.now().getTime();
      const third = await client.withAdminKey(async () => {
        await seen(client);
        await seen(client);
        return seen(client);
      });
      assert.ok(clock.now().getTime() - start >= 65 * MINUTE, 'the third read waited for the reset');
      assert.equal(client.adminKeyRenewals, 1);
      assert.deepEqual(third, [...hidden].sort(), 'read on a fresh key, not on the lapsed one');
    } finally {
      sim.setPointsQuota(undefined);
    }
  });

  it('disables the key when the work fails', async () => {
    const client = siteClient(sim, { clock, adminKey: true });
    await assert.rejects(
      client.withAdminKey(async () => {
        assert.ok(sim.store.adminKeys.has(ADMIN_ACCOUNT_ID));
        throw new Error('the backup broke');
      }),
      /the backup broke/,
    );
    assert.equal(sim.store.adminKeys.has(ADMIN_ACCOUNT_ID), false);
  });

  it('a renewal the site refuses fails the read instead of returning fewer pages', async () => {
    const client = siteClient(sim, { clock, adminKey: true });
    const admin = sim.store.users.get(ADMIN_ACCOUNT_ID)!;
    try {
      await client.withAdminKey(async () => {
        admin.siteAdmin = false;
        clock.slept += 61 * MINUTE;
        await assert.rejects(
          seen(client),
          (error) => isStepvaultError(error) && /Admin Key could not be renewed/.test(error.message),
        );
        admin.siteAdmin = true;
        assert.deepEqual(await seen(client), [...hidden].sort(), 'the next request tries again');
      });
    } finally {
      admin.siteAdmin = true;
    }
  });

  it('without adminKey the work just runs and no key is enabled', async () => {
    const client = siteClient(sim, { clock });
    const got = await client.withAdminKey(async () => {
      assert.equal(sim.store.adminKeys.has(ADMIN_ACCOUNT_ID), false);
      return seen(client);
    });
    assert.deepEqual(got, []);
  });
});
