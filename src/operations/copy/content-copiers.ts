// Moving a file's content from one repository into another, in one of two ways:
// - as stored, when both repositories compute the same blob IDs (the destination was made with
//   `init --copy-chunker-params`): each blob the destination lacks is decrypted, verified against its ID and added
//   to a destination pack in its stored form (no recompression; sealed anew under the destination pack's key);
//   the content IDs stay the same.
// - re-chunked, when the keys differ: the content is read back blob by blob (verified), cut again with the
//   destination's chunker and hashed with its blob-ID key, so the file gets new content IDs.
// Either way a blob already in the destination (or stored earlier in this run) is not stored again.

import { createHmac } from 'node:crypto';
import { StepvaultError } from '../../common/errors.ts';
import type { TreeNode } from '../../domain/tree-node.ts';
import type { BlobReader } from '../../repository/blob-reader.ts';
import { ContentWriter } from '../../repository/content-writer.ts';
import { blobId } from '../../repository/crypto/master-key.ts';
import type { MasterIndex } from '../../repository/index/master-index.ts';
import { decompressBlob } from '../../repository/pack/blob-codec.ts';
import { openBlob, type PackEntry } from '../../repository/pack/pack-format.ts';
import type { Repository } from '../../repository/repository.ts';
import type { RepositoryWriter } from '../../repository/repository-writer.ts';

export type CopyMode = 'as-stored' | 're-chunked';

export interface ContentCopyStats {
  /** Plaintext bytes of the data blobs this copier stored in the destination. */
  bytesStored: number;
}

export interface ContentCopier {
  readonly mode: CopyMode;
  readonly stats: ContentCopyStats;
  /** Makes a file's content present in the destination; returns its content IDs there. */
  copy(node: TreeNode, signal?: AbortSignal): Promise<string[]>;
}

/** Whether two repositories compute the same blob IDs (same blob-ID key), so blobs can be copied as stored. */
export function sameBlobIds(source: Repository, destination: Repository): boolean {
  const probe = Buffer.from('stepvault/copy/blob-id-probe');
  return blobId(source.keys.blobMacKey, probe).equals(blobId(destination.keys.blobMacKey, probe));
}

export function contentCopier(
  source: { repo: Repository; reader: BlobReader },
  destination: { repo: Repository; index: MasterIndex; writer: RepositoryWriter },
): ContentCopier {
  return sameBlobIds(source.repo, destination.repo)
    ? new StoredBlobCopier(source.repo, source.reader, destination.index, destination.writer)
    : new RechunkingCopier(source.reader, destination);
}

/** One stored copy of a blob, authenticated and checked against its ID, in its stored (compressed) form. */
export async function readStoredBlob(
  repo: Repository,
  reader: BlobReader,
  id: string,
): Promise<{ entry: PackEntry; stored: Buffer }> {
  const locations = reader.index.locations(id);
  if (locations.length === 0) {
    throw new StepvaultError('not-found', `blob ${id} is not in the source repository's index`, {
      hint: 'run `stepvault check` on the source repository',
    });
  }
  let firstError: unknown;
  for (const { pack, position, entry } of locations) {
    try {
      const sealed = await repo.backend.load('data', pack.name, {
        offset: entry.offset,
        length: entry.length,
      });
      const stored = openBlob(reader.packKey(pack), position, entry, sealed, pack.name);
      const what = `${entry.type} blob ${id} in pack ${pack.name}`;
      const plain = decompressBlob(stored, entry.compressed, entry.rawLength, what);
      if (!createHmac('sha256', repo.keys.blobMacKey).update(plain).digest().equals(entry.id))
        throw new StepvaultError('corrupt', `${what} does not match its ID`);
      return { entry, stored };
    } catch (e) {
      firstError ??= e;
    }
  }
  throw firstError;
}

class StoredBlobCopier implements ContentCopier {
  readonly mode = 'as-stored';
  readonly stats: ContentCopyStats = { bytesStored: 0 };
  readonly #repo: Repository;
  readonly #reader: BlobReader;
  readonly #index: MasterIndex;
  readonly #writer: RepositoryWriter;
  /** Blobs stored (or being stored) by this run: concurrent files that share one wait for the same copy. */
  readonly #stored = new Map<string, Promise<void>>();

  constructor(repo: Repository, reader: BlobReader, index: MasterIndex, writer: RepositoryWriter) {
    this.#repo = repo;
    this.#reader = reader;
    this.#index = index;
    this.#writer = writer;
  }

  async copy(node: TreeNode, signal?: AbortSignal): Promise<string[]> {
    const content = node.content ?? [];
    for (const id of content) {
      signal?.throwIfAborted();
      if (this.#index.has(id, 'data')) continue;
      let copying = this.#stored.get(id);
      if (!copying) {
        copying = this.#copyBlob(id);
        this.#stored.set(id, copying);
        // A failed copy is forgotten, so a later snapshot that needs the blob tries again.
        copying.catch(() => this.#stored.delete(id));
      }
      await copying;
    }
    return content;
  }

  async #copyBlob(id: string): Promise<void> {
    const { entry, stored } = await readStoredBlob(this.#repo, this.#reader, id);
    if (entry.type !== 'data')
      throw new StepvaultError('corrupt', `blob ${id} is listed as file content but is a ${entry.type} blob`);
    await this.#writer.saveStoredBlob('data', entry.id, stored, entry.compressed, entry.rawLength);
    this.stats.bytesStored += entry.rawLength;
  }
}

class RechunkingCopier implements ContentCopier {
  readonly mode = 're-chunked';
  readonly stats: ContentCopyStats = { bytesStored: 0 };
  readonly #reader: BlobReader;
  readonly #content: ContentWriter;

  constructor(
    reader: BlobReader,
    destination: { repo: Repository; index: MasterIndex; writer: RepositoryWriter },
  ) {
    this.#reader = reader;
    this.#content = new ContentWriter(destination.repo, destination.writer, destination.index);
  }

  async copy(node: TreeNode, signal?: AbortSignal): Promise<string[]> {
    const reader = this.#reader;
    const ids = node.content ?? [];
    async function* pieces(): AsyncGenerator<Buffer> {
      // The next blob is read while the current one is cut and stored.
      let next = ids.length > 0 ? reader.read(ids[0]!) : undefined;
      next?.catch(() => {});
      for (let i = 0; i < ids.length; i++) {
        signal?.throwIfAborted();
        const plain = await next!;
        next = i + 1 < ids.length ? reader.read(ids[i + 1]!) : undefined;
        next?.catch(() => {});
        yield plain;
      }
    }
    const result = await this.#content.storeStream(pieces());
    if (node.size !== undefined && result.size !== node.size) {
      throw new StepvaultError(
        'corrupt',
        `file "${node.name}" has ${result.size} bytes of content but its tree records ${node.size}`,
        { hint: 'run `stepvault check` on the source repository' },
      );
    }
    this.stats.bytesStored += result.added;
    return result.content;
  }
}
