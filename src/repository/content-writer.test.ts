import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MemoryBackend } from '../storage/memory/memory-backend.ts';
import { BlobReader } from './blob-reader.ts';
import { ContentWriter } from './content-writer.ts';
import { MasterIndex } from './index/master-index.ts';
import { Repository } from './repository.ts';
import { RepositoryWriter } from './repository-writer.ts';

const FAST = { algorithm: 'argon2id', memoryKiB: 256, passes: 1, parallelism: 1 } as const;

async function setup() {
  const repo = await Repository.init(new MemoryBackend(), 'pw', {
    kdf: FAST,
    chunker: { min: 256, avg: 1024, max: 4096 },
    packSize: 8192,
  });
  const index = new MasterIndex();
  const writer = new RepositoryWriter(repo, index);
  return { repo, index, writer, content: new ContentWriter(repo, writer, index) };
}

async function readBack(repo: Repository, index: MasterIndex, ids: string[]): Promise<Buffer> {
  const reader = new BlobReader(repo, index);
  return Buffer.concat(await Promise.all(ids.map((id) => reader.read(id))));
}

describe('ContentWriter', () => {
  it('stores any stream, however it is split, as the same chunks, and reads it back', async () => {
    const { repo, index, writer, content } = await setup();
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 20_000 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }),
        async (data, cuts) => {
          const whole = await content.storeBytes(data);
          const pieces: Uint8Array[] = [];
          for (let at = 0, i = 0; at < data.length; i++) {
            const n = cuts[i % cuts.length]!;
            pieces.push(data.subarray(at, at + n));
            at += n;
          }
          const streamed = await content.storeStream(pieces);
          assert.deepEqual(streamed.content, whole.content);
          assert.equal(streamed.size, data.length);
          assert.equal(streamed.added, 0, 'the second store of the same bytes adds nothing');
          await writer.flush();
          assert.deepEqual(await readBack(repo, index, whole.content), Buffer.from(data));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('deduplicates against the index', async () => {
    const { index, writer, content } = await setup();
    const data = randomBytes(50_000);
    const first = await content.storeBytes(data);
    await writer.flush();
    assert.equal(first.added, data.length);
    assert.ok(first.content.every((id) => index.has(id, 'data')));
  });
});
