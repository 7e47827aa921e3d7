// Reading another repository's blobs inside an ingest worker, for `copy` jobs: each blob is read from its pack (a
// local file with one positional read of exactly its bytes, or bytes the main thread fetched), authenticated under
// the source pack's key, decompressed into a reusable buffer and checked against its keyed ID before it is used.
// A blob that fails any check is reported, never used.

import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { decompressBlob } from '../pack/blob-codec.ts';
import { openBlob, type PackEntry, packKey } from '../pack/pack-format.ts';
import { noteGarbage } from './worker-gc.ts';
import type { CopyFailure, CopyJob, CopySourceBlob } from './worker-protocol.ts';

/** Pack keys kept per thread (deriving one costs an HKDF). */
const KEY_CACHE = 256;

export type UseBlob = (blob: CopySourceBlob, stored: Buffer, plain: Buffer) => void;

export class CopySource {
  readonly #encryption: Buffer;
  readonly #macKey: KeyObject;
  readonly #keys = new Map<string, KeyObject>();
  #sealed = Buffer.allocUnsafeSlow(0);
  #plain = Buffer.allocUnsafeSlow(0);

  constructor(keys: { encryption: Uint8Array; blobMac: Uint8Array }) {
    this.#encryption = Buffer.from(keys.encryption);
    this.#macKey = createSecretKey(Buffer.from(keys.blobMac));
  }

  /**
   * Reads the job's blobs in order and calls `use` with each one's stored form and plaintext (views valid during
   * the call only). A blob that cannot be read is skipped and returned among the failures; `stopAtFailure` ends
   * the job there (a re-chunked file without one of its pieces is of no use).
   */
  read(job: CopyJob, use: UseBlob, stopAtFailure: boolean): CopyFailure[] {
    const failures: CopyFailure[] = [];
    const files = new Map<number, number>();
    try {
      for (const blob of job.blobs) {
        const pack = job.packs[blob.pack]!;
        let stored: Buffer;
        let plain: Buffer;
        try {
          const entry: PackEntry = {
            type: 'data',
            compressed: blob.compressed,
            id: Buffer.from(blob.id.buffer, blob.id.byteOffset, blob.id.byteLength),
            offset: blob.offset,
            length: blob.length,
            rawLength: blob.rawLength,
          };
          const sealed = this.#sealedBytes(job, blob, files);
          stored = openBlob(this.#key(pack.name, pack.salt), blob.position, entry, sealed, pack.name);
          const what = `data blob ${entry.id.toString('hex')} in pack ${pack.name}`;
          plain = decompressBlob(
            stored,
            blob.compressed,
            blob.rawLength,
            what,
            this.#plainRoom(blob.rawLength),
          );
          if (!createHmac('sha256', this.#macKey).update(plain).digest().equals(entry.id))
            throw new Error(`${what} does not match its ID`);
        } catch (e) {
          failures.push({
            id: Buffer.from(blob.id).toString('hex'),
            pack: pack.name,
            error: (e as Error).message,
          });
          if (stopAtFailure) break;
          continue;
        }
        use(blob, stored, plain);
        noteGarbage(blob.length); // the decrypted buffer
      }
    } finally {
      for (const fd of files.values()) fs.closeSync(fd);
    }
    return failures;
  }

  #sealedBytes(job: CopyJob, blob: CopySourceBlob, files: Map<number, number>): Buffer {
    const pack = job.packs[blob.pack]!;
    if (pack.bytes) {
      const at = blob.offset - (pack.base ?? 0);
      if (at < 0 || at + blob.length > pack.bytes.byteLength)
        throw new Error(`pack ${pack.name}: the bytes fetched do not cover the blob at ${blob.offset}`);
      return Buffer.from(pack.bytes.buffer, pack.bytes.byteOffset + at, blob.length);
    }
    let fd = files.get(blob.pack);
    if (fd === undefined) {
      fd = fs.openSync(pack.path!, 'r');
      files.set(blob.pack, fd);
    }
    if (this.#sealed.length < blob.length) this.#sealed = Buffer.allocUnsafeSlow(blob.length);
    let done = 0;
    while (done < blob.length) {
      const n = fs.readSync(fd, this.#sealed, done, blob.length - done, blob.offset + done);
      if (n === 0)
        throw new Error(
          `pack ${pack.name} is shorter than the index says (truncated at ${blob.offset + done})`,
        );
      done += n;
    }
    return this.#sealed.subarray(0, blob.length);
  }

  #key(name: string, salt: Uint8Array): KeyObject {
    let key = this.#keys.get(name);
    if (!key) {
      if (this.#keys.size >= KEY_CACHE) this.#keys.delete(this.#keys.keys().next().value!);
      key = packKey(this.#encryption, salt);
      this.#keys.set(name, key);
    }
    return key;
  }

  #plainRoom(rawLength: number): Buffer {
    if (this.#plain.length < rawLength) this.#plain = Buffer.allocUnsafeSlow(rawLength);
    return this.#plain;
  }
}
