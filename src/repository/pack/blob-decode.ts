// Turning one stored blob back into its plaintext, with every check: AEAD authentication (which also binds the
// blob's type, ID and position in its pack), decompression bounded by the recorded length, and the keyed ID of
// the result. Used by the main thread and by pipeline workers alike; workers pass a scratch buffer `into`, which
// the plaintext may be a view of.

import { createHmac, type KeyObject } from 'node:crypto';
import { StepvaultError } from '../../common/errors.ts';
import { decompressBlob } from './blob-codec.ts';
import { openBlob, type PackEntry } from './pack-format.ts';

export function decodeBlob(
  key: KeyObject,
  blobMac: KeyObject | Uint8Array,
  position: number,
  entry: PackEntry,
  sealed: Uint8Array,
  pack: string,
  into?: Buffer,
): Buffer {
  const what = `${entry.type} blob ${entry.id.toString('hex')} in pack ${pack}`;
  const stored = openBlob(key, position, entry, sealed, pack);
  const plain = decompressBlob(stored, entry.compressed, entry.rawLength, what, into);
  if (!createHmac('sha256', blobMac).update(plain).digest().equals(entry.id)) {
    throw new StepvaultError('corrupt', `${what} does not match its ID`);
  }
  return plain;
}
