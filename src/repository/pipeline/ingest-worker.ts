// Pipeline worker for backups (runs in a worker_thread): reads a file, cuts it into content-defined chunks,
// computes each chunk's keyed ID, claims new IDs in the shared blob set, and compresses and encrypts only the new
// chunks into its own pack, which it writes straight into a staging file (the main thread makes it durable).
// For `copy` it takes its content from another repository's blobs instead (copy-source.ts): re-chunked like a
// file's, or added as stored.
// Everything here is synchronous on purpose: sync fs, crypto and zstd calls in a worker scale with cores, where
// the async variants queue on a small shared thread pool.

import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type MessagePort,
  parentPort,
  receiveMessageOnPort,
  threadId,
  workerData,
} from 'node:worker_threads';
import { Chunker } from '../chunker/fastcdc.ts';
import { compressBlob } from '../pack/blob-codec.ts';
import { ENTRY_BYTES, TAG_BYTES, writeEntry } from '../pack/pack-format.ts';
import { PackStream } from '../pack/pack-stream.ts';
import { CopySource } from './copy-source.ts';
import { PackTickets } from './pack-tickets.ts';
import { SharedBlobSet } from './shared-blob-set.ts';
import { stagingPrefix } from './staging-name.ts';
import { noteGarbage } from './worker-gc.ts';
import {
  type CopyJob,
  type FileStored,
  FLOW_KIB_READ,
  type FromIngestWorker,
  type IngestJob,
  type IngestWorkerData,
  type ToIngestWorker,
} from './worker-protocol.ts';

// The worker's settings and state, set by `start` (importing this module has no effects: common/start-worker.ts).
let data!: IngestWorkerData;
let port!: MessagePort;
let macKey!: KeyObject;
let chunker!: Chunker;
let packSize!: number;
let flow!: Int32Array;
let blobSet!: SharedBlobSet;
let tickets!: PackTickets;
let pack!: PackStream;
/** Room for the longest chunk plus one read: a chunk is always whole in the buffer. */
let buffer!: Buffer;
/** The open pack's staging file, and its descriptor (-1 while no pack is open). */
let packFile = '';
let packFd = -1;
let packsStarted = 0;
/** The repository copy jobs read from (a copy's pool only). */
let copySource: CopySource | undefined;
/** Re-chunked contents that come in several jobs: what the last part left uncut, by the job's `file`. */
const openContents = new Map<number, { content: Content; held: Buffer } | 'failed'>();
/** Largest single read: longer requests cost more per call even when the file is small. */
const READ_SIZE = 1 << 20;
// O_NONBLOCK: a file replaced by a FIFO after it was listed must not hang the open; fstat then refuses it.
const OPEN_FLAGS =
  fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | (fs.constants.O_NOATIME ?? 0);
/** Results are sent in batches, but at least this often (ms), so the main thread can keep the queues full. */
const RESULT_INTERVAL = 5;

/**
 * A buffer with an ArrayBuffer of its own, for bytes sent to the main thread: a message copies a view's whole
 * ArrayBuffer, and small Buffers share Node's pool (64 KiB), which would be copied with every file's few IDs.
 */
function ownedBuffer(length: number): Buffer {
  return Buffer.allocUnsafeSlow(length);
}

