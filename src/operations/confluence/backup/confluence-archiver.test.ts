// What a Confluence backup does with an item that goes missing between listing and fetch, on the simulator:
// purged in between, it is recorded as deleted (not partial); left out of the batch read but readable alone, it
// is backed up; left out and unreadable alone (500 after retries), the snapshot is partial and names it. An
// attachment removed between listing and download is recorded as deleted as well. A CQL search the site refuses
// costs the type it names (partial, named), not the backup.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adfOf, storageOf } from '../../../../devtools/confluence-sim/bodies.ts';
import { CQL_TYPES } from '../../../../devtools/confluence-sim/cql.ts';
import type { Content } from '../../../../devtools/confluence-sim/model.ts';
import { type ConfluenceSim, startConfluenceSim } from '../../../../devtools/confluence-sim/simulator.ts';
import { FAST_KDF } from '../../../../test/support/small-repository.ts';
import { Repository } from '../../../repository/repository.ts';
import { siteClient } from '../../../sources/confluence/client/client.test-helper.ts';
import type { ConfluenceClient } from '../../../sources/confluence/client/client.ts';
import type { BackupApi } from '../../../sources/confluence/read-api.ts';
import { MemoryBackend } from '../../../storage/memory/memory-backend.ts';
import { ConfluenceSnapshotReader } from '../snapshot-reader.ts';
import { backupConfluence } from './backup-confluence.ts';

/** The client, with `hooks` run before the calls they name (same arguments). */
function withHooks(
  client: ConfluenceClient,
  hooks: {
    getPagesByIds?: (ids: readonly string[]) => void;
    downloadAttachment?: (pageId: string, attachmentId: string) => void;
  },
): BackupApi {
  return new Proxy(client, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const hook = hooks[prop as keyof typeof hooks] as ((...args: unknown[]) => void) | undefined;
      return (...args: unknown[]) => {
        hook?.(...args);
        return value.apply(target, args);
      };
    },
  });
}

