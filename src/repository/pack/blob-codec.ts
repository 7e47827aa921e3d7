// Compression of blob plaintext: zstd at the requested level, kept only when it makes the blob smaller
// (incompressible data is stored raw and costs nothing to read back).

import * as zlib from 'node:zlib';
import { StepvaultError } from '../../common/errors.ts';

/** 0 turns compression off. @default 3 */
export type CompressionLevel = number;

export function compressBlob(
  plain: Uint8Array,
  level: CompressionLevel,
): { stored: Uint8Array; compressed: boolean } {
  if (level <= 0 || plain.length < 64) return { stored: plain, compressed: false };
  // One output buffer of the compressed size bound: no pieces to concatenate, no garbage beyond the result.
  const out = zlib.zstdCompressSync(plain, {
    chunkSize: Math.max(64, plain.length + (plain.length >> 7) + 512),
    params: {
      [zlib.constants.ZSTD_c_compressionLevel]: level,
      [zlib.constants.ZSTD_c_checksumFlag]: 0,
      [zlib.constants.ZSTD_c_contentSizeFlag]: 1,
    },
  });
  return out.length < plain.length ? { stored: out, compressed: true } : { stored: plain, compressed: false };
}

/** Reverses compressBlob; `rawLength` bounds the output so a hostile blob cannot inflate without limit. */
export function decompressBlob(
  stored: Uint8Array,
  compressed: boolean,
  rawLength: number,
  what: string,
): Buffer {
  if (!compressed) return Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  let out: Buffer;
  try {
    // The exact output size is known: one allocation, no pieces to concatenate.
    out = zlib.zstdDecompressSync(stored, {
      maxOutputLength: Math.max(1, rawLength),
      chunkSize: Math.max(64, rawLength),
    });
  } catch (e) {
    throw new StepvaultError('corrupt', `${what} does not decompress: ${(e as Error).message}`);
  }
  if (out.length !== rawLength) {
    throw new StepvaultError('corrupt', `${what} decompresses to ${out.length} bytes, expected ${rawLength}`);
  }
  return out;
}
