// The index file format (docs/repository-format.md §Index). An index file lists packs and, for each, its salt,
// size and every blob entry in pack order (a blob's position is its nonce counter). It is a sealed object of
// type "index"; its plaintext is:
//   "SVI" | 0x01 | u32 packCount | packCount × (id[32] | salt[16] | u32 size | u32 blobCount | blobCount × entry)

import { StepvaultError } from '../../common/errors.ts';
import { ENTRY_BYTES, PACK_SALT_BYTES, type PackEntry, readEntry, writeEntry } from '../pack/pack-format.ts';

const MAGIC = Buffer.from([0x53, 0x56, 0x49, 0x01]);
const PACK_FIXED = 32 + PACK_SALT_BYTES + 4 + 4;

export interface IndexedPack {
  /** Hex SHA-256 of the pack's bytes: its object name under data/. */
  name: string;
  salt: Buffer;
  size: number;
  entries: PackEntry[];
}

export function encodeIndex(packs: readonly IndexedPack[]): Buffer {
  let size = MAGIC.length + 4;
  for (const p of packs) size += PACK_FIXED + p.entries.length * ENTRY_BYTES;
  const out = Buffer.allocUnsafe(size);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(packs.length, 4);
  let at = 8;
  for (const p of packs) {
    at += out.write(p.name, at, 32, 'hex');
    at += p.salt.copy(out, at);
    out.writeUInt32LE(p.size, at);
    out.writeUInt32LE(p.entries.length, at + 4);
    at += 8;
    for (const e of p.entries) at = writeEntry(out, at, e);
  }
  return out;
}

/** Parses an index; `what` names the file in errors. Every count and length is checked before use. */
export function decodeIndex(plain: Buffer, what: string): IndexedPack[] {
  const fail = (why: string) =>
    new StepvaultError('corrupt', `${what} is corrupt: ${why}`, {
      hint: 'run `stepvault check` to see the effect, and `stepvault repair index` to rebuild the index from packs',
    });
  if (plain.length < 8 || !plain.subarray(0, 4).equals(MAGIC)) throw fail('bad magic or unknown version');
  const count = plain.readUInt32LE(4);
  const packs: IndexedPack[] = [];
  let at = 8;
  for (let i = 0; i < count; i++) {
    if (at + PACK_FIXED > plain.length) throw fail(`pack ${i} of ${count} is cut off`);
    const name = plain.toString('hex', at, at + 32);
    const salt = Buffer.from(plain.subarray(at + 32, at + 32 + PACK_SALT_BYTES));
    const size = plain.readUInt32LE(at + 48);
    const blobs = plain.readUInt32LE(at + 52);
    at += PACK_FIXED;
    if (at + blobs * ENTRY_BYTES > plain.length) throw fail(`the entries of pack ${name} are cut off`);
    const entries: PackEntry[] = [];
    for (let b = 0; b < blobs; b++, at += ENTRY_BYTES) {
      const entry = readEntry(plain, at);
      if (!entry) throw fail(`entry ${b} of pack ${name} has an unknown type or compression`);
      if (entry.offset + entry.length > size)
        throw fail(`entry ${b} of pack ${name} lies beyond the pack's size`);
      entries.push(entry);
    }
    packs.push({ name, salt, size, entries });
  }
  if (at !== plain.length) throw fail('trailing bytes after the last pack');
  return packs;
}
