// Reads single blobs by ID in the calling thread (trees, dump, small reads): range-reads the pack, decrypts,
// decompresses and checks the plaintext against the blob's keyed ID. If a copy is damaged and the blob exists in
// another pack (a duplicate), the next copy is tried. Tree blobs are kept in a small cache. From a backend without
// local files (S3), a tree blob is read with all the tree blobs around it in its pack, in one request, and those
// bytes are kept (a bounded cache): a walk of a snapshot then costs a request per tree pack instead of one per
// directory, each a round trip to the server.

import type { KeyObject } from 'node:crypto';
import { StepvaultError } from '../common/errors.ts';
import type { TreeNode } from '../domain/tree-node.ts';
import type { ByteRange } from '../storage/contract.ts';
import type { IndexedPack } from './index/index-format.ts';
import type { BlobLocation, MasterIndex } from './index/master-index.ts';
import { decodeBlob } from './pack/blob-decode.ts';
import { packKey } from './pack/pack-format.ts';
import type { Repository } from './repository.ts';
import { decodeTree } from './tree/tree-codec.ts';

/** Most bytes of tree blobs read at once from a remote backend (more than a whole pack of the default size). */
const TREE_SPAN_LIMIT = 32 << 20;
/** Most bytes of such reads kept for later tree blobs (the least recently read go first). @default */
const TREE_SPAN_CACHE = 32 << 20;

/** The tree blobs of a pack: bytes `[base, base + length)`, being read or read. */
interface Span {
  base: number;
  length: number;
  bytes: Promise<Buffer>;
}

export class BlobReader {
  readonly #repo: Repository;
  readonly #index: MasterIndex;
  readonly #packKeys = new Map<string, KeyObject>();
  readonly #trees = new Map<string, TreeNode[]>();
  readonly #treeCacheSize: number;
  /** Tree spans read from packs (and reads under way), by pack name, least recently used first. */
  readonly #spans = new Map<string, Span>();
  #spanBytes = 0;
  readonly #spanCacheBytes: number;

  constructor(
    repo: Repository,
    index: MasterIndex,
    options: { treeCacheSize?: number; treeSpanCacheBytes?: number } = {},
  ) {
    this.#repo = repo;
    this.#index = index;
    this.#treeCacheSize = options.treeCacheSize ?? 4096;
    this.#spanCacheBytes = options.treeSpanCacheBytes ?? TREE_SPAN_CACHE;
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
        return this.decode(location, await this.#sealed(location));
      } catch (e) {
        firstError ??= e;
      }
    }
    throw firstError;
  }

  /** The stored bytes of one copy of a blob: a tree blob from a remote backend through its pack's tree span. */
  async #sealed(location: BlobLocation): Promise<Buffer> {
    const { entry, pack } = location;
    const range = { offset: entry.offset, length: entry.length };
    if (entry.type !== 'tree' || this.#repo.backend.localFiles !== undefined)
      return this.#repo.backend.load('data', pack.name, range);
    let span = this.#spans.get(pack.name);
    if (span) {
      // most recently used last
      this.#spans.delete(pack.name);
      this.#spans.set(pack.name, span);
    } else {
      const wanted = treeSpan(pack);
      if (wanted === undefined) return this.#repo.backend.load('data', pack.name, range);
      const read = this.#repo.backend.load('data', pack.name, wanted);
      span = { base: wanted.offset, length: wanted.length, bytes: read };
      this.#spans.set(pack.name, span);
      this.#spanBytes += wanted.length;
      const added = span;
      read.catch(() => {
        if (this.#spans.get(pack.name) === added) this.#dropSpan(pack.name, added);
      });
      for (const [name, old] of this.#spans) {
        if (this.#spanBytes <= this.#spanCacheBytes || old === added) break;
        this.#dropSpan(name, old);
      }
    }
    const bytes = await span.bytes;
    const at = entry.offset - span.base;
    return bytes.subarray(at, at + entry.length);
  }

  #dropSpan(pack: string, span: Span): void {
    this.#spans.delete(pack);
    this.#spanBytes -= span.length;
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

/** From the first to the end of the last tree blob of a pack, or undefined if that is more than TREE_SPAN_LIMIT. */
function treeSpan(pack: IndexedPack): ByteRange | undefined {
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  for (const e of pack.entries) {
    if (e.type !== 'tree') continue;
    start = Math.min(start, e.offset);
    end = Math.max(end, e.offset + e.length);
  }
  return end > start && end - start <= TREE_SPAN_LIMIT ? { offset: start, length: end - start } : undefined;
}
