import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { SharedBlobSet } from './shared-blob-set.ts';

describe('SharedBlobSet', () => {
  it('claims each id once and then reports it present', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 300, size: 'max' }),
        (ids) => {
          const set = new SharedBlobSet(1024);
          const seen = new Set<string>();
          for (const id of ids) {
            const key = Buffer.from(id).toString('hex', 0, 16);
            assert.equal(set.claim(id), seen.has(key) ? 'present' : 'new');
            seen.add(key);
            assert.ok(set.has(id));
          }
          assert.equal(set.count, seen.size);
        },
      ),
    );
  });

  it('keeps every id when grown', () => {
    const set = new SharedBlobSet(1024);
    const ids = Array.from({ length: 700 }, () => randomBytes(32));
    for (const id of ids) set.claim(id);
    const grown = set.grownTo(4096);
    assert.equal(grown.capacity, 4096);
    assert.equal(grown.count, 700);
    for (const id of ids) assert.equal(grown.claim(id), 'present');
  });

  it('says full instead of looping when no slot is left', () => {
    const set = new SharedBlobSet(1024);
    let full = 0;
    for (let i = 0; i < 1100; i++) if (set.claim(randomBytes(32)) === 'full') full++;
    assert.ok(full >= 76);
  });

  it('gives each id to exactly one of several threads racing for it', async () => {
    const set = new SharedBlobSet(1 << 16);
    const ids = Array.from({ length: 20_000 }, () => randomBytes(32));
    const shared = Buffer.concat(ids);
    const url = new URL('./shared-blob-set.test-worker.ts', import.meta.url);
    const run = () =>
      new Promise<number>((resolve, reject) => {
        const worker = new Worker(url, { workerData: { buffer: set.buffer, ids: shared } });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    const wins = await Promise.all([run(), run(), run(), run()]);
    assert.equal(
      wins.reduce((a, b) => a + b, 0),
      ids.length,
    );
    assert.equal(set.count, ids.length);
  });
});
