// Jobs for pack workers and their results: restoring blobs of one pack into files, and verifying a whole pack.

import type { EntryMetadata } from '../../sources/files/restore-metadata.ts';

/** Where a job's pack bytes come from: a file the worker reads itself, or bytes the main thread fetched. */
export type PackSource = { path: string } | { bytes: Uint8Array };

export interface BlobTarget {
  /** Key into the job's `files`. */
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

export interface RestoreFile {
  /**
   * A descriptor of the file, open for writing: the caller opened it (worker threads share the process's
   * descriptors), does not use it while the job runs and closes it when the job has ended (a descriptor is closed
   * by the thread that opened it). No file is ever looked up by name in a worker, so nothing renamed meanwhile can
   * redirect a write.
   */
  fd: number;
  /** The file's final size (a worker that skipped writing zeros at its end extends it to this). */
  size: number;
  /** Set when every blob of the file is in this job: once it is whole, the worker applies this metadata. */
  whole?: EntryMetadata;
}

export interface RestoreJob {
  type: 'restore';
  job: number;
  pack: string;
  salt: Uint8Array;
  /** The pack (or, for `bytes`, the part of it from offset `base` on) holding every blob of the job. */
  source: PackSource;
  base: number;
  blobs: RestoreBlob[];
  files: Record<number, RestoreFile>;
}

export interface VerifyJob {
  type: 'verify';
  job: number;
  pack: string;
  /** A path source is read as the file is (another size than the index's makes its name not match). */
  source: PackSource;
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
  /** Restore: files that failed, with their identity (device, inode, owner), so the caller can reopen them to repair. */
  failedFiles?: { file: number; dev: bigint; ino: bigint; uid: number }[];
  /** Bytes written to files (restore) or verified (verify). */
  bytes: number;
  /** Blobs that could not be restored or verified. */
  failures: BlobFailure[];
  /** Problems with the pack as a whole (unreadable, wrong hash, header not matching the index). */
  packErrors: string[];
}
