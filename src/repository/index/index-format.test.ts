import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isStepvaultError } from '../../common/errors.ts';
import type { PackEntry } from '../pack/pack-format.ts';
import { decodeIndex, encodeIndex, type IndexedPack } from './index-format.ts';

const entry: fc.Arbitrary<PackEntry> = fc.record(
  {
    type: fc.constantFrom('data' as const, 'tree' as const),
    compressed: fc.boolean(),
    id: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b)),
    offset: fc.nat(1 << 20),
    length: fc.integer({ min: 16, max: 1 << 20 }),
    rawLength: fc.nat(1 << 24),
  },
  { noNullPrototype: true },
);
const pack: fc.Arbitrary<IndexedPack> = fc.record(
  {
    name: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
    salt: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b)),
    size: fc.constant(1 << 22),
    entries: fc.array(entry, { maxLength: 6 }),
  },
  { noNullPrototype: true },
);

function decodesOrCorrupt(bytes: Uint8Array): void {
  try {
    decodeIndex(Buffer.from(bytes), 'index/fuzz');
  } catch (e) {
    assert.ok(isStepvaultError(e, 'corrupt'), String(e));
  }
}

describe('index format', () => {
  it('round-trips any list of packs', () => {
    fc.assert(
      fc.property(fc.array(pack, { maxLength: 5 }), (packs) => {
        assert.deepEqual(decodeIndex(encodeIndex(packs), 'x'), packs);
      }),
    );
  });

  it('never crashes on arbitrary bytes or on any mutation of a valid index', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300, size: 'max' }), decodesOrCorrupt), {
      numRuns: 500,
    });
    fc.assert(
      fc.property(
        fc.array(pack, { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.nat(255),
        fc.nat(),
        (packs, at, value, cut) => {
          const bytes = encodeIndex(packs);
          const mutated = Buffer.from(bytes);
          mutated[at % mutated.length] = value;
          decodesOrCorrupt(mutated);
          decodesOrCorrupt(bytes.subarray(0, cut % bytes.length));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects entries that lie outside their pack', () => {
    const bad: IndexedPack = {
      name: 'ab'.repeat(32),
      salt: Buffer.alloc(16),
      size: 100,
      entries: [
        { type: 'data', compressed: false, id: Buffer.alloc(32), offset: 90, length: 20, rawLength: 4 },
      ],
    };
    assert.throws(() => decodeIndex(encodeIndex([bad]), 'index/x'), /beyond the pack/);
  });
});
