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

export type ToIngestWorker =
  | { type: 'jobs'; jobs: IngestJob[] }
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
}

export type FromIngestWorker =
  | { type: 'results'; results: FileStored[] }
  /** A finished pack, whole in the staging file `file`; the main thread stores it and returns the ticket. */
  | { type: 'pack'; file: string; length: number; name: string; salt: Uint8Array; entries: Uint8Array }
  | { type: 'blob-set-full' }
  | { type: 'flushed' };
