// The in-memory union of all index files: where every blob lives (pack, position, offset, lengths). Duplicate
// blobs (the same blob in two packs, which concurrent backups may produce) are allowed: lookups return the
// first location known and `locations` returns all of them.

import type { BlobType, PackEntry } from '../pack/pack-format.ts';
import type { IndexedPack } from './index-format.ts';

export interface BlobLocation {
  pack: IndexedPack;
  /** Position of the blob in its pack (its nonce counter). */
  position: number;
  entry: PackEntry;
}

export class MasterIndex {
  readonly #blobs = new Map<string, BlobLocation | BlobLocation[]>();
  readonly #packs = new Map<string, IndexedPack>();
  /** Which index files list each pack (a pack may be listed by several after a crash or a prune). */
  readonly #packFiles = new Map<string, Set<string>>();

  addPack(pack: IndexedPack, indexFile?: string): void {
    if (indexFile !== undefined) {
      const files = this.#packFiles.get(pack.name) ?? new Set<string>();
      files.add(indexFile);
      this.#packFiles.set(pack.name, files);
    }
    if (this.#packs.has(pack.name)) return;
    this.#packs.set(pack.name, pack);
    shareIdBuffer(pack.entries);
    pack.entries.forEach((entry, position) => {
      const key = entry.id.toString('hex');
      const location: BlobLocation = { pack, position, entry };
      const existing = this.#blobs.get(key);
      if (existing === undefined) this.#blobs.set(key, location);
      else if (Array.isArray(existing)) existing.push(location);
      else this.#blobs.set(key, [existing, location]);
    });
  }

  /** Forgets a pack and its blobs (prune, after the pack was deleted). */
  removePack(name: string): void {
    const pack = this.#packs.get(name);
    if (!pack) return;
    this.#packs.delete(name);
    this.#packFiles.delete(name);
    for (const entry of pack.entries) {
      const key = entry.id.toString('hex');
      const existing = this.#blobs.get(key);
      if (existing === undefined) continue;
      const rest = (Array.isArray(existing) ? existing : [existing]).filter((l) => l.pack !== pack);
      if (rest.length === 0) this.#blobs.delete(key);
      else this.#blobs.set(key, rest.length === 1 ? rest[0]! : rest);
    }
  }

  lookup(id: string): BlobLocation | undefined {
    const found = this.#blobs.get(id);
    return Array.isArray(found) ? found[0] : found;
  }

  locations(id: string): BlobLocation[] {
    const found = this.#blobs.get(id);
    return found === undefined ? [] : Array.isArray(found) ? found : [found];
  }

  has(id: string, type?: BlobType): boolean {
    const found = this.lookup(id);
    return found !== undefined && (type === undefined || found.entry.type === type);
  }

  pack(name: string): IndexedPack | undefined {
    return this.#packs.get(name);
  }

  packs(): IterableIterator<IndexedPack> {
    return this.#packs.values();
  }

  indexFilesOf(pack: string): ReadonlySet<string> {
    return this.#packFiles.get(pack) ?? new Set();
  }

  blobIds(): IterableIterator<string> {
    return this.#blobs.keys();
  }

  get blobCount(): number {
    return this.#blobs.size;
  }

  get packCount(): number {
    return this.#packs.size;
  }
}

/**
 * Moves the ids of a pack's entries side by side into one buffer of the pack's own (each entry's `id` becomes a
 * view of it, equal in value). An id that came from a worker thread or was hashed alone has an ArrayBuffer of its
 * own, ~300 bytes of bookkeeping around 32 bytes of id: half the index's memory for a large repository.
 */
function shareIdBuffer(entries: PackEntry[]): void {
  let size = 0;
  for (const entry of entries) size += entry.id.length;
  const ids = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const entry of entries) {
    const length = entry.id.copy(ids, at);
    entry.id = ids.subarray(at, at + length);
    at += length;
  }
}
