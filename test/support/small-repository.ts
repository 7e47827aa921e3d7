// Test support: a repository in memory with small chunks (256 B to 4 KiB) and small packs (8 KiB), so little
// data spans many chunks and packs, with the index and writers that store content and trees in it.

import { ContentWriter } from '../../src/repository/content-writer.ts';
import { MasterIndex } from '../../src/repository/index/master-index.ts';
import { Repository } from '../../src/repository/repository.ts';
import { RepositoryWriter } from '../../src/repository/repository-writer.ts';
import { MemoryBackend } from '../../src/storage/memory/memory-backend.ts';

/** argon2id at almost no cost, for repositories tests and benchmarks make: opening one takes milliseconds. */
export const FAST_KDF = { algorithm: 'argon2id', memoryKiB: 256, passes: 1, parallelism: 1 } as const;

export async function smallRepository() {
  const repo = await Repository.init(new MemoryBackend(), 'pw', {
    kdf: FAST_KDF,
    chunker: { min: 256, avg: 1024, max: 4096 },
    packSize: 8192,
  });
  const index = new MasterIndex();
  const writer = new RepositoryWriter(repo, index);
  return { repo, index, writer, content: new ContentWriter(repo, writer, index) };
}
