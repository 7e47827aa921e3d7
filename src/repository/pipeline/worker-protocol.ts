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
  /** Int32 words shared by all threads, see FLOW_*. */
  flow: SharedArrayBuffer;
  /** Finished packs (all workers together) that may wait for upload before workers block. */
  maxPacksInFlight: number;
}

/** Flow words: packs handed to the main thread but not yet taken by the writer. */
export const FLOW_PACKS = 0;
/** Bytes read from files so far, in KiB (progress). */
export const FLOW_KIB_READ = 1;
export const FLOW_WORDS = 4;

export type ToIngestWorker =
  /**
   * Store a file. With `stripes` > 1 several workers get the same file: all cut it into the same chunks, and
   * worker `stripe` stores (hashes, compresses, encrypts) only chunks i with i % stripes === stripe.
   */
  | { type: 'file'; job: number; path: string; stripe: number; stripes: number }
  | { type: 'blob-set'; buffer: SharedArrayBuffer }
  | { type: 'flush' };

export interface FileStored {
  type: 'file';
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
}

export type FromIngestWorker =
  | FileStored
  | { type: 'pack'; name: string; bytes: Uint8Array; salt: Uint8Array; entries: Uint8Array }
  | { type: 'blob-set-full' }
  | { type: 'flushed' };
