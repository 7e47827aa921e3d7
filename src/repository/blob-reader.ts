// Reads single blobs by ID in the calling thread (trees, dump, small reads): range-reads the pack, decrypts,
// decompresses and checks the plaintext against the blob's keyed ID. If a copy is damaged and the blob exists in
// another pack (a duplicate), the next copy is tried. Tree blobs are kept in a small cache.

import type { KeyObject } from 'node:crypto';
import { StepvaultError } from '../common/errors.ts';
import type { TreeNode } from '../domain/tree-node.ts';
import type { BlobLocation, MasterIndex } from './index/master-index.ts';
import { decodeBlob } from './pack/blob-decode.ts';
import { packKey } from './pack/pack-format.ts';
import type { Repository } from './repository.ts';
import { decodeTree } from './tree/tree-codec.ts';

export class BlobReader {
  readonly #repo: Repository;
  readonly #index: MasterIndex;
  readonly #packKeys = new Map<string, KeyObject>();
  readonly #trees = new Map<string, TreeNode[]>();
  readonly #treeCacheSize: number;

  constructor(repo: Repository, index: MasterIndex, options: { treeCacheSize?: number } = {}) {
    this.#repo = repo;
    this.#index = index;
    this.#treeCacheSize = options.treeCacheSize ?? 4096;
  }

  get index(): MasterIndex {
    return this.#index;
  }

  packKey(pack: { name: string; salt: Buffer }): KeyObject {
    let key = this.#packKeys.get(pack.name);
    if (!key) {
      if (this.#packKeys.size > 1024) this.#packKeys.clear();
      key = packKey(this.#repo.keys.encryption, pack.salt);
      this.#packKeys.set(pack.name, key);
    }
    return key;
  }

  /** Decrypts, decompresses and verifies one stored copy of a blob. */
  decode(location: BlobLocation, sealed: Uint8Array): Buffer {
    const { pack, position, entry } = location;
    return decodeBlob(this.packKey(pack), this.#repo.keys.blobMacKey, position, entry, sealed, pack.name);
  }

  async read(id: string): Promise<Buffer> {
    const locations = this.#index.locations(id);
    if (locations.length === 0) {
      throw new StepvaultError('not-found', `blob ${id} is not in the index`, {
        hint: 'the data it belongs to is missing from the repository; run `stepvault check`',
      });
    }
    let firstError: unknown;
    for (const location of locations) {
      try {
        const { entry, pack } = location;
        const sealed = await this.#repo.backend.load('data', pack.name, {
          offset: entry.offset,
          length: entry.length,
        });
        return this.decode(location, sealed);
      } catch (e) {
        firstError ??= e;
      }
    }
    throw firstError;
  }

  async readTree(id: string): Promise<TreeNode[]> {
    const cached = this.#trees.get(id);
    if (cached) return cached;
    const nodes = decodeTree(await this.read(id), id);
    if (this.#trees.size >= this.#treeCacheSize) this.#trees.delete(this.#trees.keys().next().value!);
    this.#trees.set(id, nodes);
    return nodes;
  }
}
