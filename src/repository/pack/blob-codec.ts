// Compression of blob plaintext: zstd at the requested level, kept only when it makes the blob smaller
// (incompressible data is stored raw and costs nothing to read back). For large blobs a cheap prediction comes
// first, as borg's "auto" mode does: three 8 KiB samples compressed at level 1; if they do not shrink by 5%, the
// blob is stored raw without the full attempt (on random data that is 80 µs per MiB instead of 900).
// Compression writes into one scratch buffer per thread, so a backup allocates nothing per blob here.

import { StepvaultError } from '../../common/errors.ts';
import { compressBound, ZstdCompressor, ZstdDecompressor } from './zstd.ts';

/** 0 turns compression off. @default DEFAULT_COMPRESSION_LEVEL (domain/compression-level.ts) */
export type CompressionLevel = number;

const PREDICT_FROM = 128 * 1024;
const SAMPLE = 8 * 1024;

const compressors = new Map<number, ZstdCompressor>();
let decompressor: ZstdDecompressor | undefined;
let scratch = Buffer.allocUnsafeSlow(0);

/** Compresses into this thread's scratch buffer: the view is valid until the next call in the same thread. */
function zstd(input: Uint8Array, level: number): Buffer {
  let compressor = compressors.get(level);
  if (!compressor) {
    compressor = new ZstdCompressor(level);
    compressors.set(level, compressor);
  }
  const bound = compressBound(input.length);
  if (scratch.length < bound) scratch = Buffer.allocUnsafeSlow(Math.max(bound, 64 * 1024));
  return scratch.subarray(0, compressor.compressInto(scratch, input));
}

/** Whether samples from the start, middle and end of a large blob suggest it will not compress. */
function looksIncompressible(plain: Uint8Array): boolean {
  let compressed = 0;
  for (const at of [0, (plain.length >> 1) - SAMPLE / 2, plain.length - SAMPLE]) {
    compressed += zstd(plain.subarray(at, at + SAMPLE), 1).length;
  }
  return compressed > 0.95 * 3 * SAMPLE;
}

/**
 * The blob's stored form. A compressed `stored` is a view of this thread's scratch buffer, valid until the next
 * `compressBlob` in the same thread: seal or copy it before compressing anything else.
 */
export function compressBlob(
  plain: Uint8Array,
  level: CompressionLevel,
): { stored: Uint8Array; compressed: boolean } {
  if (level <= 0 || plain.length < 64) return { stored: plain, compressed: false };
  if (plain.length >= PREDICT_FROM && looksIncompressible(plain)) return { stored: plain, compressed: false };
  const out = zstd(plain, level);
  return out.length < plain.length ? { stored: out, compressed: true } : { stored: plain, compressed: false };
}

/**
 * Reverses compressBlob; `rawLength` bounds the output so a hostile blob cannot inflate without limit. The
 * plaintext goes into `into` when it is given and long enough (the result is then a view of it), else into a
 * new buffer of exactly `rawLength` bytes.
 */
export function decompressBlob(
  stored: Uint8Array,
  compressed: boolean,
  rawLength: number,
  what: string,
  into?: Buffer,
): Buffer {
  if (!compressed) return Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  const out = into && into.length >= rawLength ? into.subarray(0, rawLength) : Buffer.allocUnsafe(rawLength);
  let length: number;
  try {
    decompressor ??= new ZstdDecompressor();
    length = decompressor.decompressInto(out, stored);
  } catch (e) {
    throw new StepvaultError('corrupt', `${what} does not decompress: ${(e as Error).message}`);
  }
  if (length !== rawLength) {
    throw new StepvaultError('corrupt', `${what} decompresses to ${length} bytes, expected ${rawLength}`);
  }
  return out;
}
