// Sealed objects: the encrypted, authenticated envelope of every small repository object (config, index,
// snapshot, lock, tombstone, chain entry). Layout (docs/repository-format.md §Sealed objects):
//   "SVO" | version 0x01 | salt[16] | AES-256-GCM ciphertext | tag[16]
// The key is derived from the salt (unique per object), so the all-zero nonce is never reused; the AAD binds
// the object type, so one kind of object cannot be passed off as another.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { StepvaultError } from '../../common/errors.ts';
import { deriveObjectKey } from './master-key.ts';

export type SealedType = 'config' | 'index' | 'snapshot' | 'lock' | 'tombstone' | 'chain';

const MAGIC = Buffer.from('SVO');
const VERSION = 1;
const SALT = 16;
const TAG = 16;
export const SEAL_OVERHEAD = MAGIC.length + 1 + SALT + TAG;
const ZERO_NONCE = Buffer.alloc(12);

export function seal(encryption: Uint8Array, type: SealedType, plaintext: Uint8Array): Buffer {
  const salt = randomBytes(SALT);
  const cipher = createCipheriv(
    'aes-256-gcm',
    deriveObjectKey(encryption, salt, `object/${type}`),
    ZERO_NONCE,
  );
  cipher.setAAD(Buffer.from(`stepvault/v1/${type}`));
  const body = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([MAGIC, Buffer.of(VERSION), salt, body, cipher.getAuthTag()]);
}

/** Decrypts and authenticates; `what` names the object in the error ("snapshots/1a2b…"). */
export function unseal(encryption: Uint8Array, type: SealedType, sealed: Uint8Array, what: string): Buffer {
  const data = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (data.length < SEAL_OVERHEAD || !data.subarray(0, 3).equals(MAGIC)) {
    throw corrupt(what, 'it is not a stepvault object (bad magic or too short)');
  }
  if (data[3] !== VERSION) throw corrupt(what, `unknown object format version ${data[3]}`);
  const salt = data.subarray(4, 4 + SALT);
  const decipher = createDecipheriv(
    'aes-256-gcm',
    deriveObjectKey(encryption, salt, `object/${type}`),
    ZERO_NONCE,
  );
  decipher.setAAD(Buffer.from(`stepvault/v1/${type}`));
  decipher.setAuthTag(data.subarray(data.length - TAG));
  try {
    const body = decipher.update(data.subarray(4 + SALT, data.length - TAG));
    decipher.final();
    return body;
  } catch {
    throw corrupt(what, 'authentication failed: the object was modified, truncated or replaced');
  }
}

function corrupt(what: string, why: string): StepvaultError {
  return new StepvaultError('corrupt', `${what} is corrupt: ${why}`, {
    hint: 'run `stepvault check --read-data` to see everything that is affected',
  });
}