function post(message: FromIngestWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** A pack could not be written: the backup fails (it is not a problem of the file being read). */
class PackWriteFailed extends Error {}

function packIo<T>(what: string, io: () => T): T {
  try {
    return io();
  } catch (e) {
    throw new PackWriteFailed(`cannot ${what} ${packFile}: ${(e as Error).message}`, { cause: e });
  }
}

function writePack(bytes: Uint8Array): void {
  packIo('write', () => {
    for (let done = 0; done < bytes.length; ) done += fs.writeSync(packFd, bytes, done, bytes.length - done);
  });
}

/** Starts a pack in a new staging file, once a ticket is free (all taken: packs wait to be stored). */
function openPack(): void {
  if (packFd >= 0) return;
  tickets.acquire();
  const name = `${stagingPrefix(process.pid)}${threadId}-${packsStarted++}-${randomBytes(4).toString('hex')}`;
  packFile = path.join(data.stagingDir, name);
  packFd = packIo('create', () => fs.openSync(packFile, 'wx', 0o600));
  pack.begin(writePack);
}

/** Completes the open pack and hands its file to the main thread, which stores it and returns the ticket. */
function emitPack(): void {
  if (packFd < 0 || pack.count === 0) return;
  const finished = pack.finish();
  packIo('close', () => fs.closeSync(packFd));
  packFd = -1;
  const entries = ownedBuffer(finished.entries.length * ENTRY_BYTES);
  finished.entries.reduce((at, e) => writeEntry(entries, at, e), 0);
  post({
    type: 'pack',
    file: packFile,
    length: finished.length,
    name: finished.name,
    salt: finished.salt,
    entries,
  });
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

class Content {
  readonly ids: Buffer[] = [];
  chunks = 0;
  size = 0;
  newBlobs = 0;
  newBytes = 0;
  storedBytes = 0;
  readonly stripe: number;
  readonly stripes: number;

  constructor(stripe: number, stripes: number) {
    this.stripe = stripe;
    this.stripes = stripes;
  }

  /** Takes one chunk: hashes and, if it is new, stores it (only the chunks of this stripe). */
  add(plain: Buffer): void {
    this.size += plain.length;
    if (this.chunks++ % this.stripes !== this.stripe) return;
    const id = createHmac('sha256', macKey).update(plain).digest();
    this.ids.push(id);
    if (!this.#claim(id)) return;
    const { stored, compressed } = compressBlob(plain, data.compressionLevel);
    this.#store(id, stored, compressed, plain.length);
  }

  /** Takes a blob in its stored form whose ID is known (a copy between repositories with the same IDs). */
  addStored(id: Buffer, stored: Uint8Array, compressed: boolean, rawLength: number): void {
    this.size += rawLength;
    this.chunks++;
    if (this.#claim(id)) this.#store(id, stored, compressed, rawLength);
  }

  /** Whether this thread is the one to store the blob (no other thread did, and it is not in the repository). */
  #claim(id: Buffer): boolean {
    const claim = blobSet.claim(id);
    if (claim === 'present') return false;
    if (claim === 'full') post({ type: 'blob-set-full' });
    return true;
  }

  #store(id: Buffer, stored: Uint8Array, compressed: boolean, rawLength: number): void {
    openPack();
    if (pack.count > 0 && pack.length + stored.length + TAG_BYTES > packSize) {
      emitPack();
      openPack();
    }
    pack.add('data', id, stored, compressed, rawLength);
    noteGarbage(stored.length); // the ciphertext buffer, already written
    this.newBlobs++;
    this.newBytes += rawLength;
    this.storedBytes += stored.length + TAG_BYTES;
    if (pack.length >= packSize) emitPack();
  }

  result(job: number, error?: NodeJS.ErrnoException): FileStored {
    const base = {
      job,
      chunks: this.chunks,
      size: this.size,
      newBlobs: this.newBlobs,
      newBytes: this.newBytes,
      storedBytes: this.storedBytes,
    };
    if (error)
      return { ...base, content: new Uint8Array(0), error: error.message, errorCode: error.code ?? 'EIO' };
    const content = ownedBuffer(this.ids.length * 32);
    for (let i = 0; i < this.ids.length; i++) content.set(this.ids[i]!, i * 32);
    return { ...base, content };
  }
}

/**
 * Reads and chunks a file, streaming it through a buffer of the largest chunk plus one read. Reads stop at the
 * size the file had when it was opened (like tar): bytes appended meanwhile belong to the next backup, and a
 * small file costs one read call.
 */
function storeFile(job: IngestJob, path: string): FileStored {
  const content = new Content(job.stripe, job.stripes);
  let fd = -1;
  try {
    fd = openFile(path);
    const st = fs.fstatSync(fd);
    if (!st.isFile())
      throw Object.assign(new Error(`${path} is no longer a regular file`), { code: 'ECHANGED' });
    let remaining = st.size;
    let start = 0;
    let end = 0;
    for (;;) {
      const n = chunker.next(buffer, start, end, remaining === 0);
      if (n === 0) break;
      if (n > 0) {
        content.add(buffer.subarray(start, start + n));
        start += n;
        continue;
      }
      if (start > 0) {
        buffer.copyWithin(0, start, end);
        end -= start;
        start = 0;
      }
      const read = fs.readSync(fd, buffer, end, Math.min(READ_SIZE, buffer.length - end, remaining), null);
      remaining = read === 0 ? 0 : remaining - read; // a file that shrank ends early
      end += read;
      if (job.stripe === 0) Atomics.add(flow, FLOW_KIB_READ, read >> 10);
    }
    return content.result(job.job);
  } catch (e) {
    if (e instanceof PackWriteFailed) throw e;
    return content.result(job.job, e as NodeJS.ErrnoException);
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** Runs a copy job (see CopyJob): blobs of the source repository added as stored, or cut anew. */
function copyContent(job: CopyJob): FileStored {
  if (!copySource) throw new Error('a copy job reached a worker started without the source keys');
  if (job.mode === 'as-stored') {
    const content = new Content(0, 1);
    const failures = copySource.read(
      job,
      (blob, stored, plain) => content.addStored(Buffer.from(blob.id), stored, blob.compressed, plain.length),
      false,
    );
    return { ...content.result(job.job), content: new Uint8Array(0), failures };
  }
  const open = openContents.get(job.file);
  if (job.last) openContents.delete(job.file);
  if (open === 'failed') return { ...new Content(0, 1).result(job.job), failures: [] };
  const content = open?.content ?? new Content(0, 1);
  // The chunk buffer starts with what the previous part left uncut (less than a chunk's maximum).
  let start = 0;
  let end = 0;
  if (open) {
    buffer.set(open.held, 0);
    end = open.held.length;
  }
  const failures = copySource.read(
    job,
    (_blob, _stored, plain) => {
      for (let at = 0; at < plain.length; ) {
        if (start > 0) {
          buffer.copyWithin(0, start, end);
          end -= start;
          start = 0;
        }
        const n = Math.min(plain.length - at, buffer.length - end);
        buffer.set(plain.subarray(at, at + n), end);
        end += n;
        at += n;
        for (
          let cut = chunker.next(buffer, start, end, false);
          cut > 0;
          cut = chunker.next(buffer, start, end, false)
        ) {
          content.add(buffer.subarray(start, start + cut));
          start += cut;
        }
      }
    },
    true,
  );
  if (failures.length > 0) {
    if (!job.last) openContents.set(job.file, 'failed');
    return { ...content.result(job.job), content: new Uint8Array(0), failures };
  }
  if (job.last) {
    for (
      let cut = chunker.next(buffer, start, end, true);
      cut > 0;
      cut = chunker.next(buffer, start, end, true)
    ) {
      content.add(buffer.subarray(start, start + cut));
      start += cut;
    }
  } else {
    openContents.set(job.file, { content, held: Buffer.from(buffer.subarray(start, end)) });
  }
  // Each part reports the chunks it cut and what it stored; the caller adds the parts up.
  const result = content.result(job.job);
  content.ids.length = 0;
  content.size = content.chunks = content.newBlobs = content.newBytes = content.storedBytes = 0;
  return { ...result, failures };
}

/**
 * Runs jobs, then further job messages already waiting (taken synchronously, without a trip through the event
 * loop) for up to RESULT_INTERVAL ms, and reports the results in one message. The worker then returns to its
 * event loop, where Node and V8 finish freeing the buffers of the work done: never returning would let them pile
 * up.
 */
function runJobs(first: (IngestJob | CopyJob)[]): void {
  let results: FileStored[] = [];
  const started = performance.now();
  let last = started;
  let jobs: (IngestJob | CopyJob)[] | undefined = first;
  while (jobs) {
    for (const job of jobs) {
      results.push('path' in job ? storeFile(job, job.path) : copyContent(job));
      const now = performance.now();
      if (now - last >= RESULT_INTERVAL) {
        post({ type: 'results', results });
        results = [];
        last = now;
      }
    }
    jobs = undefined;
    if (performance.now() - started >= RESULT_INTERVAL) break;
    const waiting = receiveMessageOnPort(port)?.message as ToIngestWorker | undefined;
    if (waiting?.type === 'jobs') jobs = waiting.jobs;
    else if (waiting) handle(waiting);
  }
  if (results.length > 0) post({ type: 'results', results });
}

function handle(message: ToIngestWorker): void {
  switch (message.type) {
    case 'jobs':
      runJobs(message.jobs);
      break;
    case 'blob-set':
      blobSet = new SharedBlobSet(message.buffer);
      break;
    case 'flush':
      emitPack();
      post({ type: 'flushed' });
      break;
  }
}

/** Runs in the worker thread: takes its settings and starts taking jobs. */
export function start(): void {
  data = workerData as IngestWorkerData;
  port = parentPort!;
  macKey = createSecretKey(Buffer.from(data.blobMac));
  chunker = new Chunker(data.gear, data.chunker);
  packSize = data.packSize;
  flow = new Int32Array(data.flow);
  blobSet = new SharedBlobSet(data.blobSet);
  tickets = new PackTickets(data.tickets);
  pack = new PackStream(Buffer.from(data.encryption));
  buffer = chunker.allocateBuffer(chunker.maxSize + READ_SIZE);
  if (data.source) copySource = new CopySource(data.source);
  port.on('message', handle);
}
