// zstd with reusable native contexts writing into buffers the caller owns (zstd-napi, which binds libzstd
// 1.5 through N-API). Node's own `zlib.zstd*Sync` builds a stream object and a fresh native context for every
// call and allocates every output: for the tens of thousands of small blobs of a backup that was a fifth of the
// compression time, decompression ran at a third of libzstd's speed, and the freed contexts and outputs made up
// most of the pipeline's memory. A context is not thread-safe: keep one per thread (module state is per thread).

import { createRequire } from 'node:module';

type Binding = typeof import('zstd-napi/binding.js');
const binding = createRequire(import.meta.url)('zstd-napi/binding.js') as Binding;

/** The largest compressed size of `length` bytes (zstd's bound for incompressible input). */
export function compressBound(length: number): number {
  return binding.compressBound(length);
}

/** One compression context at a fixed level; frames carry their content size and no checksum (AEAD covers it). */
export class ZstdCompressor {
  readonly #cctx = new binding.CCtx();

  constructor(level: number) {
    this.#cctx.setParameter(binding.CParameter.compressionLevel, level);
    this.#cctx.setParameter(binding.CParameter.checksumFlag, 0);
    this.#cctx.setParameter(binding.CParameter.contentSizeFlag, 1);
  }

  /** Compresses `src` into `dst` (at least `compressBound(src.length)` long to never fail); returns the length. */
  compressInto(dst: Uint8Array, src: Uint8Array): number {
    return this.#cctx.compress2(dst, src);
  }
}

/** One decompression context; output never exceeds `dst`, so a hostile frame cannot inflate without bound. */
export class ZstdDecompressor {
  readonly #dctx = new binding.DCtx();

  /** Decompresses one whole frame into `dst`; returns its length. Throws zstd's error for a bad frame. */
  decompressInto(dst: Uint8Array, src: Uint8Array): number {
    return this.#dctx.decompress(dst, src);
  }
}
