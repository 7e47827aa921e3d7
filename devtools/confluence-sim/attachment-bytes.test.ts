// Generated attachment bytes: any range read from any offset equals the same slice of the whole file, the same
// seed always gives the same bytes, text files are plain text, and generated images are valid PNGs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { type ByteSource, bytesOf, chunksOf, generatePng, sha256Of, sizeOf } from './attachment-bytes.ts';

const sourceArb: fc.Arbitrary<ByteSource> = fc.oneof(
  fc.record({
    kind: fc.constant('random' as const),
    seed: fc.nat(),
    size: fc.integer({ min: 0, max: 200_000 }),
  }),
  fc.record({
    kind: fc.constant('text' as const),
    seed: fc.nat(),
    size: fc.integer({ min: 0, max: 200_000 }),
  }),
  fc
    .uint8Array({ maxLength: 5000 })
    .map((bytes): ByteSource => ({ kind: 'stored', bytes: Buffer.from(bytes) })),
);

test('a range read from any offset equals the slice of the whole file', () => {
  fc.assert(
    fc.property(sourceArb, fc.nat(), fc.nat(), (source, a, b) => {
      const whole = bytesOf(source);
      assert.equal(whole.length, sizeOf(source));
      const size = sizeOf(source);
      const start = size === 0 ? 0 : a % size;
      const end = size === 0 ? 0 : start + (b % (size - start + 1));
      const chunks = [...chunksOf(source, start, end)];
      for (const chunk of chunks) assert.ok(chunk.length <= 64 * 1024);
      assert.deepEqual(Buffer.concat(chunks), whole.subarray(start, end));
    }),
    { numRuns: 60 },
  );
});

test('the same seed gives the same bytes; another seed gives others', () => {
  const a = { kind: 'random', seed: 1, size: 100_000 } as const;
  assert.equal(sha256Of(a), sha256Of({ ...a }));
  assert.notEqual(sha256Of(a), sha256Of({ ...a, seed: 2 }));
  const t = { kind: 'text', seed: 1, size: 50_000 } as const;
  assert.equal(sha256Of(t), sha256Of({ ...t }));
  assert.match(bytesOf(t).toString('latin1'), /^[\x20-\x7e\n]*$/);
});

test('generated images are valid PNGs', () => {
  for (const seed of [1, 2, 3, 99]) {
    const png = generatePng(seed);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.toString('ascii', 12, 16), 'IHDR');
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    const idatLength = png.readUInt32BE(33);
    assert.equal(png.toString('ascii', 37, 41), 'IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    assert.equal(raw.length, (width * 3 + 1) * height);
    assert.equal(png.toString('ascii', png.length - 8, png.length - 4), 'IEND');
    assert.deepEqual(generatePng(seed), png);
  }
});
