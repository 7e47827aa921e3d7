// The pack pool's fetched packs: from a backend that reads into the buffer it is given, packs go into at most one
// more slot than there are workers, reused once the caller released the pack, and every job reads its own pack
// even when many wait for a slot and when several jobs read one pack one after the other; a backend that reads
// into buffers of its own has them transferred instead.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { FAST_KDF } from '../../../test/support/small-repository.ts';
import type { ByteRange, ObjectType } from '../../storage/contract.ts';
import { MemoryBackend } from '../../storage/memory/memory-backend.ts';
import { ContentWriter } from '../content-writer.ts';
import { MasterIndex } from '../index/master-index.ts';
import { ENTRY_BYTES, writeEntry } from '../pack/pack-format.ts';
import { Repository } from '../repository.ts';
import { RepositoryWriter } from '../repository-writer.ts';
import { PackPool } from './pack-pool.ts';

/** A memory backend that reads packs into the buffer it is given (when asked to), and can damage one pack. */
class IntoBackend extends MemoryBackend {
  readonly intoBuffers = new Set<ArrayBufferLike>();
  readonly honoursInto: boolean;
  damaged: string | undefined;

  constructor(honoursInto: boolean) {
    super();
    this.honoursInto = honoursInto;
  }

  override async load(type: ObjectType, name: string, range?: ByteRange, into?: Buffer): Promise<Buffer> {
    const bytes = await super.load(type, name, range);
    if (type === 'data' && name === this.damaged) bytes[bytes.length >> 1]! ^= 1;
    if (!into || !this.honoursInto || into.length < bytes.length) return bytes;
    this.intoBuffers.add(into.buffer);
    bytes.copy(into);
    return into.subarray(0, bytes.length);
  }
}

async function repositoryOfPacks(backend: IntoBackend) {
  const repo = await Repository.init(backend, 'pw', {
    kdf: FAST_KDF,
    chunker: { min: 256, avg: 1024, max: 4096 },
    packSize: 8192,
  });
  const index = new MasterIndex();
  const writer = new RepositoryWriter(repo, index);
  await new ContentWriter(repo, writer, index).storeBytes(randomBytes(120_000));
  await writer.flush();
  return { repo, index };
}

/**
 * Verifies every pack at once through the pool, `jobsPerPack` times each, one job after the other (while other
 * packs are fetched): each pack's problems, by name.
 */
async function verifyAll(index: MasterIndex, pool: PackPool, jobsPerPack = 1) {
  const problems = new Map<string, string[]>();
  await Promise.all(
    [...index.packs()].map(async (pack) => {
      const source = await pool.source(pack.name, 0, pack.size);
      try {
        const entries = Buffer.allocUnsafe(pack.entries.length * ENTRY_BYTES);
        pack.entries.reduce((at, e) => writeEntry(entries, at, e), 0);
        const found: string[] = [];
        for (let n = 0; n < jobsPerPack; n++) {
          const job = { type: 'verify', pack: pack.name, source, salt: pack.salt, entries } as const;
          const result = await pool.run(job);
          found.push(...result.packErrors, ...result.failures.map((f) => f.error));
        }
        problems.set(pack.name, found);
      } finally {
        pool.release(source);
      }
    }),
  );
  return problems;
}

describe('PackPool fetched packs', () => {
  it('reads packs into at most workers + 1 slots, used again, each job reading its own pack', async () => {
    const backend = new IntoBackend(true);
    const { repo, index } = await repositoryOfPacks(backend);
    const packs = [...index.packs()];
    assert.ok(packs.length >= 10, `many more packs than slots (${packs.length})`);
    backend.damaged = packs[packs.length >> 1]!.name;
    const pool = new PackPool(repo, { workers: 2 });
    try {
      const problems = await verifyAll(index, pool);
      for (const [name, found] of problems) {
        if (name === backend.damaged) assert.ok(found.length > 0, 'the damaged pack is reported');
        else assert.deepEqual(found, [], `pack ${name} is sound`);
      }
      assert.ok(
        backend.intoBuffers.size >= 1 && backend.intoBuffers.size <= 3,
        `${backend.intoBuffers.size} slots`,
      );
      for (const buffer of backend.intoBuffers) assert.ok(buffer instanceof SharedArrayBuffer);
    } finally {
      await pool.close();
    }
  });

  it('keeps a pack in its slot until it is released, through several jobs one after the other', async () => {
    const backend = new IntoBackend(true);
    const { repo, index } = await repositoryOfPacks(backend);
    const pool = new PackPool(repo, { workers: 1 });
    try {
      const problems = await verifyAll(index, pool, 3);
      assert.ok(problems.size >= 10);
      assert.deepEqual([...problems.values()].flat(), []);
      assert.ok(backend.intoBuffers.size <= 2, `${backend.intoBuffers.size} slots`);
    } finally {
      await pool.close();
    }
  });

  it('transfers the bytes of a backend that reads into buffers of its own', async () => {
    const backend = new IntoBackend(false);
    const { repo, index } = await repositoryOfPacks(backend);
    const pool = new PackPool(repo, { workers: 2 });
    try {
      const problems = await verifyAll(index, pool);
      assert.deepEqual([...problems.values()].flat(), []);
    } finally {
      await pool.close();
    }
  });
});
