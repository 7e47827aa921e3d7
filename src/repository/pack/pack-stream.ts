// Writes packs as a stream of pieces instead of assembling them in memory: each blob is sealed and handed to a
// sink as it comes, the header last, and the pack's name (the SHA-256 of all its bytes) is computed on the way.
// Pipeline workers use it to write packs straight into staging files, so no pack is ever held in memory.
// Small pieces (most blobs of a backup of many small files are a few KiB, and each has a 16-byte tag) are
// gathered into one buffer and reach the sink and the hash together: a pack of 30k small files then costs a few
// hundred write calls instead of 60k.

import { createHash, type Hash, type KeyObject, randomBytes } from 'node:crypto';
import { StepvaultError } from '../../common/errors.ts';
import {
  type BlobType,
  PACK_MAGIC,
  PACK_SALT_BYTES,
  type PackEntry,
  packKey,
  sealBlobParts,
  sealHeader,
  TAG_BYTES,
} from './pack-format.ts';

/** Receives a pack's bytes in order; must take all of them or throw. `bytes` may be reused after the call. */
export type PackSink = (bytes: Uint8Array) => void;

export interface StreamedPack {
  name: string;
  /** Bytes written to the sink, header included. */
  length: number;
  salt: Buffer;
  entries: PackEntry[];
}

/** Pieces shorter than this are gathered; the buffer that gathers them is twice as large. */
const GATHER_BELOW = 128 * 1024;

export class PackStream {
  readonly #encryption: Uint8Array;
  #gathered: Buffer | undefined;
  #gatheredLength = 0;
  #sink: PackSink | undefined;
  #hash: Hash | undefined;
  #key: KeyObject | undefined;
  #salt: Buffer = Buffer.alloc(0);
  #length = 0;
  #entries: PackEntry[] = [];

  constructor(encryption: Uint8Array) {
    this.#encryption = encryption;
  }

  /** Whether a pack is open (begun and not yet finished). */
  get open(): boolean {
    return this.#sink !== undefined;
  }

  /** Bytes the pack has so far (without its header). */
  get length(): number {
    return this.#length;
  }

  get count(): number {
    return this.#entries.length;
  }

  /** Starts a pack whose bytes go to `sink`. */
  begin(sink: PackSink): void {
    if (this.#sink) throw new StepvaultError('internal', 'begin() while a pack is open');
    this.#sink = sink;
    this.#hash = createHash('sha256');
    this.#salt = randomBytes(PACK_SALT_BYTES);
    this.#key = packKey(this.#encryption, this.#salt);
    this.#entries = [];
    this.#length = 0;
    this.#gatheredLength = 0;
    this.#write(Buffer.concat([PACK_MAGIC, this.#salt]));
  }

  /** Seals and writes a blob whose stored form (maybe compressed) is given; returns its entry. */
  add(type: BlobType, id: Buffer, stored: Uint8Array, compressed: boolean, rawLength: number): PackEntry {
    if (!this.#sink) throw new StepvaultError('internal', 'add() without an open pack');
    const [body, tag] = sealBlobParts(this.#key!, this.#entries.length, type, id, stored);
    const entry: PackEntry = {
      type,
      compressed,
      id,
      offset: this.#length,
      length: body.length + TAG_BYTES,
      rawLength,
    };
    this.#write(body);
    this.#write(tag);
    this.#entries.push(entry);
    return entry;
  }

  /** Writes the header and closes the pack; the sink has then received every byte of it. */
  finish(): StreamedPack {
    if (!this.#sink) throw new StepvaultError('internal', 'finish() without an open pack');
    this.#write(sealHeader(this.#key!, this.#entries));
    this.#flush();
    const finished: StreamedPack = {
      name: this.#hash!.digest('hex'),
      length: this.#length,
      salt: this.#salt,
      entries: this.#entries,
    };
    this.#sink = undefined;
    this.#hash = undefined;
    this.#entries = [];
    return finished;
  }

  #write(bytes: Uint8Array): void {
    this.#length += bytes.length;
    if (bytes.length >= GATHER_BELOW) {
      this.#flush();
      this.#pass(bytes);
      return;
    }
    this.#gathered ??= Buffer.allocUnsafeSlow(2 * GATHER_BELOW);
    if (this.#gatheredLength + bytes.length > this.#gathered.length) this.#flush();
    this.#gathered.set(bytes, this.#gatheredLength);
    this.#gatheredLength += bytes.length;
  }

  #flush(): void {
    if (this.#gatheredLength === 0) return;
    const bytes = this.#gathered!.subarray(0, this.#gatheredLength);
    this.#gatheredLength = 0;
    this.#pass(bytes);
  }

  #pass(bytes: Uint8Array): void {
    this.#sink!(bytes);
    this.#hash!.update(bytes);
  }
}
