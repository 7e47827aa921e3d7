// Pipeline worker for reading packs (runs in a worker_thread): restores blobs into files at their offsets, or
// verifies a whole pack. Every blob is authenticated, decompressed and checked against its keyed ID before its
// bytes are used. All-zero blobs are not written: the files were created at full size, so they stay sparse.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { decodeBlob } from '../pack/blob-decode.ts';
import { ENTRY_BYTES, type PackEntry, packKey, readEntry, readPackHeader } from '../pack/pack-format.ts';
import type { PackJob, PackJobResult, RestoreJob, VerifyJob } from './pack-job.ts';

const encryption = Buffer.from(workerData.encryption as Uint8Array);
const blobMac = Buffer.from(workerData.blobMac as Uint8Array);
const port = parentPort!;
const WRITE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW;
const MAX_OPEN = 64;
const openFiles = new Map<string, number>();
let zeros = Buffer.alloc(1 << 20);

function fdFor(path: string): number {
  let fd = openFiles.get(path);
  if (fd !== undefined) {
    openFiles.delete(path);
    openFiles.set(path, fd);
    return fd;
  }
  if (openFiles.size >= MAX_OPEN) {
    const [oldest, oldFd] = openFiles.entries().next().value!;
    fs.closeSync(oldFd);
    openFiles.delete(oldest);
  }
  fd = fs.openSync(path, WRITE_FLAGS);
  openFiles.set(path, fd);
  return fd;
}

function isZero(buf: Buffer): boolean {
  if (zeros.length < buf.length) zeros = Buffer.alloc(buf.length);
  return buf.equals(zeros.subarray(0, buf.length));
}

function restore(job: RestoreJob): PackJobResult {
  const key = packKey(encryption, job.salt);
  const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  const result: PackJobResult = { job: job.job, bytes: 0, failures: [], packErrors: [] };
  for (const blob of job.blobs) {
    const entry: PackEntry = { ...blob, id: Buffer.from(blob.id, 'hex') };
    let plain: Buffer;
    try {
      const at = blob.offset - job.base;
      plain = decodeBlob(key, blobMac, blob.position, entry, bytes.subarray(at, at + blob.length), job.pack);
    } catch (e) {
      result.failures.push({
        id: blob.id,
        error: (e as Error).message,
        files: blob.targets.map((t) => t.file),
      });
      continue;
    }
    const zero = isZero(plain);
    for (const target of blob.targets) {
      try {
        if (!zero) fs.writeSync(fdFor(job.paths[target.file]!), plain, 0, plain.length, target.offset);
        result.bytes += plain.length;
      } catch (e) {
        result.failures.push({
          id: blob.id,
          error: `write failed: ${(e as Error).message}`,
          files: [target.file],
        });
      }
    }
  }
  return result;
}

function verify(job: VerifyJob): PackJobResult {
  const result: PackJobResult = { job: job.job, bytes: 0, failures: [], packErrors: [] };
  const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  if (createHash('sha256').update(bytes).digest('hex') !== job.pack) {
    result.packErrors.push(
      `pack ${job.pack}: its content does not match its name (modified, truncated or swapped)`,
    );
  }
  let entries: PackEntry[];
  let salt: Buffer;
  try {
    ({ entries, salt } = readPackHeader(encryption, bytes, job.pack));
  } catch (e) {
    result.packErrors.push((e as Error).message);
    return result;
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
      decodeBlob(
        key,
        blobMac,
        position,
        entry,
        bytes.subarray(entry.offset, entry.offset + entry.length),
        job.pack,
      );
      result.bytes += entry.rawLength;
    } catch (e) {
      result.failures.push({ id: entry.id.toString('hex'), error: (e as Error).message, files: [] });
    }
  });
  return result;
}

port.on('message', (job: PackJob) => {
  if (job.type === 'restore') port.postMessage(restore(job));
  else if (job.type === 'verify') port.postMessage(verify(job));
  else {
    for (const fd of openFiles.values()) fs.closeSync(fd);
    openFiles.clear();
    port.postMessage({ job: job.job, bytes: 0, failures: [], packErrors: [] } satisfies PackJobResult);
  }
});
