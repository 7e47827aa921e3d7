// Writes new data into a repository in the commit order that keeps it consistent at every instant:
// packs first, then the index files that list them (only once those packs are durable), and only then may the
// caller write a snapshot that refers to them. Also stores tree blobs, deduplicated, in their own packs.

import * as fs from 'node:fs';
import { Semaphore } from '../common/concurrency.ts';
import { DEFAULT_COMPRESSION_LEVEL } from '../domain/compression-level.ts';
import type { TreeNode } from '../domain/tree-node.ts';
import { blobId } from './crypto/master-key.ts';
import type { IndexedPack } from './index/index-format.ts';
import { saveIndex } from './index/index-store.ts';
import type { MasterIndex } from './index/master-index.ts';
import { compressBlob } from './pack/blob-codec.ts';
import { type FinishedPack, PackBuilder } from './pack/pack-builder.ts';
import type { BlobType } from './pack/pack-format.ts';
import type { StreamedPack } from './pack/pack-stream.ts';
import type { Repository } from './repository.ts';
import { encodeTree } from './tree/tree-codec.ts';

export interface WriterStats {
  packs: number;
  indexFiles: number;
  treeBlobs: number;
  /** Bytes written to storage in packs. */
  packBytes: number;
}

export interface WriterOptions {
  /** Packs uploaded at once. @default 4 */
  uploadConcurrency?: number;
  /** An index file is written whenever this many packs wait for one. @default 64 */
  indexEvery?: number;
  compressionLevel?: number;
}

export class RepositoryWriter {
  readonly #repo: Repository;
  readonly #index: MasterIndex;
  readonly #uploads: Semaphore;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #indexEvery: number;
  readonly #level: number;
  readonly #treePack: PackBuilder;
  #dataPack: PackBuilder | undefined;
  readonly #pendingTrees = new Set<string>();
  #unindexed: IndexedPack[] = [];
  #failure: unknown;
  readonly stats: WriterStats = { packs: 0, indexFiles: 0, treeBlobs: 0, packBytes: 0 };
  /** The names of the index files written, in order. */
  readonly indexFilesWritten: string[] = [];

  constructor(repo: Repository, index: MasterIndex, options: WriterOptions = {}) {
    this.#repo = repo;
    this.#index = index;
    this.#uploads = new Semaphore(options.uploadConcurrency ?? 4);
    this.#indexEvery = options.indexEvery ?? 64;
    this.#level = options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL;
    this.#treePack = new PackBuilder(repo.keys.encryption);
  }

  /**
   * Stores a finished pack; resolves once it is durable (not yet indexed: `flush` writes the index). At most
   * `uploadConcurrency` uploads run at once, however many callers there are. A failed upload rejects this call
   * and every later call and `flush`.
   */
  async savePack(pack: FinishedPack): Promise<void> {
    this.#throwIfFailed();
    const { name, salt, entries } = pack;
    await this.#upload({ name, salt, entries, size: pack.bytes.length }, () =>
      this.#repo.backend.save('data', name, pack.bytes),
    );
  }

  /**
   * Where to write packs for `saveStagedPack`: the backend's staging directory, or undefined when it has none
   * (then any local directory will do: the backend reads the file from there).
   */
  stagingDirectory(): string | undefined {
    return this.#repo.backend.localFiles?.stagingDirectory();
  }

  /**
   * Stores a pack that was written into the file `file` (in `stagingDirectory()` when there is one), like
   * `savePack`. The file is removed afterwards, whether this succeeds or not.
   */
  async saveStagedPack(pack: StreamedPack, file: string): Promise<void> {
    const discard = () => fs.promises.unlink(file).catch(() => {});
    if (this.#failure !== undefined) {
      await discard();
      throw this.#failure;
    }
    const { name, salt, entries, length } = pack;
    await this.#upload({ name, salt, entries, size: length }, async () => {
      try {
        await this.#repo.backend.saveFile('data', name, file);
      } finally {
        await discard();
      }
    });
  }

  async #upload(indexed: IndexedPack, save: () => Promise<void>): Promise<void> {
    const upload = this.#uploads.run(async () => {
      await save();
      this.stats.packs++;
      this.stats.packBytes += indexed.size;
      this.#index.addPack(indexed);
      this.#unindexed.push(indexed);
    });
    this.#inFlight.add(upload);
    try {
      await upload;
    } catch (e) {
      this.#failure ??= e;
      throw e;
    } finally {
      this.#inFlight.delete(upload);
    }
    if (this.#unindexed.length >= this.#indexEvery) await this.#writeIndex();
  }

  /** Stores a directory's entries as a tree blob unless an identical one exists; returns its ID. */
  async saveTree(nodes: readonly TreeNode[]): Promise<string> {
    const plain = encodeTree(nodes);
    const id = blobId(this.#repo.keys.blobMacKey, plain);
    const hex = id.toString('hex');
    if (this.#pendingTrees.has(hex) || this.#index.has(hex, 'tree')) return hex;
    const { stored, compressed } = compressBlob(plain, this.#level);
    this.#treePack.add('tree', id, stored, compressed, plain.length);
    this.#pendingTrees.add(hex);
    this.stats.treeBlobs++;
    if (this.#treePack.length >= this.#repo.config.packSize) await this.savePack(this.#treePack.finish());
    return hex;
  }

  /** Compresses and stores a data blob whose ID the caller computed (deduplication is the caller's part). */
  async saveDataBlob(id: Buffer, plain: Uint8Array): Promise<void> {
    const { stored, compressed } = compressBlob(plain, this.#level);
    await this.saveStoredBlob('data', id, stored, compressed, plain.length);
  }

  /** Adds a blob in its stored form (already compressed or not), as prune does when it repacks. */
  async saveStoredBlob(
    type: BlobType,
    id: Buffer,
    stored: Uint8Array,
    compressed: boolean,
    rawLength: number,
  ): Promise<void> {
    if (type === 'tree') {
      this.#treePack.add('tree', id, stored, compressed, rawLength);
      this.#pendingTrees.add(id.toString('hex'));
      if (this.#treePack.length >= this.#repo.config.packSize) await this.savePack(this.#treePack.finish());
      return;
    }
    this.#dataPack ??= new PackBuilder(this.#repo.keys.encryption);
    this.#dataPack.add('data', id, stored, compressed, rawLength);
    if (this.#dataPack.length >= this.#repo.config.packSize) await this.savePack(this.#dataPack.finish());
  }

  /** Writes out everything pending: the open packs, all uploads, and an index file for them. */
  async flush(): Promise<void> {
    if (this.#treePack.count > 0) await this.savePack(this.#treePack.finish());
    if (this.#dataPack && this.#dataPack.count > 0) await this.savePack(this.#dataPack.finish());
    await this.#writeIndex();
  }

  async #writeIndex(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    this.#throwIfFailed();
    if (this.#unindexed.length === 0) return;
    const packs = this.#unindexed;
    this.#unindexed = [];
    const name = await saveIndex(this.#repo, packs);
    for (const pack of packs) this.#index.addPack(pack, name);
    this.stats.indexFiles++;
    this.indexFilesWritten.push(name);
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}
