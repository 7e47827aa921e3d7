import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { packFile, packInMemory } from './pack-window.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-window-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Pieces of a file in offset order, as a restore or verify takes them: gaps, overlaps, and some longer than the window. */
const forwardPieces = (size: number) =>
  fc
    .array(fc.tuple(fc.nat(size), fc.nat(9 << 20)), { maxLength: 12 })
    .map((pieces) =>
      pieces.map(([at, length]) => [at, Math.min(length, size - at)] as const).sort((a, b) => a[0] - b[0]),
    );

describe('pack window', () => {
  it('reads any pieces of a pack file, in offset order, exactly as they are in the file', () => {
    const size = 13 << 20;
    const bytes = randomBytes(size);
    const file = path.join(dir, 'pack');
    fs.writeFileSync(file, bytes);
    fc.assert(
      fc.property(forwardPieces(size), (pieces) => {
        const pack = packFile(file);
        try {
          assert.equal(pack.size, size);
          for (const [at, length] of pieces)
            assert.ok(pack.read(at, length).equals(bytes.subarray(at, at + length)));
        } finally {
          pack.close();
        }
      }),
      { numRuns: 30 },
    );
  });

  it('reads backwards too (a header before the blobs), re-reading what it must', () => {
    const bytes = randomBytes(6 << 20);
    const file = path.join(dir, 'back');
    fs.writeFileSync(file, bytes);
    const pack = packFile(file);
    assert.ok(pack.read(bytes.length - 4, 4).equals(bytes.subarray(-4)));
    assert.ok(pack.read(0, 100).equals(bytes.subarray(0, 100)));
    assert.ok(pack.read(5 << 20, 1000).equals(bytes.subarray(5 << 20, (5 << 20) + 1000)));
    pack.close();
  });

  it('says a pack that ends early is truncated, and reads what is there', () => {
    const bytes = randomBytes(1000);
    const file = path.join(dir, 'short');
    fs.writeFileSync(file, bytes);
    const pack = packFile(file);
    assert.ok(pack.read(900, 100).equals(bytes.subarray(900)));
    assert.throws(
      () => pack.read(990, 20),
      (e: NodeJS.ErrnoException) => e.code === 'ETRUNC' && /truncated/.test(e.message),
    );
    assert.ok(pack.read(0, 10).equals(bytes.subarray(0, 10)));
    pack.close();
  });

  it('serves bytes given in memory from their base offset on', () => {
    const bytes = randomBytes(500);
    const pack = packInMemory(bytes, 1000);
    assert.equal(pack.size, 1500);
    assert.ok(pack.read(1100, 50).equals(bytes.subarray(100, 150)));
    assert.throws(() => pack.read(999, 10), /truncated/);
    assert.throws(() => pack.read(1490, 20), /truncated/);
  });
});
