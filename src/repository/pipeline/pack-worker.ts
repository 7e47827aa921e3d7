// Pipeline worker for reading packs (runs in a worker_thread): restores blobs into files at their offsets, or
// verifies a whole pack. Packs on local disk are read here with positional reads into one reusable buffer (no
// copy through the main thread). Every blob is authenticated, decompressed and checked against its keyed ID
// before its bytes are used. Files are created by the main thread (file creation serialises in the kernel, so one
// creating thread is faster than several), which hands each job descriptors of its files: a worker never looks a
// file up by name. All-zero blobs are not written, so sparse files stay sparse: a file where zeros were skipped is
// extended to its full size at the end of the job.

import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { applyMetadataToFd } from '../../sources/files/restore-metadata.ts';
import { decodeBlob } from '../pack/blob-decode.ts';
import { ENTRY_BYTES, type PackEntry, packKey, readEntry, readPackHeaderAt } from '../pack/pack-format.ts';
import type { PackJob, PackJobResult, PackSource, RestoreJob, VerifyJob } from './pack-job.ts';
import { type PackBytes, packFile, packInMemory } from './pack-window.ts';
import { noteGarbage } from './worker-gc.ts';

// Keys, set by `start` (importing this module has no effects: common/start-worker.ts).
let encryption!: Buffer;
let macKey!: KeyObject;
/** Bytes hashed at once when a pack's name is checked. */
const HASH_PIECE = 1 << 20;
/** All-zero blocks are compared against this, a piece at a time. */
const ZEROS = Buffer.alloc(64 * 1024);
/** Where blobs are decompressed: a plaintext is used before the next blob is decoded. */
let plainBuffer = Buffer.allocUnsafeSlow(0);

function plainRoom(rawLength: number): Buffer {
  if (plainBuffer.length < rawLength) plainBuffer = Buffer.allocUnsafeSlow(rawLength);
  return plainBuffer;
}

/** The job's pack: read from its file through this thread's window, or the bytes given. */
function packBytes(source: PackSource, base: number): PackBytes {
  return 'bytes' in source ? packInMemory(source.bytes, base) : packFile(source.path);
}

function isZero(buf: Buffer): boolean {
  for (let at = 0; at < buf.length; at += ZEROS.length) {
    const piece = buf.subarray(at, at + ZEROS.length);
    if (!piece.equals(ZEROS.subarray(0, piece.length))) return false;
  }
  return true;
}

function restore(job: RestoreJob): PackJobResult {
  const result: PackJobResult = { job: job.job, bytes: 0, failures: [], packErrors: [] };
  let pack: PackBytes;
  try {
    pack = packBytes(job.source, job.base);
  } catch (e) {
    result.packErrors.push(`pack ${job.pack}: ${(e as Error).message}`);
    for (const blob of job.blobs)
      result.failures.push({
        id: blob.id,
        error: (e as Error).message,
        files: blob.targets.map((t) => t.file),
      });
    noteFailedFiles(job, new Set(job.blobs.flatMap((b) => b.targets.map((t) => t.file))), result);
    return result;
  }
  try {
    restoreBlobs(job, pack, result);
  } finally {
    pack.close();
  }
  return result;
}

/** Tells which files failed, and what they are, so the caller can reopen exactly them for a repair. */
function noteFailedFiles(job: RestoreJob, failed: Set<number>, result: PackJobResult): void {
  if (failed.size === 0) return;
  result.failedFiles = [];
  for (const index of failed) {
    const st = fs.fstatSync(job.files[index]!.fd, { bigint: true });
    result.failedFiles.push({ file: index, dev: st.dev, ino: st.ino, uid: Number(st.uid) });
  }
}

/** Restores the job's blobs (in offset order, so the pack is read forward once). */
function restoreBlobs(job: RestoreJob, pack: PackBytes, result: PackJobResult): void {
  const key = packKey(encryption, job.salt);
  const failed = new Set<number>();
  /** Files where a run of zeros was skipped: they must be extended to their full size. */
  const sparse = new Set<number>();
  for (const blob of job.blobs) {
    const entry: PackEntry = { ...blob, id: Buffer.from(blob.id, 'hex') };
    let plain: Buffer;
    try {
      const sealed = readPiece(pack, blob.offset, blob.length, job.pack, result);
      plain = decodeBlob(key, macKey, blob.position, entry, sealed, job.pack, plainRoom(blob.rawLength));
    } catch (e) {
      result.failures.push({
        id: blob.id,
        error: (e as Error).message,
        files: blob.targets.map((t) => t.file),
      });
      for (const t of blob.targets) failed.add(t.file);
      continue;
    }
    noteGarbage(blob.length);
    const zero = isZero(plain);
    for (const target of blob.targets) {
      try {
        if (zero) sparse.add(target.file);
        else fs.writeSync(job.files[target.file]!.fd, plain, 0, plain.length, target.offset);
        result.bytes += plain.length;
      } catch (e) {
        result.failures.push({
          id: blob.id,
          error: `write failed: ${(e as Error).message}`,
          files: [target.file],
        });
        failed.add(target.file);
      }
    }
  }
  // Files entirely in this job are whole now: give them their metadata.
  for (const [key, file] of Object.entries(job.files)) {
    const index = Number(key);
    try {
      if (sparse.has(index) && !failed.has(index)) fs.ftruncateSync(file.fd, file.size);
    } catch (e) {
      result.failures.push({ id: '', error: `cannot extend: ${(e as Error).message}`, files: [index] });
      failed.add(index);
    }
    if (!file.whole || failed.has(index)) continue;
    try {
      applyMetadataToFd(file.fd, file.whole);
    } catch (e) {
      result.failures.push({ id: '', error: `metadata: ${(e as Error).message}`, files: [index] });
      failed.add(index);
    }
  }
  noteFailedFiles(job, failed, result);
}

