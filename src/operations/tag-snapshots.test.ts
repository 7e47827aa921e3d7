import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAST_KDF } from '../../test/support/small-repository.ts';
import type { Snapshot } from '../domain/snapshot.ts';
import { Repository } from '../repository/repository.ts';
import { listSnapshots, saveSnapshot } from '../repository/snapshot/snapshot-store.ts';
import { readTombstones } from '../repository/tombstones.ts';
import { MemoryBackend } from '../storage/memory/memory-backend.ts';
import { newTags, settleRewrites, tagSnapshots } from './tag-snapshots.ts';

function snapshot(time: string, tags: string[]): Snapshot {
  return {
    version: 1,
    time,
    host: 'h',
    username: 'u',
    paths: ['/data'],
    tags,
    tree: 'a'.repeat(64),
    source: { type: 'files' },
    program: 'stepvault test',
  };
}

describe('tag snapshots', () => {
  it('computes tags: removes, then adds, keeping the first order and no duplicates', () => {
    assert.deepEqual(newTags(['a', 'b', 'c'], ['d', 'a'], ['b']), ['a', 'c', 'd']);
    assert.deepEqual(newTags([], ['x', 'x'], []), ['x']);
  });

  it('rewrites a snapshot with new tags, keeps its identity and leaves a tombstone for the old one', async () => {
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const id = await saveSnapshot(repo, snapshot('2026-01-01T00:00:00.000Z', ['plan:p']));
    const result = await tagSnapshots({ snapshots: [id.slice(0, 8)], add: ['protected'] }, { repo });
    assert.equal(result.changed.length, 1);
    const { snapshots } = await listSnapshots(repo);
    assert.deepEqual(
      snapshots.map((s) => s.id),
      [result.changed[0]!.to],
    );
    const rewritten = snapshots[0] as (typeof snapshots)[0] & { original?: string };
    assert.deepEqual(rewritten.tags, ['plan:p', 'protected']);
    assert.equal(rewritten.original, id);
    assert.ok((await readTombstones(repo)).valid.has(id));

    const again = await tagSnapshots({ snapshots: [rewritten.id], add: ['protected'] }, { repo });
    assert.deepEqual(again, { changed: [], unchanged: [rewritten.id], notDeleted: [] });

    const back = await tagSnapshots({ snapshots: [rewritten.id], remove: ['protected'] }, { repo });
    const last = (await listSnapshots(repo)).snapshots[0] as (typeof snapshots)[0] & { original?: string };
    assert.equal(last.id, back.changed[0]!.to);
    assert.equal(last.original, id, 'a rewrite of a rewrite keeps the first ID');
  });

  it('settles a rewrite an interruption left next to the snapshot it replaces', async () => {
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const id = await saveSnapshot(repo, snapshot('2026-01-01T00:00:00.000Z', []));
    const other = await saveSnapshot(repo, snapshot('2026-01-02T00:00:00.000Z', []));
    const rewrite = await saveSnapshot(repo, {
      ...snapshot('2026-01-01T00:00:00.000Z', ['anomaly']),
      original: id,
    } as Snapshot);
    const { snapshots } = await listSnapshots(repo);
    const removed = await settleRewrites({ repo }, snapshots, (a, b) => (a.tags.includes('anomaly') ? a : b));
    assert.deepEqual(removed, [id]);
    assert.deepEqual((await listSnapshots(repo)).snapshots.map((s) => s.id).sort(), [other, rewrite].sort());
    assert.deepEqual(await settleRewrites({ repo }, (await listSnapshots(repo)).snapshots, (a) => a), []);
  });
});
