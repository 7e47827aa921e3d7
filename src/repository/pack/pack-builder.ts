// Assembles one pack in memory: blobs are sealed straight into the pack's buffer as they come; `finish` adds the
// header and returns the pack's bytes (a view of that buffer, not a copy) and its name (the SHA-256 of the
// bytes), and starts the next pack in a fresh buffer. For packs written as they are built, see pack-stream.ts.

import { createHash, type KeyObject, randomBytes } from 'node:crypto';
import {
  type BlobType,
  PACK_MAGIC,
  PACK_PREFIX_BYTES,
  PACK_SALT_BYTES,
  type PackEntry,
  packKey,
  sealBlobInto,
  sealHeader,
  TAG_BYTES,
} from './pack-format.ts';

export interface FinishedPack {
  name: string;
  bytes: Uint8Array;
  salt: Buffer;
  entries: PackEntry[];
}

export class PackBuilder {
  readonly #encryption: Uint8Array;
  readonly #capacity: number;
  #buf: Uint8Array;
  #length = 0;
  #entries: PackEntry[] = [];
  #salt: Buffer = Buffer.alloc(0);
  #key: KeyObject | undefined;

  /** `capacity`: bytes of the buffer to start each pack with (it grows as needed). */
  constructor(encryption: Uint8Array, capacity = 1 << 20) {
    this.#encryption = encryption;
    this.#capacity = Math.max(capacity, 64);
    this.#buf = Buffer.allocUnsafeSlow(this.#capacity);
    this.#reset();
  }

  #reset(): void {
    this.#salt = randomBytes(PACK_SALT_BYTES);
    this.#key = packKey(this.#encryption, this.#salt);
    this.#buf.set(PACK_MAGIC, 0);
    this.#buf.set(this.#salt, PACK_MAGIC.length);
    this.#length = PACK_PREFIX_BYTES;
    this.#entries = [];
  }

  /** Bytes the pack would have if finished now (without its header). */
  get length(): number {
    return this.#length;
  }

  get count(): number {
    return this.#entries.length;
  }

  /** Seals and appends a blob whose stored form (maybe compressed) is given; returns its entry. */
  add(type: BlobType, id: Buffer, stored: Uint8Array, compressed: boolean, rawLength: number): PackEntry {
    const length = stored.length + TAG_BYTES;
    this.#ensure(this.#length + length);
    sealBlobInto(this.#key!, this.#entries.length, type, id, stored, this.#buf, this.#length);
    const entry: PackEntry = { type, compressed, id, offset: this.#length, length, rawLength };
    this.#entries.push(entry);
    this.#length += length;
    return entry;
  }

  #ensure(size: number): void {
    if (size <= this.#buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(size, this.#buf.length * 2));
    next.set(this.#buf.subarray(0, this.#length));
    this.#buf = next;
  }

  /** Completes the pack and starts the next one in a fresh buffer. */
  finish(): FinishedPack {
    const header = sealHeader(this.#key!, this.#entries);
    this.#ensure(this.#length + header.length);
    this.#buf.set(header, this.#length);
    const bytes = this.#buf.subarray(0, this.#length + header.length);
    const finished: FinishedPack = {
      name: createHash('sha256').update(bytes).digest('hex'),
      bytes,
      salt: this.#salt,
      entries: this.#entries,
    };
    this.#buf = Buffer.allocUnsafeSlow(this.#capacity);
    this.#reset();
    return finished;
  }
}
