// Storing content that does not come from local files (Confluence pages and attachments, database dumps): bytes
// or a stream of them are cut into content-defined chunks in the calling thread, deduplicated against the index
// and against what this writer stored before, compressed and sealed into packs through the RepositoryWriter.
// A stream is never held whole: at most the largest chunk plus the piece being read. For sources bound by the
// network rather than the CPU; local files go through the parallel IngestPool instead.

import { Chunker } from './chunker/fastcdc.ts';
import { blobId } from './crypto/master-key.ts';
import type { MasterIndex } from './index/master-index.ts';
import type { Repository } from './repository.ts';
import type { RepositoryWriter } from './repository-writer.ts';

export interface StoredContent {
  /** Data blob IDs (hex) whose plaintexts concatenated are the content. */
  content: string[];
  size: number;
  /** Bytes of chunks that were new (before compression). */
  added: number;
}

export class ContentWriter {
  readonly #repo: Repository;
  readonly #writer: RepositoryWriter;
  readonly #index: MasterIndex;
  readonly #chunker: Chunker;
  readonly #stored = new Set<string>();

  constructor(repo: Repository, writer: RepositoryWriter, index: MasterIndex) {
    this.#repo = repo;
    this.#writer = writer;
    this.#index = index;
    this.#chunker = new Chunker(repo.keys.gear, repo.config.chunker);
  }

  async storeBytes(data: Uint8Array): Promise<StoredContent> {
    return this.storeStream([data]);
  }

  /** Stores a stream of byte pieces (of any sizes) as one content. */
  async storeStream(pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StoredContent> {
    const result: StoredContent = { content: [], size: 0, added: 0 };
    // Pieces are gathered as they come and joined once there are enough for a cut (or at the end): joining
    // each piece onto what is held would copy up to `maxSize` bytes per piece.
    let held: Buffer[] = [];
    let heldBytes = 0;
    const cut = async (eof: boolean) => {
      const buffer = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes);
      let start = 0;
      for (;;) {
        const n = this.#chunker.next(buffer, start, buffer.length, eof);
        if (n <= 0) break;
        await this.#storeChunk(buffer.subarray(start, start + n), result);
        start += n;
      }
      held = start < buffer.length ? [buffer.subarray(start)] : [];
      heldBytes = buffer.length - start;
    };
    for await (const piece of pieces) {
      if (piece.length === 0) continue;
      // A copy: the caller may reuse the piece's memory once it has handed the next one.
      held.push(Buffer.from(piece));
      heldBytes += piece.length;
      result.size += piece.length;
      if (heldBytes >= this.#chunker.maxSize) await cut(false);
    }
    await cut(true);
    return result;
  }

  async #storeChunk(plain: Buffer, result: StoredContent): Promise<void> {
    const id = blobId(this.#repo.keys.blobMacKey, plain);
    const hex = id.toString('hex');
    result.content.push(hex);
    if (this.#stored.has(hex) || this.#index.has(hex, 'data')) return;
    this.#stored.add(hex);
    result.added += plain.length;
    await this.#writer.saveDataBlob(id, plain);
  }
}
