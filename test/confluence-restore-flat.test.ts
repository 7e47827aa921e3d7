// A flat space (many pages under one parent) restored with siblings created concurrently: the target site
// handles the creations in another order than they were sent (some requests are slow), and the restore puts
// the children back in the snapshot's order with the fewest moves, in one pass at the end.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { backupConfluence } from '../src/operations/confluence/backup/backup-confluence.ts';
import { restoreConfluence } from '../src/operations/confluence/restore/restore-confluence.ts';
import { Repository } from '../src/repository/repository.ts';
import { siteClient } from '../src/sources/confluence/client/client.test-helper.ts';
import { MemoryBackend } from '../src/storage/memory/memory-backend.ts';
import { FAST_KDF } from './support/small-repository.ts';

const PAGES = 120;

describe('Confluence restore of a flat space', () => {
  let original: ConfluenceSim;
  let target: ConfluenceSim;
  let state: string;
  before(async () => {
    original = await startConfluenceSim({ siteName: 'acme' });
    target = await startConfluenceSim({ siteName: 'flat' });
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-restore-flat-'));
    original.generate({ seed: 6, spaces: 1, pages: 1 });
    target.seedDirectory(6);
    const space = [...original.store.spaces.values()][0]!;
    const client = siteClient(original);
    for (let i = 0; i < PAGES; i++)
      await client.createPage({
        spaceId: space.id,
        title: `Step ${String(i).padStart(3, '0')}`,
        parentId: space.homepageId!,
        body: { representation: 'storage', value: `<p>step ${i}</p>` },
      });
  });
  after(async () => {
    await Promise.all([original?.close(), target?.close()]);
    fs.rmSync(state, { recursive: true, force: true });
  });

  const childTitles = (sim: ConfluenceSim) => {
    const space = [...sim.store.spaces.values()].find(
      (s) => s.homepageId !== undefined && sim.store.contents.has(s.homepageId),
    )!;
    return sim.store.childrenOf(space.id, space.homepageId).map((c) => c.versions.at(-1)!.title);
  };

  it('creates the siblings concurrently and puts them back in order', async () => {
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const made = await backupConfluence({ site: original.siteUrl }, { repo, api: siteClient(original) });
    assert.deepEqual(made.missing, []);
    // A third of the target's answers come late: creations sent together are handled out of order.
    target.faults.set({ seed: 4, slow: { probability: 0.3, delayMs: 30 } });
    const result = await restoreConfluence(
      { snapshot: made.snapshotId!, sourceHosts: ['acme.atlassian.net'], concurrency: 8 },
      { repo, client: siteClient(target), targetSite: target.siteUrl, stateDir: state },
    );
    target.faults.clear();
    assert.deepEqual(result.notRestored, []);
    const wanted = childTitles(original);
    assert.ok(wanted.length >= PAGES);
    assert.deepEqual(childTitles(target), wanted);
    const moved = result.counts.itemsMoved;
    assert.ok(moved > 0, 'some siblings were created out of order, so they were created concurrently');
    assert.ok(moved < PAGES / 2, `the order is repaired with few moves (${moved})`);
  });
});
