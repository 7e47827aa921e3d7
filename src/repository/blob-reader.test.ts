// The blob reader's reads of tree blobs: from a backend without local files, every tree blob of a pack comes from
// one read of the pack's tree span, kept in a bounded cache; a failed span read is not kept; a backend with local
// files is read blob by blob.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { FAST_KDF } from '../../test/support/small-repository.ts';
import type { TreeNode } from '../domain/tree-node.ts';
import type { ByteRange, LocalFiles, ObjectType } from '../storage/contract.ts';
import { MemoryBackend } from '../storage/memory/memory-backend.ts';
import { BlobReader } from './blob-reader.ts';
import { MasterIndex } from './index/master-index.ts';
import { Repository } from './repository.ts';
import { RepositoryWriter } from './repository-writer.ts';

/** A memory backend that records its reads of packs, and can be told to fail them. */
class RecordingBackend extends MemoryBackend {
  readonly loads: { pack: string; range: ByteRange | undefined }[] = [];
  failing = false;
  override async load(type: ObjectType, name: string, range?: ByteRange): Promise<Buffer> {
    if (type === 'data') {
      this.loads.push({ pack: name, range });
      if (this.failing) throw new Error('the pack is unreachable');
    }
    return super.load(type, name, range);
  }
}

class LocalFilesBackend extends RecordingBackend {
  readonly localFiles: LocalFiles = { stagingDirectory: () => '/nonexistent', path: () => '/nonexistent' };
}

function dir(name: string, files: number): TreeNode[] {
  return Array.from({ length: files }, (_, i) => ({
    // names that do not compress away, so that the trees fill several small packs
    name: `${name}-${randomBytes(12).toString('hex')}-${i}.txt`,
    type: 'file' as const,
    mode: 0o644,
    uid: 1000,
    gid: 1000,
    mtime: String(1_000_000 + i),
    size: 0,
    content: [],
  })).sort((a, b) => (a.name < b.name ? -1 : 1)); // trees list their entries by name
}

/** A repository whose trees fill `packs` tree packs of ~8 KiB: the IDs of the trees, by pack. */
async function treesInPacks(backend: RecordingBackend) {
  const repo = await Repository.init(backend, 'pw', { kdf: FAST_KDF, packSize: 8192 });
  const index = new MasterIndex();
  const writer = new RepositoryWriter(repo, index);
  const trees = new Map<string, TreeNode[]>();
  for (let i = 0; i < 40; i++) {
    const nodes = dir(`d${i}`, 20);
    trees.set(await writer.saveTree(nodes), nodes);
  }
  await writer.flush();
  const byPack = new Map<string, string[]>();
  for (const id of trees.keys()) {
    const pack = index.lookup(id)!.pack.name;
    byPack.set(pack, [...(byPack.get(pack) ?? []), id]);
  }
  backend.loads.length = 0;
  return { repo, index, trees, byPack };
}

describe('BlobReader tree reads', () => {
  it('reads the tree blobs of each pack with one request from a backend without local files', async () => {
    const backend = new RecordingBackend();
    const { repo, index, trees, byPack } = await treesInPacks(backend);
    assert.ok(byPack.size >= 3, `the trees fill several packs (${byPack.size})`);
    const reader = new BlobReader(repo, index);
    for (const [id, nodes] of trees) assert.deepEqual(await reader.readTree(id), nodes);
    assert.deepEqual(backend.loads.map((l) => l.pack).sort(), [...byPack.keys()].sort());
    for (const { pack, range } of backend.loads) {
      const entries = index.pack(pack)!.entries;
      const end = Math.max(...entries.map((e) => e.offset + e.length));
      assert.deepEqual(range, {
        offset: Math.min(...entries.map((e) => e.offset)),
        length: end - range!.offset,
      });
    }
  });

  it('reads a pack again once its span left the bounded cache, and reads trees at once concurrently', async () => {
    const backend = new RecordingBackend();
    const { repo, index, byPack } = await treesInPacks(backend);
    const [first, second] = [...byPack.values()] as [string[], string[]];
    // room for one span only: the first pack's span goes when the second's is read
    const reader = new BlobReader(repo, index, { treeCacheSize: 0, treeSpanCacheBytes: 1 });
    await Promise.all(first.map((id) => reader.readTree(id)));
    assert.equal(backend.loads.length, 1, 'concurrent reads of one pack share its read');
    await reader.readTree(second[0]!);
    await reader.readTree(first[0]!);
    assert.equal(backend.loads.length, 3);
  });

  it('does not keep a failed read of a span: the next read of the pack asks again', async () => {
    const backend = new RecordingBackend();
    const { repo, index, trees } = await treesInPacks(backend);
    const [id, nodes] = [...trees][0]!;
    const reader = new BlobReader(repo, index);
    backend.failing = true;
    await assert.rejects(reader.readTree(id), /unreachable/);
    backend.failing = false;
    assert.deepEqual(await reader.readTree(id), nodes);
    assert.equal(backend.loads.length, 2);
  });

  it('reads tree blobs one by one from a backend with local files', async () => {
    const backend = new LocalFilesBackend();
    const { repo, index, trees } = await treesInPacks(backend);
    const reader = new BlobReader(repo, index);
    for (const [id, nodes] of trees) assert.deepEqual(await reader.readTree(id), nodes);
    assert.equal(backend.loads.length, trees.size);
    for (const { pack, range } of backend.loads) {
      const entry = index.pack(pack)!.entries.find((e) => e.offset === range!.offset)!;
      assert.equal(range!.length, entry.length);
    }
  });
});