describe('an item that goes missing between listing and fetch', () => {
  let sim: ConfluenceSim;
  let leaves: Content[];
  const keyOf = (c: Content) => sim.store.spaces.get(c.spaceId)!.key;
  const named = (c: Content) => `space ${keyOf(c)} page ${c.id} '${c.versions.at(-1)!.title}'`;

  before(async () => {
    sim = await startConfluenceSim({});
    sim.generate({ seed: 21, spaces: 2, pages: 40, attachments: 8, blogPosts: 2 });
    const contents = [...sim.store.contents.values()];
    leaves = contents.filter(
      (c) =>
        c.kind === 'page' &&
        c.status === 'current' &&
        !contents.some((x) => x.parentId === c.id) &&
        [...sim.store.spaces.values()].every((s) => s.homepageId !== c.id),
    );
    assert.ok(leaves.length >= 3);
  });
  after(async () => {
    await sim?.close();
  });

  it('is recorded as deleted, not partial, when the site confirms it purged (404)', async () => {
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const page = leaves[0]!;
    const path = named(page);
    let purged = false;
    const api = withHooks(siteClient(sim), {
      getPagesByIds: (ids) => {
        if (purged || !ids.includes(page.id)) return;
        purged = true;
        sim.edits.purgePage(page.id);
      },
    });
    const result = await backupConfluence({ site: sim.siteUrl }, { repo, api });
    assert.ok(purged, 'the page was purged after it was listed, before its batch read');
    assert.deepEqual(result.missing, []);
    assert.deepEqual(
      result.deleted.map((d) => d.path),
      [path],
    );
    assert.match(result.deleted[0]!.reason, /404/);
    assert.equal(result.summary.confluence.deletedDuringBackup, 1);
    const reader = await ConfluenceSnapshotReader.open(repo, result.snapshotId!);
    assert.equal(reader.snapshot.partial, undefined);
    assert.ok(!(await reader.items(keyOf(page))).some((i) => i.id === page.id));
  });

  it('is backed up when the batch read leaves it out but a read of it alone finds it', async () => {
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const first = await backupConfluence({ site: sim.siteUrl }, { repo, api: siteClient(sim) });
    assert.deepEqual(first.missing, []);
    const page = leaves[1]!;
    sim.edits.editPage(page.id, { seed: 4 }); // changed since the parent: both bodies read again
    sim.faults.set({ hideFromBatch: [page.id] });
    try {
      const result = await backupConfluence({ site: sim.siteUrl }, { repo, api: siteClient(sim) });
      assert.deepEqual(result.missing, []);
      assert.deepEqual(result.deleted, []);
      const reader = await ConfluenceSnapshotReader.open(repo, result.snapshotId!);
      assert.equal(reader.snapshot.partial, undefined);
      const stored = (await reader.items(keyOf(page))).find((i) => i.id === page.id);
      const latest = page.versions.at(-1)!;
      assert.equal(stored?.version.number, latest.number);
      assert.equal(await reader.body(keyOf(page), page.id, 'storage'), storageOf(latest.body));
      assert.equal(await reader.body(keyOf(page), page.id, 'adf'), adfOf(latest.body));
    } finally {
      sim.faults.set({});
    }
  });

  it('makes the snapshot partial and names it when a read of it alone fails too', async () => {
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const api = () => siteClient(sim, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    await backupConfluence({ site: sim.siteUrl }, { repo, api: api() });
    const page = leaves[2]!;
    const before = page.versions.at(-1)!.number;
    sim.edits.editPage(page.id, { seed: 5 });
    sim.faults.set({ hideFromBatch: [page.id], failIds: [page.id] });
    try {
      const result = await backupConfluence({ site: sim.siteUrl }, { repo, api: api() });
      assert.deepEqual(result.deleted, []);
      assert.deepEqual(
        result.missing.map((m) => m.path),
        [named(page)],
      );
      assert.match(
        result.missing[0]!.error,
        /left out of the batch read; read alone: Confluence answered 500/,
      );
      const reader = await ConfluenceSnapshotReader.open(repo, result.snapshotId!);
      assert.deepEqual(reader.snapshot.partial?.missing, result.missing);
      // The parent's consistent, older state of the page is kept.
      const stored = (await reader.items(keyOf(page))).find((i) => i.id === page.id);
      assert.equal(stored?.version.number, before);
    } finally {
      sim.faults.set({});
    }
  });

  it('records an attachment removed between listing and download as deleted, not partial', async () => {
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const att = [...sim.store.attachments.values()].find(
      (a) => a.status === 'current' && sim.store.contents.get(a.containerId)?.status === 'current',
    )!;
    const container = sim.store.contents.get(att.containerId)!;
    const path = `space ${keyOf(container)} ${container.kind} ${container.id} '${container.versions.at(-1)!.title}': attachment ${att.id} v${att.versions.at(-1)!.number}`;
    let removed = false;
    const api = withHooks(siteClient(sim), {
      downloadAttachment: (_pageId, attachmentId) => {
        if (removed || attachmentId !== att.id) return;
        removed = true;
        sim.store.removeAttachment(att.id);
      },
    });
    const result = await backupConfluence({ site: sim.siteUrl }, { repo, api });
    assert.ok(removed, 'the attachment was removed after it was listed, before its download');
    assert.deepEqual(result.missing, []);
    assert.deepEqual(
      result.deleted.map((d) => d.path),
      [path],
    );
    const reader = await ConfluenceSnapshotReader.open(repo, result.snapshotId!);
    assert.equal(reader.snapshot.partial, undefined);
    const atts = await reader.attachments(keyOf(container), container.id);
    assert.ok(!atts.some((x) => x.id === att.id), 'the removed attachment is not stored');
    assert.ok(
      (await reader.items(keyOf(container))).some((i) => i.id === container.id),
      'its page is',
    );
  });

  it('names a new comment on an attachment it cannot look up, instead of dropping it', async () => {
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const api = () => siteClient(sim, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    await backupConfluence({ site: sim.siteUrl }, { repo, api: api() });
    const att = [...sim.store.attachments.values()].find(
      (a) => a.status === 'current' && sim.store.contents.get(a.containerId)?.status === 'current',
    )!;
    const comment = sim.edits.addComment(att.id, '<p>on the file</p>');
    sim.faults.set({ failIds: [att.id] });
    try {
      const result = await backupConfluence(
        { site: sim.siteUrl, sweep: { kind: 'never' } },
        { repo, api: api() },
      );
      assert.deepEqual(
        result.missing.map((m) => m.path),
        [`comment ${comment} on attachment ${att.id}`],
      );
      assert.match(
        result.missing[0]!.error,
        /Confluence answered 500.*the next metadata sweep reads it again/,
      );
    } finally {
      sim.faults.set({});
    }
  });
});

describe('a tree item search the site refuses', () => {
  let sim: ConfluenceSim;
  before(async () => {
    sim = await startConfluenceSim({});
    sim.generate({ seed: 23, spaces: 2, pages: 80, treeItems: 16, attachments: 4 });
  });
  after(async () => {
    await sim?.close();
  });

  it('is a named gap, not a failed backup; items of that type in the parent snapshot are kept', async () => {
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const first = await backupConfluence({ site: sim.siteUrl }, { repo, api: siteClient(sim) });
    assert.deepEqual(first.missing, []);
    const keys = [...sim.store.spaces.values()].map((x) => x.key).sort();
    const idsOf = async (id: string, type?: string) => {
      const reader = await ConfluenceSnapshotReader.open(repo, id);
      const out: string[] = [];
      for (const key of keys)
        for (const item of await reader.items(key)) if (!type || item.type === type) out.push(item.id);
      return out.sort();
    };
    const whiteboards = await idsOf(first.snapshotId!, 'whiteboard');
    assert.ok(whiteboards.length > 0);

    sim.setCqlTypes(CQL_TYPES.filter((t) => t !== 'whiteboard'));
    try {
      const expected = keys.map((key) => `space ${key} whiteboards`);
      const message =
        /^the site refused the search \(400 Could not parse cql: Unknown content type whiteboard\); not backed up$/;
      // Incremental: the parent's whiteboards are read by id (or reused) and kept.
      const second = await backupConfluence({ site: sim.siteUrl }, { repo, api: siteClient(sim) });
      assert.deepEqual(second.missing.map((m) => m.path).sort(), expected);
      for (const m of second.missing) assert.match(m.error, message);
      assert.deepEqual(await idsOf(second.snapshotId!), await idsOf(first.snapshotId!));
      const reader = await ConfluenceSnapshotReader.open(repo, second.snapshotId!);
      assert.deepEqual(reader.snapshot.partial?.missing.map((m) => m.path).sort(), expected);

      // Without a parent: everything else is complete.
      const fresh = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
      const full = await backupConfluence({ site: sim.siteUrl }, { repo: fresh, api: siteClient(sim) });
      assert.deepEqual(full.missing.map((m) => m.path).sort(), expected);
      const others = (await idsOf(first.snapshotId!)).filter((id) => !whiteboards.includes(id));
      const freshReader = await ConfluenceSnapshotReader.open(fresh, full.snapshotId!);
      const stored: string[] = [];
      for (const key of keys)
        for (const item of await freshReader.items(key)) if (item.type !== 'whiteboard') stored.push(item.id);
      assert.deepEqual(stored.sort(), others);
    } finally {
      sim.setCqlTypes(CQL_TYPES);
    }
  });
});
