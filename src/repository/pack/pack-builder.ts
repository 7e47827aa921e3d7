// Assembles one pack in memory: blobs are sealed and appended as they come; `finish` adds the header and
// returns the pack's bytes and name (the SHA-256 of the bytes). Reuses its buffer from pack to pack.

import { createHash, randomBytes } from 'node:crypto';
import {
  type BlobType,
  PACK_MAGIC,
  PACK_PREFIX_BYTES,
  PACK_SALT_BYTES,
  type PackEntry,
  packKey,
  sealBlob,
  sealHeader,
} from './pack-format.ts';

export interface FinishedPack {
  name: string;
  bytes: Buffer;
  salt: Buffer;
  entries: PackEntry[];
}

export class PackBuilder {
  readonly #encryption: Uint8Array;
  #buf: Buffer;
  #length = 0;
  #entries: PackEntry[] = [];
  #salt: Buffer = Buffer.alloc(0);
  #key: Buffer = Buffer.alloc(0);

  constructor(encryption: Uint8Array, initialCapacity = 1 << 20) {
    this.#encryption = encryption;
    this.#buf = Buffer.allocUnsafe(initialCapacity);
    this.#reset();
  }

  #reset(): void {
    this.#salt = randomBytes(PACK_SALT_BYTES);
    this.#key = packKey(this.#encryption, this.#salt);
    PACK_MAGIC.copy(this.#buf, 0);
    this.#salt.copy(this.#buf, PACK_MAGIC.length);
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
    const sealed = sealBlob(this.#key, this.#entries.length, type, id, stored);
    this.#ensure(this.#length + sealed.length);
    sealed.copy(this.#buf, this.#length);
    const entry: PackEntry = { type, compressed, id, offset: this.#length, length: sealed.length, rawLength };
    this.#entries.push(entry);
    this.#length += sealed.length;
    return entry;
  }

  #ensure(size: number): void {
    if (size <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(size, this.#buf.length * 2));
    this.#buf.copy(next, 0, 0, this.#length);
    this.#buf = next;
  }

  /** Completes the pack and starts a new, empty one. */
  finish(): FinishedPack {
    const header = sealHeader(this.#key, this.#entries);
    const bytes = Buffer.allocUnsafe(this.#length + header.length);
    this.#buf.copy(bytes, 0, 0, this.#length);
    header.copy(bytes, this.#length);
    const finished: FinishedPack = {
      name: createHash('sha256').update(bytes).digest('hex'),
      bytes,
      salt: this.#salt,
      entries: this.#entries,
    };
    this.#reset();
    return finished;
  }
}
