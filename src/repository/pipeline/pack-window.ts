// The bytes of one pack as a pack worker reads them. A pack kept as a local file is read piece by piece through
// one reusable buffer, a window of a few MiB that moves forward as the blobs are taken in offset order, so a
// worker never holds a whole pack (16 MiB or more) in memory; bytes the main thread fetched are used as given.

import * as fs from 'node:fs';

/** Bytes read at once (more when one blob is longer). */
const WINDOW = 4 << 20;

export interface PackBytes {
  /** The pack's size in bytes (of the file as it is, or of the bytes given). */
  readonly size: number;
  /**
   * Bytes `[offset, offset + length)` of the pack, as a view valid until the next call. Throws (code ETRUNC) if
   * the pack ends before.
   */
  read(offset: number, length: number): Buffer;
  close(): void;
}

let shared = Buffer.allocUnsafeSlow(0);

/** A pack file, read forward through this thread's window buffer (one open pack per thread at a time). */
export function packFile(path: string): PackBytes {
  const fd = fs.openSync(path, 'r');
  let size: number;
  try {
    size = fs.fstatSync(fd).size;
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  let start = 0;
  let end = 0;
  return {
    size,
    read(offset, length) {
      if (offset + length > size) throw truncated(offset + length, size);
      if (offset < start || offset + length > end) {
        const want = Math.min(Math.max(WINDOW, length), size - offset);
        if (shared.length < want) shared = Buffer.allocUnsafeSlow(Math.max(want, WINDOW));
        let done = 0;
        while (done < want) {
          const n = fs.readSync(fd, shared, done, want - done, offset + done);
          if (n === 0) {
            start = end = 0;
            throw truncated(offset + length, offset + done);
          }
          done += n;
        }
        start = offset;
        end = offset + want;
      }
      return shared.subarray(offset - start, offset - start + length);
    },
    close() {
      fs.closeSync(fd);
    },
  };
}

/** Bytes of a pack given in memory: `bytes` holds the pack from offset `base` on. */
export function packInMemory(bytes: Uint8Array, base = 0): PackBytes {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    size: base + buf.length,
    read(offset, length) {
      if (offset < base || offset + length > base + buf.length)
        throw truncated(offset + length, base + buf.length);
      return buf.subarray(offset - base, offset - base + length);
    },
    close() {},
  };
}

function truncated(needed: number, size: number): Error {
  return Object.assign(
    new Error(`the pack is shorter than the index says (${size} < ${needed} bytes): truncated`),
    { code: 'ETRUNC' },
  );
}
