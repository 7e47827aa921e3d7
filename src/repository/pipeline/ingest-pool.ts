// The main-thread side of the backup pipeline: a pool of ingest workers that store files given by path (or, for
// `copy`, content made of another repository's blobs). It balances work across workers by bytes, bounds what is
// queued (back-pressure on the caller), batches messages, passes the packs workers wrote into staging files to
// the RepositoryWriter, and grows the shared blob set before it fills up.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { StepvaultError } from '../../common/errors.ts';
import { exposeGc } from '../../common/heap-budget.ts';
import { startWorker } from '../../common/start-worker.ts';
import { DEFAULT_COMPRESSION_LEVEL } from '../../domain/compression-level.ts';
import type { MasterIndex } from '../index/master-index.ts';
import { ENTRY_BYTES, type PackEntry, readEntry } from '../pack/pack-format.ts';
import type { Repository } from '../repository.ts';
import type { RepositoryWriter } from '../repository-writer.ts';
import { PackTickets } from './pack-tickets.ts';
import { SharedBlobSet } from './shared-blob-set.ts';
import { stagingPrefix } from './staging-name.ts';
// Imported here so that workers find it compiled (common/start-worker.ts).
import './ingest-worker.ts';
import {
  type CopyJob,
  type FileStored,
  FLOW_KIB_READ,
  FLOW_WORDS,
  type FromIngestWorker,
  type IngestJob,
  type IngestWorkerData,
  type ToIngestWorker,
} from './worker-protocol.ts';

export interface IngestOptions {
  /** @default the number of CPUs */
  workers?: number;
  /** zstd level, 0 for none. @default DEFAULT_COMPRESSION_LEVEL */
  compressionLevel?: number;
  /** Files queued per worker before `enqueue` waits (deep enough for 20 ms of small files). @default 256 */
  queuePerWorker?: number;
  /** Bytes queued per worker before `enqueue` waits (a worker with nothing queued takes any file). @default 32 MiB */
  queueBytesPerWorker?: number;
  /**
   * Files at least this large are striped over all workers, so the last large files do not leave cores idle.
   * Smaller files spread over the workers whole (striping costs each worker a pass of the chunker). @default 64 MiB
   */
  stripeFrom?: number;
  /** The repository whose blobs copy jobs read (`submitCopy`); its keys go to the workers. */
  copyFrom?: Repository;
}

interface Lane {
  worker: Worker;
  queued: number;
  queuedBytes: number;
  outbox: (IngestJob | CopyJob)[];
  /** Buffers the outbox's jobs carry, moved to the worker with them. */
  transfer: ArrayBuffer[];
  flushed?: (() => void) | undefined;
}

interface Pending {
  resolve: (result: FileStored) => void;
  reject: (error: unknown) => void;
}

export class IngestPool {
  readonly #writer: RepositoryWriter;
  readonly #lanes: Lane[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #flow = new Int32Array(new SharedArrayBuffer(FLOW_WORDS * 4));
  readonly #queueLimit: number;
  readonly #queueBytes: number;
  readonly #stripeFrom: number;
  readonly #sizes = new Map<number, { lane: Lane; size: number }>();
  /** The lane of each re-chunked content that comes in several parts, until its last part. */
  readonly #contentLanes = new Map<number, Lane>();
  readonly #waitingForRoom: (() => void)[] = [];
  readonly #savingPacks = new Set<Promise<void>>();
  readonly #tickets: PackTickets;
  /** A staging directory of our own, when the backend has none (removed on close). */
  readonly #ownStaging: string | undefined;
  readonly #stagingDir: string;
  #blobSet: SharedBlobSet;
  readonly #workers: number;
  /** What workers are started with, but the blob set, which may have grown by then. */
  readonly #workerData: Omit<IngestWorkerData, 'blobSet'>;
  #nextJob = 0;
  #failure: StepvaultError | undefined;
  #closing = false;
  #flushScheduled = false;

