// The pack file format (docs/repository-format.md §Packs). A pack holds encrypted blobs followed by an encrypted
// header that lists them, then the header's length:
//   "SVP" | 0x01 | salt[16] | blob 0 | blob 1 | … | header (ciphertext|tag) | u32 LE header length
// Every blob and the header are AES-256-GCM under a key derived from the pack's salt; blob i uses the nonce
// 0^8 | u32 BE i (unique within the key), and its AAD is type | id, so blobs cannot be swapped or renamed.

import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto';
import { StepvaultError } from '../../common/errors.ts';
import { deriveObjectKey } from '../crypto/master-key.ts';

export const PACK_MAGIC = Buffer.from([0x53, 0x56, 0x50, 0x01]); // "SVP" v1
export const PACK_SALT_BYTES = 16;
export const PACK_PREFIX_BYTES = PACK_MAGIC.length + PACK_SALT_BYTES;
export const TAG_BYTES = 16;
export const ENTRY_BYTES = 46;
const HEADER_MAGIC = Buffer.from([0x53, 0x56, 0x48, 0x01]); // "SVH" v1
const HEADER_NONCE = Buffer.alloc(12, 0xff);
const HEADER_AAD = Buffer.from('stepvault/v1/pack-header');

export type BlobType = 'data' | 'tree';
export const BLOB_TYPE_CODE: Record<BlobType, number> = { data: 0, tree: 1 };
const BLOB_TYPES: BlobType[] = ['data', 'tree'];

export interface PackEntry {
  type: BlobType;
  compressed: boolean;
  id: Buffer;
  /** Offset of the blob's ciphertext in the pack. */
  offset: number;
  /** Stored length: ciphertext plus tag. */
  length: number;
  /** Length of the plaintext after decompression. */
  rawLength: number;
}

export function packKey(encryption: Uint8Array, salt: Uint8Array): KeyObject {
  return deriveObjectKey(encryption, salt, 'pack');
}

function blobNonce(index: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(index, 8);
  return nonce;
}

function blobAad(type: BlobType, id: Uint8Array): Buffer {
  const aad = Buffer.allocUnsafe(33);
  aad[0] = BLOB_TYPE_CODE[type];
  aad.set(id, 1);
  return aad;
}

/** Encrypts blob number `index` of a pack: ciphertext followed by the tag. */
export function sealBlob(
  key: KeyObject,
  index: number,
  type: BlobType,
  id: Uint8Array,
  stored: Uint8Array,
): Buffer {
  const out = Buffer.allocUnsafe(stored.length + TAG_BYTES);
  sealBlobInto(key, index, type, id, stored, out, 0);
  return out;
}

/** Encrypts blob number `index` straight into `out` at `offset` (ciphertext, then tag); returns its length. */
export function sealBlobInto(
  key: KeyObject,
  index: number,
  type: BlobType,
  id: Uint8Array,
  stored: Uint8Array,
  out: Uint8Array,
  offset: number,
): number {
  const [body, tag] = sealBlobParts(key, index, type, id, stored);
  out.set(body, offset);
  out.set(tag, offset + body.length);
  return body.length + TAG_BYTES;
}

/** Encrypts blob number `index` into two new buffers: its ciphertext and its tag (for writers that stream). */
export function sealBlobParts(
  key: KeyObject,
  index: number,
  type: BlobType,
  id: Uint8Array,
  stored: Uint8Array,
): [Buffer, Buffer] {
  const cipher = createCipheriv('aes-256-gcm', key, blobNonce(index));
  cipher.setAAD(blobAad(type, id));
  const body = cipher.update(stored);
  cipher.final();
  return [body, cipher.getAuthTag()];
}

/** Decrypts one blob; throws `corrupt` naming the blob and pack if it fails to authenticate. */
export function openBlob(
  key: KeyObject,
  index: number,
  entry: PackEntry,
  sealed: Uint8Array,
  pack: string,
): Buffer {
  if (sealed.length !== entry.length || sealed.length < TAG_BYTES) {
    throw blobCorrupt(entry, pack, `expected ${entry.length} stored bytes, got ${sealed.length}`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, blobNonce(index));
  decipher.setAAD(blobAad(entry.type, entry.id));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    const body = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    decipher.final();
    return body;
  } catch {
    throw blobCorrupt(entry, pack, 'authentication failed (bit flip, truncation or a swapped blob)');
  }
}

export function blobCorrupt(entry: PackEntry, pack: string, why: string): StepvaultError {
  return new StepvaultError(
    'corrupt',
    `${entry.type} blob ${entry.id.toString('hex')} in pack ${pack} is corrupt: ${why}`,
    {
      hint: 'run `stepvault check --read-data` to list everything affected',
    },
  );
}

export function encodeEntries(entries: readonly PackEntry[]): Buffer {
  const out = Buffer.allocUnsafe(HEADER_MAGIC.length + 4 + entries.length * ENTRY_BYTES);
  HEADER_MAGIC.copy(out, 0);
  out.writeUInt32LE(entries.length, 4);
  let p = 8;
  for (const e of entries) {
    p = writeEntry(out, p, e);
  }
  return out;
}

export function writeEntry(out: Buffer, p: number, e: PackEntry): number {
  out[p] = BLOB_TYPE_CODE[e.type];
  out[p + 1] = e.compressed ? 1 : 0;
  e.id.copy(out, p + 2);
  out.writeUInt32LE(e.offset, p + 34);
  out.writeUInt32LE(e.length, p + 38);
  out.writeUInt32LE(e.rawLength, p + 42);
  return p + ENTRY_BYTES;
}

