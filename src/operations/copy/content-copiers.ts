// Moving a file's content from one repository into another on the pipeline's worker threads (IngestPool copy
// jobs), in one of two ways:
// - as stored, when both repositories compute the same blob IDs (the destination was made with
//   `init --copy-chunker-params`): each blob the destination lacks is decrypted, verified against its ID and added
//   to a destination pack in its stored form (no recompression; sealed anew under the destination pack's key);
//   the content IDs stay the same. Blobs are gathered into batches, sorted by source pack, so packs are read
//   forward and, for a remote source, in few requests.
// - re-chunked, when the keys differ: a worker reads the file's blobs in order (verified), cuts them again with
//   the destination's chunker and hashes them with its blob-ID key, so the file gets new content IDs. A large file
//   goes in parts of bounded size to the same worker, which carries the uncut rest from part to part.
// Either way a blob already in the destination (or stored earlier in this run, by any worker) is not stored
// again: the workers claim blob IDs in the pool's shared set, which starts with everything the destination's index
// lists — packs an interrupted copy left included, once adopted. A blob whose source copy is damaged is read from
// another copy (a duplicate in another pack) when the source has one.

import { StepvaultError } from '../../common/errors.ts';
import type { TreeNode } from '../../domain/tree-node.ts';
import { blobId } from '../../repository/crypto/master-key.ts';
import type { BlobLocation, MasterIndex } from '../../repository/index/master-index.ts';
import type { IngestPool } from '../../repository/pipeline/ingest-pool.ts';
import type { CopyFailure, FileStored } from '../../repository/pipeline/worker-protocol.ts';
import type { Repository } from '../../repository/repository.ts';
import type { SourceBlobs } from './source-blobs.ts';

export type CopyMode = 'as-stored' | 're-chunked';

export interface ContentCopyStats {
  /** Plaintext bytes of the data blobs this copier stored in the destination. */
  bytesStored: number;
}

export interface ContentCopier {
  readonly mode: CopyMode;
  readonly stats: ContentCopyStats;
  /**
   * Makes a file's content present in the destination, or queued to be (see `settle`); returns its content IDs
   * there.
   */
  copy(node: TreeNode, signal?: AbortSignal): Promise<string[]>;
  /** Waits for everything `copy` queued; throws (`corrupt`, `not-found`) if any of it could not be copied. */
  settle(signal?: AbortSignal): Promise<void>;
}

/** Whether two repositories compute the same blob IDs (same blob-ID key), so blobs can be copied as stored. */
export function sameBlobIds(source: Repository, destination: Repository): boolean {
  const probe = Buffer.from('stepvault/copy/blob-id-probe');
  return blobId(source.keys.blobMacKey, probe).equals(blobId(destination.keys.blobMacKey, probe));
}

export interface ContentCopierDeps {
  source: { repo: Repository; index: MasterIndex; blobs: SourceBlobs };
  destination: { repo: Repository; index: MasterIndex };
  /** A pool started with `copyFrom: source.repo` on the destination. */
  pool: IngestPool;
}

export function contentCopier(deps: ContentCopierDeps): ContentCopier {
  return sameBlobIds(deps.source.repo, deps.destination.repo)
    ? new StoredBlobCopier(deps)
    : new RechunkingCopier(deps);
}

/** Stored bytes of blobs gathered before an as-stored batch goes to a worker. */
const BATCH_BYTES = 16 << 20;
const BATCH_BLOBS = 4096;
/** Stored bytes of one part of a re-chunked file read from a remote source. */
const PART_BYTES = 8 << 20;

/**
 * Picks, for each blob, the first of its source copies that has not failed yet; throws `not-found` for a blob the
 * source index lacks and the first error met for a blob whose every copy failed.
 */
class Locations {
  readonly #index: MasterIndex;
  /** Source packs whose copy of a blob failed, and why, by blob. */
  readonly #failed = new Map<string, { packs: Set<string>; error: string }>();

  constructor(index: MasterIndex) {
    this.#index = index;
  }

  of(id: string): BlobLocation {
    const locations = this.#index.locations(id);
    if (locations.length === 0) {
      throw new StepvaultError('not-found', `blob ${id} is not in the source repository's index`, {
        hint: 'run `stepvault check` on the source repository',
      });
    }
    const failed = this.#failed.get(id);
    const usable = failed ? locations.find((l) => !failed.packs.has(l.pack.name)) : locations[0];
    if (!usable) {
      throw new StepvaultError('corrupt', failed!.error, {
        hint: 'run `stepvault check --read-data` on the source repository',
      });
    }
    return usable;
  }

  /** Records failures; false when some blob has no other copy left (`of` then throws for it). */
  failed(failures: readonly CopyFailure[]): boolean {
    let more = true;
    for (const f of failures) {
      let record = this.#failed.get(f.id);
      if (!record) {
        record = { packs: new Set(), error: f.error };
        this.#failed.set(f.id, record);
      }
      record.packs.add(f.pack);
      const left = this.#index.locations(f.id).some((l) => !record.packs.has(l.pack.name));
      if (!left) more = false;
    }
    return more;
  }
}

class StoredBlobCopier implements ContentCopier {
  readonly mode = 'as-stored';
  readonly stats: ContentCopyStats = { bytesStored: 0 };
  readonly #deps: ContentCopierDeps;
  readonly #locations: Locations;
  #batch = new Map<string, BlobLocation>();
  #batchBytes = 0;
  readonly #pending = new Set<Promise<void>>();
  #error: unknown;

