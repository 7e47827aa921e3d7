// Jobs for pack workers and their results: restoring blobs of one pack into files, and verifying a whole pack.

export interface BlobTarget {
  /** Index into the job's `paths`. */
  file: number;
  offset: number;
}

export interface RestoreBlob {
  position: number;
  /** Offset of the blob's ciphertext in the pack. */
  offset: number;
  length: number;
  rawLength: number;
  compressed: boolean;
  type: 'data' | 'tree';
  id: string;
  targets: BlobTarget[];
}

export interface RestoreJob {
  type: 'restore';
  job: number;
  pack: string;
  salt: Uint8Array;
  /** Bytes of the pack from offset `base` on (a range covering every blob of the job). */
  base: number;
  bytes: Uint8Array;
  blobs: RestoreBlob[];
  /** Target file paths by file index, for the files this job writes to. */
  paths: Record<number, string>;
}

export interface VerifyJob {
  type: 'verify';
  job: number;
  pack: string;
  bytes: Uint8Array;
  /** The pack as the index describes it: salt and encoded entries (46 bytes each), to compare with its header. */
  salt: Uint8Array;
  entries: Uint8Array;
}

export type PackJob = RestoreJob | VerifyJob | { type: 'close'; job: number };

export interface BlobFailure {
  id: string;
  error: string;
  files: number[];
}

export interface PackJobResult {
  job: number;
  /** Bytes written to files (restore) or verified (verify). */
  bytes: number;
  /** Blobs that could not be restored or verified. */
  failures: BlobFailure[];
  /** Problems with the pack as a whole (verify). */
  packErrors: string[];
}
