// The messages between the main thread and pipeline workers, and the shared flow-control words. Kept in one
// place so both sides agree on them.

import type { ChunkerParams } from '../chunker/fastcdc.ts';

export interface IngestWorkerData {
  encryption: Uint8Array;
  blobMac: Uint8Array;
  gear: Uint32Array;
  chunker: ChunkerParams;
  packSize: number;
  compressionLevel: number;
  blobSet: SharedArrayBuffer;
  /** The shared PackTickets: a worker takes one per pack, the main thread returns it once the pack is stored. */
  tickets: SharedArrayBuffer;
  /** Where workers create their pack files (see `Backend.stagingDirectory`). */
  stagingDir: string;
  /** Int32 words shared by all threads, see FLOW_*. */
  flow: SharedArrayBuffer;
  /** The keys of the repository that `copy` jobs read blobs from (only a copy's pool has them). */
  source?: { encryption: Uint8Array; blobMac: Uint8Array };
}

/** Bytes read from files so far, in KiB (progress). */
export const FLOW_KIB_READ = 0;
export const FLOW_WORDS = 4;

/**
 * Store a file's content. With `stripes` > 1 several workers get the same file: all cut it into the same chunks,
 * and worker `stripe` stores (hashes, compresses, encrypts) only chunks i with i % stripes === stripe.
 */
export interface IngestJob {
  job: number;
  path: string;
  stripe: number;
  stripes: number;
}

/** A pack of the source repository that a copy job reads blobs from. */
export interface CopySourcePack {
  name: string;
  salt: Uint8Array;
  /** The pack's file, read with positional reads (a source kept on local disk). */
  path?: string;
  /** Otherwise bytes of the pack that the main thread fetched: the pack from offset `base` on. */
  bytes?: Uint8Array;
  base?: number;
}

/** One stored blob of the source repository, as its index describes it. */
export interface CopySourceBlob {
  /** Index into the job's `packs`. */
  pack: number;
  position: number;
  offset: number;
  length: number;
  rawLength: number;
  compressed: boolean;
  /** The blob's 32-byte ID in the source. */
  id: Uint8Array;
}

/**
 * Copy blobs of another repository into this one (`copy`). Every blob is authenticated, decompressed and checked
 * against its ID first. `as-stored` (both repositories compute the same IDs): each blob not yet present is added
 * in its stored form, sealed under the destination pack's key. `re-chunk`: the blobs' plaintexts, in order, are
 * one file's content (or, with several jobs of the same `file`, the next part of it, `last` on the final part),
 * cut and hashed anew like a file's; the result's `content` has the IDs of the chunks cut so far.
 */
export interface CopyJob {
  job: number;
  mode: 'as-stored' | 're-chunk';
  packs: CopySourcePack[];
  blobs: CopySourceBlob[];
  file: number;
  last: boolean;
}

export type ToIngestWorker =
  | { type: 'jobs'; jobs: (IngestJob | CopyJob)[] }
  | { type: 'blob-set'; buffer: SharedArrayBuffer }
  | { type: 'flush' };

export interface FileStored {
  job: number;
  /** Concatenated 32-byte blob IDs of this stripe's chunks, in order. */
  content: Uint8Array;
  /** Chunks in the whole file (all stripes). */
  chunks: number;
  size: number;
  newBlobs: number;
  newBytes: number;
  storedBytes: number;
  error?: string;
  errorCode?: string;
  /** Copy jobs: source blobs that could not be read (an `as-stored` job still stores the others). */
  failures?: CopyFailure[];
}

export interface CopyFailure {
  /** The blob's ID (hex) and the source pack it was read from. */
  id: string;
  pack: string;
  error: string;
}

export type FromIngestWorker =
  | { type: 'results'; results: FileStored[] }
  /** A finished pack, whole in the staging file `file`; the main thread stores it and returns the ticket. */
  | { type: 'pack'; file: string; length: number; name: string; salt: Uint8Array; entries: Uint8Array }
  | { type: 'blob-set-full' }
  | { type: 'flushed' };