  constructor(deps: ContentCopierDeps) {
    this.#deps = deps;
    this.#locations = new Locations(deps.source.index);
  }

  async copy(node: TreeNode, signal?: AbortSignal): Promise<string[]> {
    const content = node.content ?? [];
    const destination = this.#deps.destination.index;
    for (const id of content) {
      if (destination.has(id, 'data') || this.#batch.has(id)) continue;
      const location = this.#locations.of(id);
      this.#batch.set(id, location);
      this.#batchBytes += location.entry.length;
      if (this.#batchBytes >= BATCH_BYTES || this.#batch.size >= BATCH_BLOBS) await this.#dispatch(signal);
    }
    return content;
  }

  async settle(signal?: AbortSignal): Promise<void> {
    await this.#dispatch(signal);
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    const error = this.#error;
    this.#error = undefined;
    if (error !== undefined) throw error;
  }

  /** Sends the batch to a worker (once the source bytes, if remote, are fetched); its outcome is awaited in `settle`. */
  async #dispatch(signal?: AbortSignal): Promise<void> {
    if (this.#batch.size === 0) return;
    const locations = [...this.#batch.values()].sort(
      (a, b) => a.pack.name.localeCompare(b.pack.name) || a.entry.offset - b.entry.offset,
    );
    this.#batch = new Map();
    this.#batchBytes = 0;
    signal?.throwIfAborted();
    const job = await this.#deps.source.blobs.job(locations, signal);
    const stored = this.#deps.pool.storeCopy(
      { mode: 'as-stored', packs: job.packs, blobs: job.blobs, file: 0, last: true },
      job.size,
      job.transfer,
    );
    const outcome = stored
      .finally(job.release)
      .then((result) => this.#done(result, signal))
      .catch((e) => {
        this.#error ??= e;
      })
      .finally(() => this.#pending.delete(outcome));
    this.#pending.add(outcome);
  }

  /** Counts what a batch stored; blobs that failed go into the next batch from another copy, if there is one. */
  async #done(result: FileStored, signal?: AbortSignal): Promise<void> {
    this.stats.bytesStored += result.newBytes;
    const failures = result.failures ?? [];
    if (failures.length === 0) return;
    this.#locations.failed(failures);
    for (const f of failures) {
      const location = this.#locations.of(f.id); // throws when no copy is left
      this.#batch.set(f.id, location);
      this.#batchBytes += location.entry.length;
    }
    await this.#dispatch(signal);
  }
}

class RechunkingCopier implements ContentCopier {
  readonly mode = 're-chunked';
  readonly stats: ContentCopyStats = { bytesStored: 0 };
  readonly #deps: ContentCopierDeps;
  readonly #locations: Locations;
  #nextContent = 1;

  constructor(deps: ContentCopierDeps) {
    this.#deps = deps;
    this.#locations = new Locations(deps.source.index);
  }

  async copy(node: TreeNode, signal?: AbortSignal): Promise<string[]> {
    const ids = node.content ?? [];
    for (;;) {
      const locations = ids.map((id) => this.#locations.of(id));
      const results = await this.#run(locations, signal);
      const failures = results.flatMap((r) => r.failures ?? []);
      if (failures.length > 0) {
        this.#locations.failed(failures);
        continue; // again from other copies of the failed blobs (`of` throws when there are none)
      }
      let size = 0;
      const content: string[] = [];
      for (const r of results) {
        size += r.size;
        this.stats.bytesStored += r.newBytes;
        const bytes = Buffer.from(r.content.buffer, r.content.byteOffset, r.content.byteLength);
        for (let at = 0; at < bytes.length; at += 32) content.push(bytes.toString('hex', at, at + 32));
      }
      if (node.size !== undefined && size !== node.size) {
        throw new StepvaultError(
          'corrupt',
          `file "${node.name}" has ${size} bytes of content but its tree records ${node.size}`,
          { hint: 'run `stepvault check` on the source repository' },
        );
      }
      return content;
    }
  }

  async settle(): Promise<void> {}

  /** Sends the content to a worker in parts (each fetched first, for a remote source), all to the same worker. */
  async #run(locations: BlobLocation[], signal?: AbortSignal): Promise<FileStored[]> {
    const { pool } = this.#deps;
    const { blobs } = this.#deps.source;
    const parts: BlobLocation[][] = [];
    let part: BlobLocation[] = [];
    let bytes = 0;
    for (const l of locations) {
      if (!blobs.local && part.length > 0 && bytes + l.entry.length > PART_BYTES) {
        parts.push(part);
        part = [];
        bytes = 0;
      }
      part.push(l);
      bytes += l.entry.length;
    }
    parts.push(part);
    const file = this.#nextContent++;
    const done: Promise<FileStored>[] = [];
    try {
      for (let i = 0; i < parts.length; i++) {
        signal?.throwIfAborted();
        const job = await blobs.job(parts[i]!, signal);
        const last = i === parts.length - 1;
        const stored = pool.storeCopy(
          { mode: 're-chunk', packs: job.packs, blobs: job.blobs, file, last },
          job.size,
          job.transfer,
        );
        stored.finally(job.release).catch(() => {});
        done.push(stored);
      }
    } catch (e) {
      // Parts already queued finish on their own; the worker forgets the content at its last part, which never
      // comes: an empty last part ends it.
      if (parts.length > 1)
        pool.storeCopy({ mode: 're-chunk', packs: [], blobs: [], file, last: true }, 0).catch(() => {});
      await Promise.allSettled(done);
      throw e;
    }
    return Promise.all(done);
  }
}
