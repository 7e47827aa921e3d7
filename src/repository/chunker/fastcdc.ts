// Content-defined chunking (FastCDC with normalized chunking) over a keyed 32-bit gear hash. Boundaries depend
// only on content and the repository's gear table, so an insert in the middle of a file changes only the chunks
// around it. Hot path: the loop keeps the table and masks in locals and does one add, shift and test per byte.
// A caller that streams through one buffer asks the chunker for it (`allocateBuffer`): that buffer lives in the
// memory of a WebAssembly version of the loop (gear-scan-wasm.ts), which scans it faster; any other buffer is
// scanned in JavaScript, with the same boundaries.

import { WasmGearScanner } from './gear-scan-wasm.ts';

export interface ChunkerParams {
  /** @default 512 KiB */
  min: number;
  /** A power of two. @default 1 MiB */
  avg: number;
  /** @default 8 MiB */
  max: number;
}

export const DEFAULT_CHUNKER: ChunkerParams = { min: 512 * 1024, avg: 1024 * 1024, max: 8 * 1024 * 1024 };

export function validateChunkerParams(p: ChunkerParams): string | undefined {
  const pow2 = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
  if (!pow2(p.avg) || p.avg < 256 || p.avg > 2 ** 28)
    return 'avg must be a power of two between 256 B and 256 MiB';
  if (!Number.isInteger(p.min) || p.min < 64 || p.min > p.avg - 64)
    return 'min must be an integer >= 64 and <= avg - 64';
  if (!Number.isInteger(p.max) || p.max <= p.avg || p.max > 2 ** 30)
    return 'max must be an integer > avg and <= 1 GiB';
  return undefined;
}

/**
 * Index of the first position in [from, to) whose gear hash matches `mask`, or -1; the hash is warmed up over
 * [warm, from) without testing. One tight loop per call: V8 compiles two loops in one function much worse.
 */
function scan(buf: Uint8Array, warm: number, from: number, to: number, G: Int32Array, mask: number): number {
  let h = 0;
  for (let i = warm; i < from; i++) h = ((h << 1) + G[buf[i]!]!) | 0;
  for (let i = from; i < to; i++) {
    h = ((h << 1) + G[buf[i]!]!) | 0;
    if ((h & mask) === 0) return i;
  }
  return -1;
}

/** The top `bits` bits of a 32-bit word set: the gear hash's high bits depend on the most input bytes. */
function topMask(bits: number): number {
  return bits >= 32 ? -1 : (~0 << (32 - bits)) | 0;
}

export class Chunker {
  readonly #gear: Int32Array;
  readonly #min: number;
  readonly #avg: number;
  readonly #max: number;
  readonly #maskS: number;
  readonly #maskL: number;
  #wasm: WasmGearScanner | undefined;

  constructor(gear: Uint32Array, params: ChunkerParams = DEFAULT_CHUNKER) {
    if (gear.length !== 256) throw new RangeError('gear table must have 256 entries');
    this.#gear = new Int32Array(gear.buffer.slice(gear.byteOffset, gear.byteOffset + 1024));
    this.#min = params.min;
    this.#avg = params.avg;
    this.#max = params.max;
    const bits = Math.log2(params.avg);
    this.#maskS = topMask(bits + 2);
    this.#maskL = topMask(bits - 2);
  }

  get maxSize(): number {
    return this.#max;
  }

  /**
   * A buffer of `length` bytes that this chunker scans with its WebAssembly loop when it is passed to `next`
   * whole. One per chunker: a second call replaces the first buffer (which stays valid, scanned in JavaScript).
   */
  allocateBuffer(length: number): Buffer {
    this.#wasm = new WasmGearScanner(this.#gear, length);
    return this.#wasm.buffer;
  }

  /**
   * Length of the chunk that starts at `start`, given the bytes `buf[start, end)`. Returns -1 when the boundary
   * cannot be decided yet: no cut point in the bytes available, fewer than `max` of them, and more input to come
   * (`eof` false). At `eof` the remaining bytes (up to `max`) always form a chunk.
   */
  next(buf: Uint8Array, start: number, end: number, eof: boolean): number {
    const available = end - start;
    if (available <= 0) return eof ? 0 : -1;
    const limit = Math.min(available, this.#max);
    if (available <= this.#min) return eof ? available : -1;
    const normal = start + Math.min(this.#avg, limit);
    const stop = start + limit;
    const from = start + this.#min;
    const wasm = this.#wasm?.buffer === buf ? this.#wasm : undefined;
    let cut = wasm
      ? wasm.scan(from, from, normal, this.#maskS)
      : scan(buf, from, from, normal, this.#gear, this.#maskS);
    // The hash depends only on the last 32 bytes, so restarting 32 bytes early gives the same values.
    if (cut < 0 && normal < stop) {
      cut = wasm
        ? wasm.scan(normal - 32, normal, stop, this.#maskL)
        : scan(buf, normal - 32, normal, stop, this.#gear, this.#maskL);
    }
    if (cut >= 0) return cut + 1 - start;
    return limit === this.#max || eof ? limit : -1;
  }

  /** Splits a whole buffer into chunk lengths (convenience for tests and small inputs). */
  split(buf: Uint8Array): number[] {
    const lengths: number[] = [];
    let start = 0;
    while (start < buf.length) {
      const n = this.next(buf, start, buf.length, true);
      lengths.push(n);
      start += n;
    }
    return lengths;
  }
}
