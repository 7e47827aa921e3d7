import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { deriveMasterKeys } from '../crypto/master-key.ts';
import { Chunker, type ChunkerParams, validateChunkerParams } from './fastcdc.ts';
import { WasmGearScanner } from './gear-scan-wasm.ts';

const SMALL: ChunkerParams = { min: 256, avg: 1024, max: 4096 };
const gear = deriveMasterKeys(Buffer.alloc(32, 7)).gear;

/** Chunks `data` the way a streaming reader does: feeding it in pieces of `step` bytes. */
function streamSplit(chunker: Chunker, data: Uint8Array, step: number): number[] {
  const lengths: number[] = [];
  let start = 0;
  let end = 0;
  while (start < data.length) {
    const eof = end >= data.length;
    const n = chunker.next(data, start, end, eof);
    if (n === -1) {
      end = Math.min(data.length, end + step);
      continue;
    }
    lengths.push(n);
    start += n;
  }
  return lengths;
}

/** Chunks `data` the way the ingest worker does: through the chunker's own buffer, refilled `step` bytes at a time. */
function ownBufferSplit(chunker: Chunker, data: Uint8Array, step: number): number[] {
  const buffer = chunker.allocateBuffer(SMALL.max + step);
  const lengths: number[] = [];
  let [fed, start, end] = [0, 0, 0];
  for (;;) {
    const n = chunker.next(buffer, start, end, fed === data.length);
    if (n === 0) return lengths;
    if (n > 0) {
      lengths.push(n);
      start += n;
      continue;
    }
    buffer.copyWithin(0, start, end);
    [end, start] = [end - start, 0];
    const piece = data.subarray(fed, fed + Math.min(step, buffer.length - end));
    buffer.set(piece, end);
    [fed, end] = [fed + piece.length, end + piece.length];
  }
}

/** Inputs up to their full length (fast-check's default size keeps arrays to a few bytes) and a read size. */
const dataAndStep = fc.tuple(
  fc.uint8Array({ minLength: 1, maxLength: 30_000, size: 'max' }),
  fc.integer({ min: 1, max: 9000 }),
);

describe('FastCDC chunker', () => {
  it('respects min and max sizes and covers the input exactly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40_000, size: 'max' }), (data) => {
        const lengths = new Chunker(gear, SMALL).split(data);
        assert.equal(
          lengths.reduce((a, b) => a + b, 0),
          data.length,
        );
        lengths.forEach((n, i) => {
          assert.ok(n <= SMALL.max);
          if (i < lengths.length - 1) assert.ok(n > SMALL.min, `chunk ${i} of ${n} bytes is below min`);
        });
      }),
    );
  });

  it('finds the same boundaries however the input is fed', () => {
    fc.assert(
      fc.property(dataAndStep, ([data, step]) => {
        const chunker = new Chunker(gear, SMALL);
        assert.deepEqual(streamSplit(chunker, data, step), chunker.split(data));
      }),
    );
  });

  it('cuts its own buffer (scanned in WebAssembly) exactly where it cuts any other', () => {
    fc.assert(
      fc.property(dataAndStep, ([data, step]) => {
        assert.deepEqual(
          ownBufferSplit(new Chunker(gear, SMALL), data, step),
          new Chunker(gear, SMALL).split(data),
        );
      }),
    );
  });

  it('scans in WebAssembly with the gear hash', () => {
    const table = new Int32Array(gear.buffer, gear.byteOffset, 256);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 5000, size: 'max' }),
        fc.nat(),
        fc.integer({ min: 1, max: 12 }),
        (data, at, bits) => {
          const warm = at % (data.length - 32);
          const from = warm + 32;
          const mask = (~0 << (32 - bits)) | 0;
          const scanner = new WasmGearScanner(table, data.length);
          scanner.buffer.set(data);
          let expected = -1;
          for (let i = warm, h = 0; i < data.length; i++) {
            h = ((h << 1) + table[data[i]!]!) | 0;
            if (i >= from && (h & mask) === 0) {
              expected = i;
              break;
            }
          }
          assert.equal(scanner.scan(warm, from, data.length, mask), expected);
        },
      ),
    );
  });

  it('averages near the target size on random data', () => {
    const data = randomBytes(4 * 1024 * 1024);
    const lengths = new Chunker(gear, { min: 2048, avg: 8192, max: 65536 }).split(data);
    const mean = data.length / lengths.length;
    assert.ok(mean > 6000 && mean < 16000, `mean chunk size ${mean}`);
  });

  it('re-synchronises after an insert: chunks before and after the edit are unchanged', () => {
    // Seeded bytes: with random ones, a run of cuts forced at the maximum size now and then carries the edit
    // over more chunks than the bound below, and the test would fail by luck.
    const data = Buffer.alloc(400_000);
    let x = 0x9e3779b9;
    for (let i = 0; i < data.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      data[i] = x & 0xff;
    }
    const edited = Buffer.concat([
      data.subarray(0, 200_000),
      Buffer.from('inserted text'),
      data.subarray(200_000),
    ]);
    const chunker = new Chunker(gear, SMALL);
    const chunksOf = (buf: Buffer) => {
      const out = new Set<string>();
      let start = 0;
      for (const n of chunker.split(buf)) {
        out.add(buf.subarray(start, start + n).toString('hex'));
        start += n;
      }
      return out;
    };
    const before = chunksOf(data);
    const after = chunksOf(edited);
    const shared = [...after].filter((c) => before.has(c)).length;
    assert.ok(shared >= after.size - 3, `only ${shared} of ${after.size} chunks survived an insert`);
  });

  it('depends on the key: another gear table cuts elsewhere', () => {
    const data = randomBytes(200_000);
    const other = deriveMasterKeys(Buffer.alloc(32, 8)).gear;
    assert.notDeepEqual(new Chunker(gear, SMALL).split(data), new Chunker(other, SMALL).split(data));
  });

  it('validates parameters', () => {
    assert.equal(validateChunkerParams({ min: 512 * 1024, avg: 1 << 20, max: 8 << 20 }), undefined);
    assert.match(validateChunkerParams({ min: 10, avg: 1000, max: 2000 }) ?? '', /power of two/);
    assert.match(validateChunkerParams({ min: 4096, avg: 4096, max: 8192 }) ?? '', /min/);
    assert.match(validateChunkerParams({ min: 1024, avg: 4096, max: 4096 }) ?? '', /max/);
  });
});
