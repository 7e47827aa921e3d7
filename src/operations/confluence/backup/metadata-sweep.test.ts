// The metadata sweep on the simulator: it costs at most 1.5 requests per item it sweeps (labels and
// restrictions come many items per request from CQL searches), and what it stores is exactly what reading every
// item alone stores — for pages only the Admin Key shows (CQL ignores the key), a restriction of 230 users and
// 105 groups, a page with more labels than a search lists, and attachments' labels. A rolling sweep re-reads the
// next slice of the items in each backup and has swept the whole site after n backups.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Content } from '../../../../devtools/confluence-sim/model.ts';
import { addPrincipals } from '../../../../devtools/confluence-sim/principals.test-helper.ts';
import { type ConfluenceSim, startConfluenceSim } from '../../../../devtools/confluence-sim/simulator.ts';
import { FAST_KDF } from '../../../../test/support/small-repository.ts';
import { Repository } from '../../../repository/repository.ts';
import { siteClient } from '../../../sources/confluence/client/client.test-helper.ts';
import type { ConfluenceClient } from '../../../sources/confluence/client/client.ts';
import type { BackupApi } from '../../../sources/confluence/read-api.ts';
import { MemoryBackend } from '../../../storage/memory/memory-backend.ts';
import { ConfluenceSnapshotReader } from '../snapshot-reader.ts';
import { backupConfluence, type SweepPolicy } from './backup-confluence.ts';

/** The client with CQL metadata searches refused: the sweep then reads every item alone. */
function withoutMetaSearch(client: ConfluenceClient): BackupApi {
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'searchWithMeta')
        // biome-ignore lint/correctness/useYield: refuses before the first hit
        return async function* () {
          throw new Error('400 refused by the test');
        };
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Every item's metadata and every attachment record of a snapshot, by space and id. */
async function sweptMetadata(repo: Repository, snapshotId: string): Promise<Map<string, unknown>> {
  const reader = await ConfluenceSnapshotReader.open(repo, snapshotId);
  const out = new Map<string, unknown>();
  for (const space of await reader.spaces()) {
    out.set(`${space.key} space`, await reader.spaceMeta(space.key));
    for (const item of await reader.items(space.key)) {
      out.set(`${space.key} ${item.id} meta`, await reader.meta(space.key, item.id));
      const attachments = await reader.attachments(space.key, item.id);
      if (attachments.length > 0) out.set(`${space.key} ${item.id} attachments`, attachments);
    }
  }
  return out;
}

