// The repository's secret material. One random 32-byte master secret (what key slots wrap) derives, by
// HKDF-SHA-256 with fixed labels, every working key: object/blob encryption, the blob-ID MAC, and the chunker's
// gear table. Rotating a password rewraps the master secret; no data changes.

import { createHmac, createSecretKey, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';

export const MASTER_SECRET_BYTES = 32;

export interface MasterKeys {
  /** Input to per-pack and per-object key derivation (AES-256-GCM keys). */
  readonly encryption: Buffer;
  /** HMAC-SHA-256 key for blob IDs, so storage cannot test whether a known file is present. */
  readonly blobMac: Buffer;
  /** The same key as a KeyObject: HMACs keyed with it are half as expensive to set up. */
  readonly blobMacKey: KeyObject;
  /** 256 random 32-bit values for the content-defined chunker: boundaries depend on the key too. */
  readonly gear: Uint32Array;
}

function derive(secret: Uint8Array, label: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `stepvault/v1/${label}`, length));
}

export function generateMasterSecret(): Buffer {
  return randomBytes(MASTER_SECRET_BYTES);
}

export function deriveMasterKeys(secret: Uint8Array): MasterKeys {
  const gearBytes = derive(secret, 'chunker-gear', 1024);
  const gear = new Uint32Array(256);
  for (let i = 0; i < 256; i++) gear[i] = gearBytes.readUInt32LE(i * 4);
  const blobMac = derive(secret, 'blob-id', 32);
  return {
    encryption: derive(secret, 'encryption', 32),
    blobMac,
    blobMacKey: createSecretKey(blobMac),
    gear,
  };
}

/** A 32-byte AES key unique to one pack or object, from its random salt. */
export function deriveObjectKey(encryption: Uint8Array, salt: Uint8Array, purpose: string): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', encryption, salt, `stepvault/v1/${purpose}`, 32)));
}

/** The keyed ID of a blob: HMAC-SHA-256 of its plaintext. */
export function blobId(blobMac: KeyObject | Uint8Array, data: Uint8Array): Buffer {
  return createHmac('sha256', blobMac).update(data).digest();
}

/**
 * An HMAC-SHA-256 (hex) of `data` under a key derived from the repository's secret for `purpose`: proves that
 * something kept outside the repository (a fan-out run's files) was written by a holder of the repository's key.
 */
export function purposeMac(encryption: Uint8Array, purpose: string, data: string): string {
  const key = Buffer.from(hkdfSync('sha256', encryption, Buffer.alloc(0), `stepvault/v1/mac/${purpose}`, 32));
  return createHmac('sha256', key).update(data).digest('hex');
}
