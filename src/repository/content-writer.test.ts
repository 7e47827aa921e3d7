import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { smallRepository } from '../../test/support/small-repository.ts';
import { BlobReader } from './blob-reader.ts';
import type { MasterIndex } from './index/master-index.ts';
import type { Repository } from './repository.ts';

async function readBack(repo: Repository, index: MasterIndex, ids: string[]): Promise<Buffer> {
  const reader = new BlobReader(repo, index);
  return Buffer.concat(await Promise.all(ids.map((id) => reader.read(id))));
}

describe('ContentWriter', () => {
  it('stores any stream, however it is split, as the same chunks, and reads it back', async () => {
    const { repo, index, writer, content } = await smallRepository();
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 20_000, size: 'max' }),
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
    const { index, writer, content } = await smallRepository();
    const data = randomBytes(50_000);
    const first = await content.storeBytes(data);
    await writer.flush();
    assert.equal(first.added, data.length);
    assert.ok(first.content.every((id) => index.has(id, 'data')));
  });
});