/** Bytes of the pack; a pack that cannot be read there is also reported once as a problem of the pack. */
function readPiece(
  pack: PackBytes,
  offset: number,
  length: number,
  name: string,
  result: PackJobResult,
): Buffer {
  try {
    return pack.read(offset, length);
  } catch (e) {
    const problem = `pack ${name}: ${(e as Error).message}`;
    if (!result.packErrors.includes(problem)) result.packErrors.push(problem);
    throw e;
  }
}

function verify(job: VerifyJob): PackJobResult {
  const result: PackJobResult = { job: job.job, bytes: 0, failures: [], packErrors: [] };
  let pack: PackBytes;
  try {
    pack = packBytes(job.source, 0);
  } catch (e) {
    result.packErrors.push(`pack ${job.pack}: ${(e as Error).message}`);
    return result;
  }
  try {
    verifyPack(job, pack, result);
  } catch (e) {
    result.packErrors.push(`pack ${job.pack}: ${(e as Error).message}`);
  } finally {
    pack.close();
  }
  return result;
}

/** Verifies a whole pack (a file of another size than the index records is read as it is: its hash won't match). */
function verifyPack(job: VerifyJob, pack: PackBytes, result: PackJobResult): void {
  // Every byte of a pack is authenticated (magic and trailer are parsed, the salt keys everything, blobs and header
  // are AEAD under the index's salt), so a damaged or swapped pack fails below. Its content hash is computed only
  // then, to say precisely what happened.
  const nameMismatch = () => {
    const hash = createHash('sha256');
    for (let at = 0; at < pack.size; at += HASH_PIECE)
      hash.update(pack.read(at, Math.min(HASH_PIECE, pack.size - at)));
    if (hash.digest('hex') !== job.pack) {
      result.packErrors.push(
        `pack ${job.pack}: its content does not match its name (modified, truncated or swapped)`,
      );
    }
  };
  let entries: PackEntry[];
  let salt: Buffer;
  try {
    ({ entries, salt } = readPackHeaderAt(
      encryption,
      (at, length) => pack.read(at, length),
      pack.size,
      job.pack,
    ));
  } catch (e) {
    nameMismatch();
    result.packErrors.push((e as Error).message);
    return;
  }
  const expected = Buffer.from(job.entries.buffer, job.entries.byteOffset, job.entries.byteLength);
  const sameAsIndex =
    Buffer.from(job.salt).equals(salt) &&
    expected.length === entries.length * ENTRY_BYTES &&
    entries.every((e, i) => {
      const x = readEntry(expected, i * ENTRY_BYTES);
      return x?.id.equals(e.id) && x.offset === e.offset && x.length === e.length && x.type === e.type;
    });
  if (!sameAsIndex) result.packErrors.push(`pack ${job.pack}: its header does not match the index`);
  const key = packKey(encryption, salt);
  entries.forEach((entry, position) => {
    try {
      const sealed = pack.read(entry.offset, entry.length);
      decodeBlob(key, macKey, position, entry, sealed, job.pack, plainRoom(entry.rawLength));
      result.bytes += entry.rawLength;
      noteGarbage(entry.length);
    } catch (e) {
      result.failures.push({ id: entry.id.toString('hex'), error: (e as Error).message, files: [] });
    }
  });
  if (result.packErrors.length > 0 || result.failures.length > 0) nameMismatch();
}

/** Runs in the worker thread: takes the keys and starts taking jobs. */
export function start(): void {
  encryption = Buffer.from(workerData.encryption as Uint8Array);
  macKey = createSecretKey(Buffer.from(workerData.blobMac as Uint8Array));
  parentPort!.on('message', onJob);
}

function onJob(job: PackJob): void {
  const port = parentPort!;
  if (job.type === 'restore') port.postMessage(restore(job));
  else if (job.type === 'verify') port.postMessage(verify(job));
  else port.postMessage({ job: job.job, bytes: 0, failures: [], packErrors: [] } satisfies PackJobResult);
}
