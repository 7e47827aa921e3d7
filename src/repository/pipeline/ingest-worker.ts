// Pipeline worker for backups (runs in a worker_thread): reads a file, cuts it into content-defined chunks,
// computes each chunk's keyed ID, claims new IDs in the shared blob set, and compresses and encrypts only the new
// chunks into its own pack. Everything here is synchronous on purpose: sync fs, crypto and zstd calls in a
// worker scale with cores, where the async variants queue on a small shared thread pool.

import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Chunker } from '../chunker/fastcdc.ts';
import { compressBlob } from '../pack/blob-codec.ts';
import { PackBuilder } from '../pack/pack-builder.ts';
import { ENTRY_BYTES, TAG_BYTES, writeEntry } from '../pack/pack-format.ts';
import { SharedBlobSet } from './shared-blob-set.ts';
import { transferable } from './transferable.ts';
import {
  FLOW_KIB_READ,
  FLOW_PACKS,
  type FromIngestWorker,
  type IngestWorkerData,
  type ToIngestWorker,
} from './worker-protocol.ts';

const data = workerData as IngestWorkerData;
const port = parentPort!;
const blobMac = Buffer.from(data.blobMac);
const chunker = new Chunker(data.gear, data.chunker);
const packSize = data.packSize;
const flow = new Int32Array(data.flow);
let blobSet = new SharedBlobSet(data.blobSet);
const pack = new PackBuilder(Buffer.from(data.encryption), packSize + 64 * 1024);
const buffer = Buffer.allocUnsafe(chunker.maxSize * 2);
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | (fs.constants.O_NOATIME ?? 0);

function post(message: FromIngestWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** Hands the current pack to the main thread, first waiting while too many packs wait for upload. */
function emitPack(): void {
  if (pack.count === 0) return;
  for (;;) {
    const inFlight = Atomics.load(flow, FLOW_PACKS);
    if (inFlight < data.maxPacksInFlight) break;
    Atomics.wait(flow, FLOW_PACKS, inFlight, 1000);
  }
  Atomics.add(flow, FLOW_PACKS, 1);
  const finished = pack.finish();
  const entries = Buffer.allocUnsafe(finished.entries.length * ENTRY_BYTES);
  finished.entries.reduce((at, e) => writeEntry(entries, at, e), 0);
  const { view, transfer } = transferable(finished.bytes);
  post({ type: 'pack', name: finished.name, bytes: view, salt: finished.salt, entries }, transfer);
}

function openFile(path: string): number {
  try {
    return fs.openSync(path, OPEN_FLAGS);
  } catch (e) {
    // O_NOATIME is refused for files we do not own (unless privileged): open without it.
    if ((e as NodeJS.ErrnoException).code === 'EPERM')
      return fs.openSync(path, OPEN_FLAGS & ~(fs.constants.O_NOATIME ?? 0));
    throw e;
  }
}

function storeFile(job: number, path: string, stripe: number, stripes: number): void {
  const ids: Buffer[] = [];
  let chunks = 0;
  let size = 0;
  let newBlobs = 0;
  let newBytes = 0;
  let storedBytes = 0;
  let fd = -1;
  try {
    fd = openFile(path);
    if (!fs.fstatSync(fd).isFile())
      throw Object.assign(new Error(`${path} is no longer a regular file`), { code: 'ECHANGED' });
    let start = 0;
    let end = 0;
    let eof = false;
    for (;;) {
      const n = chunker.next(buffer, start, end, eof);
      if (n === 0) break;
      if (n < 0) {
        if (start > 0) {
          buffer.copyWithin(0, start, end);
          end -= start;
          start = 0;
        }
        const read = fs.readSync(fd, buffer, end, buffer.length - end, null);
        if (read === 0) eof = true;
        end += read;
        if (stripe === 0) Atomics.add(flow, FLOW_KIB_READ, read >> 10);
        continue;
      }
      const plain = buffer.subarray(start, start + n);
      size += n;
      start += n;
      if (chunks++ % stripes !== stripe) continue;
      const id = createHmac('sha256', blobMac).update(plain).digest();
      ids.push(id);
      const claim = blobSet.claim(id);
      if (claim === 'present') continue;
      if (claim === 'full') post({ type: 'blob-set-full' });
      const { stored, compressed } = compressBlob(plain, data.compressionLevel);
      if (pack.count > 0 && pack.length + stored.length + TAG_BYTES > packSize) emitPack();
      pack.add('data', id, stored, compressed, n);
      newBlobs++;
      newBytes += n;
      storedBytes += stored.length + TAG_BYTES;
      if (pack.length >= packSize) emitPack();
    }
    post({ type: 'file', job, content: Buffer.concat(ids), chunks, size, newBlobs, newBytes, storedBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    post({
      type: 'file',
      job,
      content: new Uint8Array(0),
      chunks,
      size,
      newBlobs,
      newBytes,
      storedBytes,
      error: err.message,
      errorCode: err.code ?? 'EIO',
    });
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

port.on('message', (message: ToIngestWorker) => {
  switch (message.type) {
    case 'file':
      storeFile(message.job, message.path, message.stripe, message.stripes);
      break;
    case 'blob-set':
      blobSet = new SharedBlobSet(message.buffer);
      break;
    case 'flush':
      emitPack();
      post({ type: 'flushed' });
      break;
  }
});
