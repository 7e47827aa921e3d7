import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isStepvaultError } from '../../common/errors.ts';
import { blobId, deriveMasterKeys } from '../crypto/master-key.ts';
import { compressBlob, decompressBlob } from './blob-codec.ts';
import { PackBuilder } from './pack-builder.ts';
import { openBlob, packKey, readPackHeader, readPackHeaderAt } from './pack-format.ts';
import { PackStream } from './pack-stream.ts';

const keys = deriveMasterKeys(randomBytes(32));

function buildPack(blobs: Buffer[]) {
  const builder = new PackBuilder(keys.encryption, 64);
  for (const plain of blobs) {
    const { stored, compressed } = compressBlob(plain, 3);
    builder.add('data', blobId(keys.blobMac, plain), stored, compressed, plain.length);
  }
  return builder.finish();
}

describe('pack format', () => {
  it('round-trips blobs through a pack, header and all', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 3000, size: 'max' }), { maxLength: 20, size: 'max' }),
        (arrays) => {
          const blobs = arrays.map((a) => Buffer.from(a));
          const pack = buildPack(blobs);
          assert.equal(pack.name, createHash('sha256').update(pack.bytes).digest('hex'));
          const { salt, entries } = readPackHeader(keys.encryption, pack.bytes, pack.name);
          assert.equal(entries.length, blobs.length);
          const key = packKey(keys.encryption, salt);
          entries.forEach((e, i) => {
            const stored = openBlob(key, i, e, pack.bytes.subarray(e.offset, e.offset + e.length), pack.name);
            const plain = decompressBlob(stored, e.compressed, e.rawLength, 'blob');
            assert.deepEqual(plain, blobs[i]);
            assert.deepEqual(e.id, blobId(keys.blobMac, plain));
          });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('reads the same header piece by piece, through a buffer the reader reuses', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 3000, size: 'max' }), {
          minLength: 1,
          maxLength: 20,
          size: 'max',
        }),
        (arrays) => {
          const pack = buildPack(arrays.map((a) => Buffer.from(a)));
          const bytes = Buffer.from(pack.bytes);
          const reused = Buffer.alloc(bytes.length);
          const read = (offset: number, length: number) => {
            reused.fill(0xee);
            bytes.copy(reused, 0, offset, offset + length);
            return reused.subarray(0, length);
          };
          assert.deepEqual(
            readPackHeaderAt(keys.encryption, read, bytes.length, pack.name),
            readPackHeader(keys.encryption, bytes, pack.name),
          );
        },
      ),
      { numRuns: 30 },
    );
  });

  it('compresses text and stores random data raw', () => {
    const text = Buffer.from('hello backup world '.repeat(500));
    assert.ok(compressBlob(text, 3).compressed);
    assert.equal(compressBlob(randomBytes(5000), 3).compressed, false);
    assert.equal(compressBlob(text, 0).compressed, false);
  });

  it('rejects every single-bit flip and every truncation of a pack', () => {
    const pack = buildPack([Buffer.from('a'.repeat(300)), randomBytes(200), Buffer.from('tree-ish')]);
    const { salt, entries } = readPackHeader(keys.encryption, pack.bytes, pack.name);
    const key = packKey(keys.encryption, salt);
    const allBlobsOpen = (bytes: Uint8Array) => {
      const parsed = readPackHeader(keys.encryption, bytes, pack.name);
      parsed.entries.forEach((e, i) => {
        openBlob(key, i, e, bytes.subarray(e.offset, e.offset + e.length), pack.name);
      });
    };
    for (let bit = 0; bit < pack.bytes.length * 8; bit += 7) {
      const flipped = Buffer.from(pack.bytes);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      assert.throws(
        () => allBlobsOpen(flipped),
        (e) => isStepvaultError(e, 'corrupt'),
        `bit ${bit}`,
      );
    }
    for (let cut = 0; cut < pack.bytes.length; cut += 13) {
      assert.throws(
        () => allBlobsOpen(pack.bytes.subarray(0, cut)),
        (e) => isStepvaultError(e, 'corrupt'),
      );
    }
    assert.equal(entries.length, 3);
  });

  it('refuses a blob presented under another id or position', () => {
    const pack = buildPack([Buffer.from('first blob'), Buffer.from('second blob')]);
    const { salt, entries } = readPackHeader(keys.encryption, pack.bytes, pack.name);
    const key = packKey(keys.encryption, salt);
    const [a, b] = entries as [(typeof entries)[0], (typeof entries)[0]];
    const sealedA = pack.bytes.subarray(a.offset, a.offset + a.length);
    assert.throws(
      () => openBlob(key, 1, { ...a }, sealedA, pack.name),
      (e) => isStepvaultError(e, 'corrupt'),
    );
    assert.throws(
      () => openBlob(key, 0, { ...a, id: b.id }, sealedA, pack.name),
      (e) => isStepvaultError(e, 'corrupt'),
    );
  });

  it('never crashes on arbitrary bytes: it either parses or throws corrupt', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400, size: 'max' }), (bytes) => {
        try {
          readPackHeader(keys.encryption, Buffer.from(bytes), 'fuzz');
        } catch (e) {
          assert.ok(isStepvaultError(e, 'corrupt'), String(e));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('bounds decompression by the recorded raw length', () => {
    const bomb = compressBlob(Buffer.alloc(1 << 20), 3);
    assert.ok(bomb.compressed);
    assert.throws(
      () => decompressBlob(bomb.stored, true, 1000, 'blob x'),
      (e) => isStepvaultError(e, 'corrupt'),
    );
  });
});