  constructor(repo: Repository, index: MasterIndex, writer: RepositoryWriter, options: IngestOptions = {}) {
    this.#writer = writer;
    this.#queueLimit = options.queuePerWorker ?? 256;
    this.#queueBytes = options.queueBytesPerWorker ?? 32 * 1024 * 1024;
    this.#stripeFrom = options.stripeFrom ?? 64 * 1024 * 1024;
    let dataBlobs = 0;
    for (const pack of index.packs()) dataBlobs += pack.entries.length;
    this.#blobSet = new SharedBlobSet(Math.max(1 << 16, dataBlobs * 4));
    for (const pack of index.packs()) {
      for (const entry of pack.entries) if (entry.type === 'data') this.#blobSet.claim(entry.id);
    }
    this.#workers = Math.max(1, options.workers ?? os.availableParallelism());
    // A pack open in every worker, and two being stored: the most staged packs a backup ever has.
    this.#tickets = new PackTickets(this.#workers + 2);
    const staging = writer.stagingDirectory();
    this.#ownStaging =
      staging === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-packs-')) : undefined;
    this.#stagingDir = staging ?? this.#ownStaging!;
    this.#workerData = {
      encryption: repo.keys.encryption,
      blobMac: repo.keys.blobMac,
      gear: repo.keys.gear,
      chunker: repo.config.chunker,
      packSize: repo.config.packSize,
      compressionLevel: options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL,
      tickets: this.#tickets.buffer,
      stagingDir: this.#stagingDir,
      flow: this.#flow.buffer as SharedArrayBuffer,
      ...(options.copyFrom
        ? { source: { encryption: options.copyFrom.keys.encryption, blobMac: options.copyFrom.keys.blobMac } }
        : {}),
    };
  }

  /** Starts the workers, when the first file comes: a backup where nothing changed needs none. */
  #startWorkers(): void {
    exposeGc(); // the workers collect their own garbage (worker-gc.ts)
    const workerData: IngestWorkerData = { ...this.#workerData, blobSet: this.#blobSet.buffer };
    for (let i = 0; i < this.#workers; i++) {
      const worker = startWorker(new URL('./ingest-worker.ts', import.meta.url), {
        workerData,
        resourceLimits: { maxYoungGenerationSizeMb: 8 },
      });
      const lane: Lane = { worker, queued: 0, queuedBytes: 0, outbox: [], transfer: [] };
      worker.on('message', (m: FromIngestWorker) => this.#onMessage(lane, m));
      worker.on('error', (e) =>
        this.#fail(new StepvaultError('internal', `a pipeline worker failed: ${e.message}`, { cause: e })),
      );
      worker.on('exit', (code) => {
        if (code !== 0 && !this.#closing)
          this.#fail(new StepvaultError('internal', `a pipeline worker exited with code ${code}`));
      });
      this.#lanes.push(lane);
    }
  }

  /** KiB read from files so far (for progress). */
  get kibRead(): number {
    return Atomics.load(this.#flow, FLOW_KIB_READ);
  }

  /**
   * Queues a file of (about) `size` bytes if the workers' queues have room, and returns a promise of its blob IDs
   * (settled once it is chunked and its new blobs are packed); returns undefined when there is no room: wait
   * for `room()` and try again. Synchronous on purpose: the walk calls it for every file.
   */
  submit(path: string, size: number): Promise<FileStored> | undefined {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#lanes.length === 0) this.#startWorkers();
    if (size >= this.#stripeFrom && this.#lanes.length > 1) {
      if (!this.#lanes.every((lane) => this.#hasRoom(lane))) return undefined;
      const parts = this.#lanes.map((lane, stripe) =>
        this.#submit(lane, path, size, stripe, this.#lanes.length),
      );
      return this.#merge(path, size, parts);
    }
    let lane = this.#lanes[0]!;
    for (const other of this.#lanes) if (other.queuedBytes < lane.queuedBytes) lane = other;
    return this.#hasRoom(lane) ? this.#submit(lane, path, size, 0, 1) : undefined;
  }

  /** Resolves when a queued file has finished (or the pool failed), so `submit` may find room. */
  room(): Promise<void> {
    if (this.#failure) return Promise.resolve();
    return new Promise<void>((resolve) => this.#waitingForRoom.push(resolve));
  }

  /** `submit`, waiting for room as long as it takes. */
  async store(path: string, size: number): Promise<FileStored> {
    for (;;) {
      const done = this.submit(path, size);
      if (done) return done;
      await this.room();
    }
  }

  /**
   * Queues a copy job (see CopyJob) of about `size` bytes like `submit`, with the buffers its packs' bytes are
   * in (moved to the worker, no longer usable here); undefined when there is no room. The parts of one content
   * go to one worker, in order.
   */
  submitCopy(
    job: Omit<CopyJob, 'job'>,
    size: number,
    transfer: ArrayBuffer[] = [],
  ): Promise<FileStored> | undefined {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#lanes.length === 0) this.#startWorkers();
    let lane = job.mode === 're-chunk' ? this.#contentLanes.get(job.file) : undefined;
    if (!lane) {
      lane = this.#lanes[0]!;
      for (const other of this.#lanes) if (other.queuedBytes < lane.queuedBytes) lane = other;
    }
    if (!this.#hasRoom(lane)) return undefined;
    if (job.mode === 're-chunk') {
      if (job.last) this.#contentLanes.delete(job.file);
      else this.#contentLanes.set(job.file, lane);
    }
    const id = this.#nextJob++;
    lane.transfer.push(...transfer);
    return this.#queue(lane, { ...job, job: id }, size);
  }

  /** `submitCopy`, waiting for room as long as it takes. */
  async storeCopy(
    job: Omit<CopyJob, 'job'>,
    size: number,
    transfer: ArrayBuffer[] = [],
  ): Promise<FileStored> {
    for (;;) {
      const done = this.submitCopy(job, size, transfer);
      if (done) return done;
      await this.room();
    }
  }

  #hasRoom(lane: Lane): boolean {
    return lane.queued === 0 || (lane.queued < this.#queueLimit && lane.queuedBytes < this.#queueBytes);
  }

  #submit(lane: Lane, path: string, size: number, stripe: number, stripes: number): Promise<FileStored> {
    return this.#queue(lane, { job: this.#nextJob++, path, stripe, stripes }, size);
  }

  #queue(lane: Lane, job: IngestJob | CopyJob, size: number): Promise<FileStored> {
    lane.queued++;
    lane.queuedBytes += size;
    this.#sizes.set(job.job, { lane, size });
    const done = new Promise<FileStored>((resolve, reject) =>
      this.#pending.set(job.job, { resolve, reject }),
    );
    lane.outbox.push(job);
    this.#scheduleFlush();
    return done;
  }

  /** Jobs queued in one turn of the event loop go to each worker in one message. */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#sendOutboxes();
    });
  }

  #sendOutboxes(): void {
    for (const lane of this.#lanes) {
      if (lane.outbox.length === 0) continue;
      this.#send(lane, { type: 'jobs', jobs: lane.outbox }, lane.transfer);
      lane.outbox = [];
      lane.transfer = [];
    }
  }

  /** Interleaves the stripes' IDs; if the file changed between the stripes' reads, stores it again unstriped. */
  async #merge(path: string, size: number, parts: Promise<FileStored>[]): Promise<FileStored> {
    const results = await Promise.all(parts);
    const failed = results.find((r) => r.error !== undefined);
    if (failed) return failed;
    const first = results[0]!;
    if (results.some((r) => r.chunks !== first.chunks || r.size !== first.size)) {
      return this.store(path, Math.min(size, this.#stripeFrom - 1));
    }
    const stripes = results.length;
    const content = Buffer.allocUnsafe(first.chunks * 32);
    results.forEach((r, stripe) => {
      for (let j = 0; j * 32 < r.content.length; j++) {
        content.set(r.content.subarray(j * 32, j * 32 + 32), (stripe + j * stripes) * 32);
      }
    });
    const sum = (f: (r: FileStored) => number) => results.reduce((a, r) => a + f(r), 0);
    return {
      ...first,
      content,
      newBlobs: sum((r) => r.newBlobs),
      newBytes: sum((r) => r.newBytes),
      storedBytes: sum((r) => r.storedBytes),
    };
  }

  /** Waits for queued files, makes every worker finish its open pack, and hands all packs to the writer. */
  async flush(): Promise<void> {
    this.#sendOutboxes();
    await Promise.all(
      this.#lanes.map(
        (lane) =>
          new Promise<void>((resolve) => {
            lane.flushed = resolve;
            this.#send(lane, { type: 'flush' });
          }),
      ),
    );
    while (this.#savingPacks.size > 0) await Promise.all([...this.#savingPacks]);
    if (this.#failure) throw this.#failure;
  }

  /** Stops the workers and removes what they staged but did not hand over (an interrupted or failed backup). */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#lanes.map((lane) => lane.worker.terminate()));
    await Promise.allSettled([...this.#savingPacks]);
    if (this.#ownStaging) fs.rmSync(this.#ownStaging, { recursive: true, force: true });
    else {
      const mine = stagingPrefix(process.pid);
      for (const name of fs.readdirSync(this.#stagingDir)) {
        if (name.startsWith(mine)) fs.rmSync(path.join(this.#stagingDir, name), { force: true });
      }
    }
  }

  #send(lane: Lane, message: ToIngestWorker, transfer: ArrayBuffer[] = []): void {
    lane.worker.postMessage(message, transfer);
  }

  #onMessage(lane: Lane, message: FromIngestWorker): void {
    switch (message.type) {
      case 'results':
        for (const result of message.results) {
          const pending = this.#pending.get(result.job);
          this.#pending.delete(result.job);
          lane.queued--;
          lane.queuedBytes -= this.#sizes.get(result.job)?.size ?? 0;
          this.#sizes.delete(result.job);
          pending?.resolve(result);
        }
        for (let i = 0; i < message.results.length; i++) this.#waitingForRoom.shift()?.();
        this.#growBlobSetIfNeeded(false);
        break;
      case 'pack':
        this.#acceptPack(message);
        break;
      case 'blob-set-full':
        this.#growBlobSetIfNeeded(true);
        break;
      case 'flushed':
        lane.flushed?.();
        lane.flushed = undefined;
        break;
    }
  }

  /** Stores a pack a worker wrote into a staging file; its ticket is free again once the pack is durable. */
  #acceptPack(message: Extract<FromIngestWorker, { type: 'pack' }>): void {
    const entries: PackEntry[] = [];
    const raw = Buffer.from(message.entries.buffer, message.entries.byteOffset, message.entries.byteLength);
    for (let at = 0; at < raw.length; at += ENTRY_BYTES) entries.push(readEntry(raw, at)!);
    const { name, length } = message;
    const saving = this.#writer
      .saveStagedPack({ name, length, salt: Buffer.from(message.salt), entries }, message.file)
      .catch((e) =>
        this.#fail(e instanceof StepvaultError ? e : new StepvaultError('io', String(e), { cause: e })),
      )
      .finally(() => {
        this.#tickets.release();
        this.#savingPacks.delete(saving);
      });
    this.#savingPacks.add(saving);
  }

  #growBlobSetIfNeeded(force: boolean): void {
    if (!force && this.#blobSet.count < this.#blobSet.capacity / 2) return;
    this.#blobSet = this.#blobSet.grownTo(this.#blobSet.capacity * 4);
    for (const lane of this.#lanes) this.#send(lane, { type: 'blob-set', buffer: this.#blobSet.buffer });
  }

  #fail(error: StepvaultError): void {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) pending.reject(this.#failure);
    this.#pending.clear();
    for (const resolve of this.#waitingForRoom.splice(0)) resolve();
    for (const lane of this.#lanes) {
      lane.flushed?.();
      lane.flushed = undefined;
    }
  }
}
