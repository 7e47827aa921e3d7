// Where a copy's pipeline workers read source blobs from: the blobs a job needs, described by the source index,
// with their packs as local files (a source on local disk: the workers read exactly each blob's bytes) or as
// ranges of bytes fetched here (any other source: consecutive blobs of one pack in one request). Fetched bytes
// count against a budget until the job that carries them is done, so memory stays bounded however many files are
// copied at once.

import { StepvaultError } from '../../common/errors.ts';
import type { BlobLocation } from '../../repository/index/master-index.ts';
import type { CopySourceBlob, CopySourcePack } from '../../repository/pipeline/worker-protocol.ts';
import type { Repository } from '../../repository/repository.ts';

/** Blobs of one pack less than this apart are fetched in one request (the gap is read and dropped). */
const MAX_GAP = 256 * 1024;

export interface SourceJob {
  packs: CopySourcePack[];
  blobs: CopySourceBlob[];
  /** Stored bytes of the blobs. */
  size: number;
  /** Buffers of fetched bytes, to move to the worker. */
  transfer: ArrayBuffer[];
  /** Bytes held against the budget; `release` gives them back. */
  release: () => void;
}

/** A budget of bytes in memory: `take` waits while others hold it all (one holder may take more than it). */
export class ByteBudget {
  #free: number;
  readonly #limit: number;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = limit;
    this.#free = limit;
  }

  async take(bytes: number): Promise<number> {
    const amount = Math.min(bytes, this.#limit);
    while (this.#free < amount) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#free -= amount;
    return amount;
  }

  give(amount: number): void {
    this.#free += amount;
    for (const wake of this.#waiting.splice(0)) wake();
  }
}

export class SourceBlobs {
  readonly #repo: Repository;
  readonly #budget: ByteBudget;

  constructor(repo: Repository, budget: ByteBudget) {
    this.#repo = repo;
    this.#budget = budget;
  }

  /** Whether workers read the source's packs themselves (no bytes pass through this thread). */
  get local(): boolean {
    return this.#repo.backend.localFiles !== undefined;
  }

  /** A job's packs and blobs, in the order given; for a remote source the bytes are fetched now. */
  async job(locations: readonly BlobLocation[], signal?: AbortSignal): Promise<SourceJob> {
    const files = this.#repo.backend.localFiles;
    const packs: CopySourcePack[] = [];
    const blobs: CopySourceBlob[] = [];
    let size = 0;
    for (const l of locations) size += l.entry.length;
    if (files) {
      const byName = new Map<string, number>();
      for (const { pack, position, entry } of locations) {
        let at = byName.get(pack.name);
        if (at === undefined) {
          at =
            packs.push({
              name: pack.name,
              salt: new Uint8Array(pack.salt),
              path: files.path('data', pack.name),
            }) - 1;
          byName.set(pack.name, at);
        }
        blobs.push(blobOf(at, position, entry));
      }
      return { packs, blobs, size, transfer: [], release: () => {} };
    }
    // Runs of blobs of one pack, in ascending order and close together, are one range each.
    const ranges: { name: string; salt: Buffer; start: number; end: number }[] = [];
    for (const { pack, position, entry } of locations) {
      const last = ranges.at(-1);
      if (last && last.name === pack.name && entry.offset >= last.end && entry.offset - last.end <= MAX_GAP) {
        last.end = entry.offset + entry.length;
      } else {
        ranges.push({
          name: pack.name,
          salt: pack.salt,
          start: entry.offset,
          end: entry.offset + entry.length,
        });
      }
      blobs.push(blobOf(ranges.length - 1, position, entry));
    }
    let fetched = 0;
    for (const r of ranges) fetched += r.end - r.start;
    const held = await this.#budget.take(fetched);
    const release = () => this.#budget.give(held);
    try {
      signal?.throwIfAborted();
      const bytes = await Promise.all(
        ranges.map((r) =>
          this.#repo.backend.load('data', r.name, { offset: r.start, length: r.end - r.start }),
        ),
      );
      const transfer: ArrayBuffer[] = [];
      ranges.forEach((r, i) => {
        const b = owned(bytes[i]!);
        if (b.buffer instanceof ArrayBuffer && !transfer.includes(b.buffer)) transfer.push(b.buffer);
        packs.push({ name: r.name, salt: new Uint8Array(r.salt), bytes: b, base: r.start });
      });
      return { packs, blobs, size, transfer, release };
    } catch (e) {
      release();
      throw e;
    }
  }
}

function blobOf(pack: number, position: number, entry: BlobLocation['entry']): CopySourceBlob {
  if (entry.type !== 'data') {
    throw new StepvaultError(
      'corrupt',
      `blob ${entry.id.toString('hex')} is listed as file content but is a ${entry.type} blob`,
      { hint: 'run `stepvault check` on the source repository' },
    );
  }
  return {
    pack,
    position,
    offset: entry.offset,
    length: entry.length,
    rawLength: entry.rawLength,
    compressed: entry.compressed,
    // Own copies: a message copies a view's whole ArrayBuffer, and the index's IDs are views of larger ones.
    id: new Uint8Array(entry.id),
  };
}

/**
 * Bytes in an ArrayBuffer of their own, so they can be moved to a worker: a view of a larger or shared buffer
 * (a small Buffer is a view of Node's pool) is copied.
 */
function owned(bytes: Buffer): Uint8Array {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  if (whole && bytes.buffer instanceof ArrayBuffer && bytes.byteLength > Buffer.poolSize) return bytes;
  const copy = new Uint8Array(new ArrayBuffer(bytes.byteLength));
  copy.set(bytes);
  return copy;
}