/** Reads one entry; returns undefined if its type or compression code is unknown. */
export function readEntry(buf: Buffer, p: number): PackEntry | undefined {
  const type = BLOB_TYPES[buf[p]!];
  const compression = buf[p + 1]!;
  if (type === undefined || compression > 1) return undefined;
  return {
    type,
    compressed: compression === 1,
    id: Buffer.from(buf.subarray(p + 2, p + 34)),
    offset: buf.readUInt32LE(p + 34),
    length: buf.readUInt32LE(p + 38),
    rawLength: buf.readUInt32LE(p + 42),
  };
}

export function sealHeader(key: KeyObject, entries: readonly PackEntry[]): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, HEADER_NONCE);
  cipher.setAAD(HEADER_AAD);
  const body = cipher.update(encodeEntries(entries));
  cipher.final();
  const trailer = Buffer.allocUnsafe(4);
  trailer.writeUInt32LE(body.length + TAG_BYTES, 0);
  return Buffer.concat([body, cipher.getAuthTag(), trailer]);
}

/**
 * Parses a whole pack's structure: magic, salt, and the authenticated header, whose entries must tile the
 * space between the prefix and the header exactly. Throws `corrupt` naming the pack on any inconsistency.
 */
export function readPackHeader(
  encryption: Uint8Array,
  bytes: Uint8Array,
  name: string,
): { salt: Buffer; entries: PackEntry[] } {
  const pack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return readPackHeaderAt(
    encryption,
    (offset, length) => pack.subarray(offset, offset + length),
    pack.length,
    name,
  );
}

/**
 * The same for a pack of `size` bytes read piece by piece: `read` returns bytes `[offset, offset + length)` (a
 * view it may reuse on the next call). Reads the end first, then the start.
 */
export function readPackHeaderAt(
  encryption: Uint8Array,
  read: (offset: number, length: number) => Buffer,
  size: number,
  name: string,
): { salt: Buffer; entries: PackEntry[] } {
  const tail = size >= 4 ? read(size - 4, 4).readUInt32LE(0) + 4 : 0;
  if (tail > size || tail < 4) throw packCorrupt(name, 'header length is out of range');
  const sealed = Buffer.from(read(size - tail, tail));
  const prefix = read(0, Math.min(PACK_PREFIX_BYTES, size));
  return openPackHeader(encryption, prefix, sealed, size, name);
}

/**
 * The same from the two ends of a pack, without its middle: `prefix` is its first PACK_PREFIX_BYTES bytes,
 * `tail` its sealed header followed by the 4-byte header length, `size` its total size.
 */
export function openPackHeader(
  encryption: Uint8Array,
  prefix: Buffer,
  tail: Buffer,
  size: number,
  name: string,
): { salt: Buffer; entries: PackEntry[] } {
  const fail = (why: string) => packCorrupt(name, why);
  if (
    size < PACK_PREFIX_BYTES + TAG_BYTES + 8 + 4 ||
    prefix.length < PACK_PREFIX_BYTES ||
    !prefix.subarray(0, 4).equals(PACK_MAGIC)
  ) {
    throw fail('not a stepvault pack (bad magic or too short)');
  }
  const headerLength = tail.length >= 4 ? tail.readUInt32LE(tail.length - 4) : -1;
  const headerStart = size - 4 - headerLength;
  if (headerLength < TAG_BYTES + 8 || headerStart < PACK_PREFIX_BYTES || tail.length !== headerLength + 4) {
    throw fail('header length is out of range');
  }
  const salt = Buffer.from(prefix.subarray(4, PACK_PREFIX_BYTES));
  const decipher = createDecipheriv('aes-256-gcm', packKey(encryption, salt), HEADER_NONCE);
  decipher.setAAD(HEADER_AAD);
  decipher.setAuthTag(tail.subarray(headerLength - TAG_BYTES, headerLength));
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(tail.subarray(0, headerLength - TAG_BYTES)), decipher.final()]);
  } catch {
    throw fail('its header failed authentication');
  }
  const entries = decodeEntries(plain, fail);
  let expected = PACK_PREFIX_BYTES;
  for (const e of entries) {
    if (e.offset !== expected || e.length < TAG_BYTES) throw fail('its header does not describe its blobs');
    expected += e.length;
  }
  if (expected !== headerStart) throw fail('its blobs and header do not add up to its size');
  return { salt, entries };
}

function packCorrupt(name: string, why: string): StepvaultError {
  return new StepvaultError('corrupt', `pack ${name} is corrupt: ${why}`, {
    hint: 'run `stepvault check --read-data` to list the files affected',
  });
}

function decodeEntries(plain: Buffer, fail: (why: string) => Error): PackEntry[] {
  if (plain.length < 8 || !plain.subarray(0, 4).equals(HEADER_MAGIC)) throw fail('bad header magic');
  const count = plain.readUInt32LE(4);
  if (plain.length !== 8 + count * ENTRY_BYTES) throw fail('header size does not match its entry count');
  const entries: PackEntry[] = [];
  for (let i = 0, p = 8; i < count; i++, p += ENTRY_BYTES) {
    const entry = readEntry(plain, p);
    if (!entry) throw fail(`entry ${i} has an unknown type or compression`);
    entries.push(entry);
  }
  return entries;
}
