import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { test } from 'node:test';
import type { PackEntry } from '../pack/pack-format.ts';
import { MasterIndex } from './master-index.ts';

function entry(offset: number): PackEntry {
  return { type: 'data', compressed: false, id: crypto.randomBytes(32), offset, length: 48, rawLength: 32 };
}

test("a pack's blob ids move into one buffer of the pack's own, equal in value and found as before", () => {
  const entries = [entry(0), entry(48), entry(96)];
  const originals = entries.map((e) => Buffer.from(e.id));
  const given = entries.map((e) => e.id);
  const index = new MasterIndex();
  index.addPack({ name: 'a'.repeat(64), salt: Buffer.alloc(16), size: 144, entries });
  const shared = entries[0]!.id.buffer;
  entries.forEach((e, i) => {
    assert.deepEqual(e.id, originals[i]);
    assert.equal(e.id.buffer, shared, 'one backing buffer for the pack');
    assert.equal(index.lookup(originals[i]!.toString('hex'))?.position, i);
  });
  assert.equal(shared.byteLength, 96, 'a buffer of its own, not a slice of a shared pool');
  given[1]!.fill(0);
  assert.deepEqual(entries[1]!.id, originals[1], 'the index holds copies: the caller may reuse its buffers');
});