describe('pack stream', () => {
  it('writes packs that read back like built ones, named by the SHA-256 of the bytes it wrote', () => {
    // Mostly small blobs, which the stream gathers before writing, and now and then one past the gathering size.
    const blob = fc.oneof(
      { arbitrary: fc.uint8Array({ maxLength: 3000, size: 'max' }), weight: 9 },
      { arbitrary: fc.uint8Array({ minLength: 100_000, maxLength: 200_000 }), weight: 1 },
    );
    fc.assert(
      fc.property(fc.array(blob, { maxLength: 20, size: 'max' }), (arrays) => {
        const blobs = arrays.map((a) => Buffer.from(a));
        const pieces: Buffer[] = [];
        const stream = new PackStream(keys.encryption);
        stream.begin((bytes) => pieces.push(Buffer.from(bytes)));
        for (const plain of blobs) {
          const { stored, compressed } = compressBlob(plain, 3);
          stream.add('data', blobId(keys.blobMac, plain), stored, compressed, plain.length);
        }
        const finished = stream.finish();
        const bytes = Buffer.concat(pieces);
        assert.equal(finished.length, bytes.length);
        assert.equal(finished.name, createHash('sha256').update(bytes).digest('hex'));
        const { salt, entries } = readPackHeader(keys.encryption, bytes, finished.name);
        assert.deepEqual(salt, finished.salt);
        assert.deepEqual(entries, finished.entries);
        const key = packKey(keys.encryption, salt);
        entries.forEach((e, i) => {
          const stored = openBlob(key, i, e, bytes.subarray(e.offset, e.offset + e.length), finished.name);
          assert.deepEqual(decompressBlob(stored, e.compressed, e.rawLength, 'blob'), blobs[i]);
        });
        assert.equal(stream.open, false);
      }),
      { numRuns: 50 },
    );
  });
});

describe('blob codec prediction', () => {
  it('stores large random blobs raw and still compresses large text', () => {
    assert.equal(compressBlob(randomBytes(1 << 20), 3).compressed, false);
    const text = Buffer.from('a line of a log file that repeats with a counter 0123456789\n'.repeat(20_000));
    const { stored, compressed } = compressBlob(text, 3);
    assert.ok(compressed && stored.length < text.length / 10);
    assert.deepEqual(decompressBlob(stored, true, text.length, 'blob'), text);
  });
});
