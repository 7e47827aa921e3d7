// A Confluence backup with the Admin Key that runs past the key's 60 minutes: the simulator and the client share
// one virtual clock, every answer takes a virtual minute, and the client sends one request at a time. Held by `withAdminKey`, the key is renewed and every restricted page is in the snapshot; enabled
// once, as backups used to do, the restricted pages drop out of the batch read.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_ACCOUNT_ID } from '../devtools/confluence-sim/directory.ts';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { backupConfluence } from '../src/operations/confluence/backup/backup-confluence.ts';
import { ConfluenceSnapshotReader } from '../src/operations/confluence/snapshot-reader.ts';
import { Repository } from '../src/repository/repository.ts';
import { instantClock, siteClient } from '../src/sources/confluence/client/client.test-helper.ts';
import { MemoryBackend } from '../src/storage/memory/memory-backend.ts';
import { FAST_KDF } from './support/small-repository.ts';

const MINUTE = 60_000;

describe('Confluence backup with the Admin Key past its lifetime', () => {
  const clock = instantClock();
  let sim: ConfluenceSim;
  let hidden: string[];
  before(async () => {
    // Every answer takes a virtual minute: the backup's ~150 requests take well over an hour.
    sim = await startConfluenceSim({ clock });
    sim.generate({ seed: 11, spaces: 2, pages: 40, attachments: 2, hiddenFraction: 0.25 });
    const visible = new Set(
      (await siteClient(sim, { clock }).getPagesByIds([...sim.store.contents.keys()])).map((p) => p.id),
    );
    hidden = [...sim.store.contents.values()]
      .filter((c) => c.kind === 'page' && c.status === 'current' && !visible.has(c.id))
      .map((c) => c.id)
      .sort();
    assert.ok(hidden.length > 0, 'the dataset has pages the admin reads only with the key');
    sim.setLatency(2 * MINUTE);
  });
  after(() => sim.close());

  /** A client sending one request at a time (so that none waits between its key check and its answer). */
  function slowClient() {
    return siteClient(sim, { clock, adminKey: true, concurrency: { initial: 1, max: 1 } });
  }

  /** Virtual minutes the backup took, by the shared clock. */
  async function timed<T>(run: () => Promise<T>): Promise<{ result: T; minutes: number }> {
    const start = clock.now().getTime();
    const result = await run();
    return { result, minutes: (clock.now().getTime() - start) / 60_000 };
  }

  async function backedUpPages(repo: Repository, snapshotId: string): Promise<string[]> {
    const reader = await ConfluenceSnapshotReader.open(repo, snapshotId);
    const ids: string[] = [];
    for (const space of await reader.spaces()) {
      for (const item of await reader.items(space.key)) ids.push(item.id);
    }
    return ids;
  }

  it('withAdminKey renews the key, and every restricted page is backed up', async () => {
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const client = slowClient();
    const { result, minutes } = await timed(() =>
      client.withAdminKey(() =>
        backupConfluence({ site: sim.siteUrl, adminKey: true }, { repo, api: client }),
      ),
    );
    assert.ok(minutes > 120, `the backup ran well past the key's 60 minutes (${minutes} minutes)`);
    assert.ok(client.adminKeyRenewals >= 1, 'the key was renewed');
    assert.deepEqual(result.missing, []);
    const ids = new Set(await backedUpPages(repo, result.snapshotId!));
    assert.deepEqual(
      hidden.filter((id) => !ids.has(id)),
      [],
      'no restricted page is missing',
    );
    assert.equal(sim.store.adminKeys.has(ADMIN_ACCOUNT_ID), false, 'the key is disabled afterwards');
  });

  it('a key enabled once (no renewal) loses restricted pages: the defect the lease prevents', async () => {
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const client = slowClient();
    await client.enableAdminKey(60);
    try {
      const { result, minutes } = await timed(() =>
        backupConfluence({ site: sim.siteUrl, adminKey: true }, { repo, api: client }),
      );
      assert.ok(minutes > 120, `the backup ran well past the key's 60 minutes (${minutes} minutes)`);
      const ids = new Set(await backedUpPages(repo, result.snapshotId!));
      assert.ok(
        hidden.some((id) => !ids.has(id)),
        'without renewal some restricted pages are not in the snapshot',
      );
    } finally {
      await client.disableAdminKey();
    }
  });
});
