// Assembles one pack in memory: blobs are sealed straight into the pack's buffer as they come; `finish` adds the
// header and returns the pack's bytes (a view of that buffer, not a copy) and its name (the SHA-256 of the
// bytes). By default the builder owns its buffers and takes a fresh one after each pack; a caller that manages
// memory itself (pipeline workers, with shared pack slots) hands in the buffer for each pack with `begin`.

import { createHash, type KeyObject, randomBytes } from 'node:crypto';
import { StepvaultError } from '../../common/errors.ts';
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
  readonly #ownCapacity: number;
  /** Whether the builder allocates its own buffers (and may grow them). */
  readonly #owned: boolean;
  #buf: Uint8Array;
  #length = 0;
  #entries: PackEntry[] = [];
  #salt: Buffer = Buffer.alloc(0);
  #key: KeyObject | undefined;

  /** A builder that allocates its own buffers (`capacity` bytes to start with, growing as needed). */
  constructor(encryption: Uint8Array, capacity = 1 << 20) {
    this.#encryption = encryption;
    this.#ownCapacity = capacity;
    this.#owned = capacity > 0;
    this.#buf = this.#owned ? Buffer.allocUnsafeSlow(capacity) : new Uint8Array(0);
    if (this.#owned) this.#reset();
  }

  /** A builder that works in buffers its caller provides, one per pack, with `begin`. */
  static inCallerBuffers(encryption: Uint8Array): PackBuilder {
    return new PackBuilder(encryption, 0);
  }

  /** Starts the next pack in `buffer` (only for builders given buffers by their caller). */
  begin(buffer: Uint8Array): void {
    if (this.#entries.length > 0) throw new StepvaultError('internal', 'begin() on a pack that has blobs');
    this.#buf = buffer;
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

  /** Whether a blob of this stored length still fits, with room for the header it adds to (always, if owned). */
  fits(storedLength: number): boolean {
    const headerAfter = 8 + (this.#entries.length + 1) * 46 + TAG_BYTES + 4;
    return this.#owned || this.#length + storedLength + TAG_BYTES + headerAfter <= this.#buf.length;
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
    if (!this.#owned)
      throw new StepvaultError('internal', `pack buffer of ${this.#buf.length} bytes is full`);
    const next = Buffer.allocUnsafeSlow(Math.max(size, this.#buf.length * 2));
    next.set(this.#buf.subarray(0, this.#length));
    this.#buf = next;
  }

  /** Completes the pack. Owned builders start the next pack in a fresh buffer; others wait for `begin`. */
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
    this.#entries = [];
    if (this.#owned) {
      this.#buf = Buffer.allocUnsafeSlow(this.#ownCapacity);
      this.#reset();
    }
    return finished;
  }
}
