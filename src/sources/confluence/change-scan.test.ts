import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { laterOf, scanSince, WATERMARK_OVERLAP_MS } from './change-scan.ts';

async function* listing<T>(items: T[]): AsyncIterable<T> {
  for (const item of items) yield item;
}

const at = (ms: number) => new Date(ms).toISOString();

describe('scanSince', () => {
  it('reads newest first down to the watermark minus the overlap, and reports the newest time seen', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 10 ** 9 }), { maxLength: 30 }),
        fc.integer({ min: 0, max: 10 ** 9 }),
        async (times, watermark) => {
          const sorted = [...times].sort((a, b) => b - a);
          let pulled = 0;
          const source = (async function* () {
            for (const t of sorted) {
              pulled++;
              yield { t };
            }
          })();
          const result = await scanSince(source, (x) => at(x.t), at(watermark), 1000);
          const expected = sorted.filter((t) => t >= watermark - 1000);
          assert.deepEqual(
            result.items.map((x) => x.t),
            expected,
          );
          assert.ok(pulled <= expected.length + 1, 'stops at the first item past the overlap');
          assert.equal(result.newest, at(Math.max(watermark, ...expected)));
        },
      ),
    );
  });

  it('reads everything without a watermark', async () => {
    const result = await scanSince(
      listing([{ t: 3 }, { t: 1 }, { t: undefined }]),
      (x) => (x.t ? at(x.t) : undefined),
      undefined,
    );
    assert.equal(result.items.length, 3);
    assert.equal(result.newest, at(3));
    assert.equal(WATERMARK_OVERLAP_MS, 600_000);
  });

  it('keeps the later of two times', () => {
    assert.equal(laterOf(undefined, at(1)), at(1));
    assert.equal(laterOf(at(2), at(1)), at(2));
    assert.equal(laterOf(at(2), undefined), at(2));
  });
});