describe('the metadata sweep', () => {
  let sim: ConfluenceSim;
  let hidden: Content[];
  before(async () => {
    sim = await startConfluenceSim();
    sim.generate({ seed: 31, spaces: 3, pages: 150, attachments: 40, blogPosts: 6, hiddenFraction: 0.1 });
    const pages = [...sim.store.contents.values()].filter((c) => c.kind === 'page' && c.status === 'current');
    const visible = new Set((await siteClient(sim).getPagesByIds(pages.map((p) => p.id))).map((p) => p.id));
    hidden = pages.filter((p) => !visible.has(p.id));
    assert.ok(hidden.length >= 3, 'the site has pages only the Admin Key shows');
    // A restriction longer than one page of principals, and more labels than a search lists with a hit.
    const [crowded, labelled] = pages.filter((p) => visible.has(p.id));
    const { users, groups } = addPrincipals(sim.store, 'sweep', { users: 230, groups: 105 });
    crowded!.restrictions.update = { users, groups };
    const tags = Array.from({ length: 210 }, (_, i) => ({ prefix: 'global' as const, name: `tag-${i}` }));
    const admin = siteClient(sim, { adminKey: true });
    await admin.withAdminKey(async () => {
      await admin.addLabels(labelled!.id, tags);
      // A label on a hidden page, which only a read of it alone (with the key) can see.
      await admin.addLabels(hidden[0]!.id, [{ prefix: 'global', name: 'secret' }]);
    });
  });
  after(() => sim.close());

  async function backup(api: (client: ConfluenceClient) => BackupApi) {
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const client = siteClient(sim, { adminKey: true });
    const result = await client.withAdminKey(() =>
      backupConfluence({ site: sim.siteUrl, adminKey: true }, { repo, api: api(client) }),
    );
    assert.deepEqual(result.missing, []);
    return { repo, result };
  }

  it('costs at most 1.5 requests per item, and stores what reading every item alone stores', async () => {
    const batched = await backup((client) => client);
    const alone = await backup(withoutMetaSearch);
    const counts = batched.result.summary.confluence;
    let attachments = 0;
    for (const [key, value] of await sweptMetadata(batched.repo, batched.result.snapshotId!))
      if (key.endsWith(' attachments')) attachments += (value as unknown[]).length;
    const swept = counts.items + attachments;
    assert.ok(counts.sweep.ran && alone.result.summary.confluence.sweep.ran);
    const perItem = counts.sweep.requests / swept;
    assert.ok(
      perItem <= 1.5,
      `${counts.sweep.requests} sweep requests for ${swept} items (${perItem.toFixed(2)})`,
    );
    assert.deepEqual(counts.sweep.fallbacks, [], 'no search failed');
    const fallbacks = alone.result.summary.confluence.sweep.fallbacks;
    assert.ok(fallbacks.length > 0, 'each failed search is reported');
    assert.ok(
      fallbacks.every((f) =>
        /^labels (and restrictions )?of .* of space \S+: 400 refused by the test$/.test(f),
      ),
      fallbacks.join('\n'),
    );
    const perItemAlone = alone.result.summary.confluence.sweep.requests / swept;
    assert.ok(
      perItemAlone > perItem,
      `without the searches the sweep costs more (${perItemAlone.toFixed(2)})`,
    );

    const got = await sweptMetadata(batched.repo, batched.result.snapshotId!);
    const expected = await sweptMetadata(alone.repo, alone.result.snapshotId!);
    assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort());
    for (const [key, value] of expected) assert.deepEqual(got.get(key), value, key);
    // The special cases are in what was compared.
    const metas = [...got.entries()].filter(([k]) => k.endsWith(' meta')).map(([, v]) => JSON.stringify(v));
    assert.ok(metas.some((m) => m.includes('sweep-user-229') && m.includes('sweep-group-104')));
    assert.ok(metas.some((m) => m.includes('tag-209')));
    assert.ok(metas.some((m) => m.includes('"secret"')));
  });

  it('rolls: each backup re-reads the next slice of the items, and the whole site is swept every n backups', async () => {
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const client = siteClient(sim, { adminKey: true });
    const run = (sweep: SweepPolicy) =>
      client.withAdminKey(() =>
        backupConfluence({ site: sim.siteUrl, adminKey: true, sweep }, { repo, api: client }),
      );
    const whole = await run({ kind: 'always' });
    const pages = [...sim.store.contents.values()].filter((c) => c.kind === 'page' && c.status === 'current');
    await client.withAdminKey(async () => {
      for (const page of pages) await client.addLabels(page.id, [{ prefix: 'global', name: 'rolled' }]);
    });
    // An attachment's label, on a page of the first slice swept (1): its attachments are read again then.
    const attachment = [...sim.store.attachments.values()].find(
      (a) =>
        a.status === 'current' &&
        Number(a.containerId) % 3 === 1 &&
        pages.some((p) => p.id === a.containerId),
    )!;
    attachment.labels.push(sim.store.label('global', 'rolled-file').id);
    const attachmentLabels = async (snapshotId: string) => {
      const reader = await ConfluenceSnapshotReader.open(repo, snapshotId);
      const container = sim.store.contents.get(attachment.containerId)!;
      const key = sim.store.spaces.get(container.spaceId)!.key;
      const stored = (await reader.attachments(key, container.id)).find((a) => a.id === attachment.id)!;
      return stored.labels.map((l) => l.name);
    };
    const labelled = async (snapshotId: string) => {
      const reader = await ConfluenceSnapshotReader.open(repo, snapshotId);
      const ids: string[] = [];
      for (const space of await reader.spaces())
        for (const item of await reader.items(space.key))
          if ((await reader.meta(space.key, item.id)).labels.some((l) => l.name === 'rolled'))
            ids.push(item.id);
      return ids.sort();
    };
    const expectedAfter = (slices: number[]) =>
      pages
        .filter((p) => slices.includes(Number(p.id) % 3))
        .map((p) => p.id)
        .sort();
    const swept: number[] = [];
    let lastSweep = whole.site.time;
    for (const [i, slice] of [1, 2, 0].entries()) {
      const result = await run({ kind: 'rolling', slices: 3 });
      assert.deepEqual(result.missing, []);
      assert.deepEqual(result.site.sweepSlice, { index: slice, of: 3 });
      assert.deepEqual(await labelled(result.snapshotId!), expectedAfter([1, 2, 0].slice(0, i + 1)));
      assert.ok(
        (await attachmentLabels(result.snapshotId!)).includes('rolled-file'),
        'the attachment was swept',
      );
      // The whole site counts as swept when the last slice is done.
      if (slice === 2) lastSweep = result.site.time;
      assert.equal(result.site.lastSweep, lastSweep);
      swept.push(result.summary.confluence.sweep.requests);
    }
    const wholeRequests = whole.summary.confluence.sweep.requests;
    assert.ok(
      swept[0]! < wholeRequests / 2 && swept[1]! < wholeRequests / 2,
      `a slice costs a fraction of a whole sweep (${swept.join(', ')} of ${wholeRequests})`,
    );
  });
});
