// The main-thread side of the backup pipeline: a pool of ingest workers that store files given by path. It
// balances files across workers, bounds the work queued (back-pressure on the caller), passes finished packs to
// the RepositoryWriter, and grows the shared blob set before it fills up.

import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { StepvaultError } from '../../common/errors.ts';
import type { MasterIndex } from '../index/master-index.ts';
import { ENTRY_BYTES, type PackEntry, readEntry } from '../pack/pack-format.ts';
import type { Repository } from '../repository.ts';
import type { RepositoryWriter } from '../repository-writer.ts';
import { SharedBlobSet } from './shared-blob-set.ts';
import {
  type FileStored,
  FLOW_KIB_READ,
  FLOW_PACKS,
  FLOW_WORDS,
  type FromIngestWorker,
  type IngestWorkerData,
  type ToIngestWorker,
} from './worker-protocol.ts';

export interface IngestOptions {
  /** @default the number of CPUs */
  workers?: number;
  /** zstd level, 0 for none. @default 3 */
  compressionLevel?: number;
  /** Files queued per worker before `enqueue` waits. @default 16 */
  queuePerWorker?: number;
  /** Files at least this large are striped over all workers. @default 16 MiB */
  stripeFrom?: number;
}

interface Lane {
  worker: Worker;
  queued: number;
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
  readonly #stripeFrom: number;
  readonly #waitingForRoom: (() => void)[] = [];
  #blobSet: SharedBlobSet;
  #nextJob = 0;
  #failure: StepvaultError | undefined;
  #closing = false;
  #savingPacks = new Set<Promise<void>>();

  constructor(repo: Repository, index: MasterIndex, writer: RepositoryWriter, options: IngestOptions = {}) {
    this.#writer = writer;
    this.#queueLimit = options.queuePerWorker ?? 16;
    this.#stripeFrom = options.stripeFrom ?? 16 * 1024 * 1024;
    let dataBlobs = 0;
    for (const pack of index.packs()) dataBlobs += pack.entries.length;
    this.#blobSet = new SharedBlobSet(Math.max(1 << 16, dataBlobs * 4));
    for (const pack of index.packs()) {
      for (const entry of pack.entries) if (entry.type === 'data') this.#blobSet.claim(entry.id);
    }
    const count = Math.max(1, options.workers ?? os.availableParallelism());
    const workerData: IngestWorkerData = {
      encryption: repo.keys.encryption,
      blobMac: repo.keys.blobMac,
      gear: repo.keys.gear,
      chunker: repo.config.chunker,
      packSize: repo.config.packSize,
      compressionLevel: options.compressionLevel ?? 3,
      blobSet: this.#blobSet.buffer,
      flow: this.#flow.buffer as SharedArrayBuffer,
      maxPacksInFlight: count + 1,
    };
    for (let i = 0; i < count; i++) {
      const worker = new Worker(new URL('./ingest-worker.ts', import.meta.url), { workerData });
      const lane: Lane = { worker, queued: 0 };
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
   * Queues a regular file of (about) `size` bytes. Resolves once the file is queued (waiting while every
   * worker's queue is full); `done` resolves with its blob IDs once it is chunked and its new blobs are packed.
   * Files of at least `stripeFrom` bytes are striped over all workers, so one large file uses every core.
   */
  async enqueue(path: string, size: number): Promise<{ done: Promise<FileStored> }> {
    for (;;) {
      if (this.#failure) throw this.#failure;
      const striped = size >= this.#stripeFrom && this.#lanes.length > 1;
      const lanes = striped ? this.#lanes : [this.#lanes.reduce((a, b) => (b.queued < a.queued ? b : a))];
      if (lanes.every((lane) => lane.queued < this.#queueLimit)) {
        const parts = lanes.map((lane, stripe) => this.#submit(lane, path, stripe, lanes.length));
        return { done: striped ? this.#merge(path, size, parts) : parts[0]! };
      }
      await new Promise<void>((resolve) => this.#waitingForRoom.push(resolve));
    }
  }

  #submit(lane: Lane, path: string, stripe: number, stripes: number): Promise<FileStored> {
    const job = this.#nextJob++;
    lane.queued++;
    const done = new Promise<FileStored>((resolve, reject) => this.#pending.set(job, { resolve, reject }));
    this.#send(lane, { type: 'file', job, path, stripe, stripes });
    return done;
  }

  /** Interleaves the stripes' IDs; if the file changed between the stripes' reads, stores it again unstriped. */
  async #merge(path: string, size: number, parts: Promise<FileStored>[]): Promise<FileStored> {
    const results = await Promise.all(parts);
    const failed = results.find((r) => r.error !== undefined);
    if (failed) return failed;
    const first = results[0]!;
    if (results.some((r) => r.chunks !== first.chunks || r.size !== first.size)) {
      return (await this.enqueue(path, Math.min(size, this.#stripeFrom - 1))).done;
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

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#lanes.map((lane) => lane.worker.terminate()));
  }

  #send(lane: Lane, message: ToIngestWorker): void {
    lane.worker.postMessage(message);
  }

  #onMessage(lane: Lane, message: FromIngestWorker): void {
    switch (message.type) {
      case 'file': {
        const pending = this.#pending.get(message.job);
        this.#pending.delete(message.job);
        lane.queued--;
        this.#waitingForRoom.shift()?.();
        this.#growBlobSetIfNeeded(false);
        pending?.resolve(message);
        break;
      }
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

  #acceptPack(message: Extract<FromIngestWorker, { type: 'pack' }>): void {
    const entries: PackEntry[] = [];
    const raw = Buffer.from(message.entries.buffer, message.entries.byteOffset, message.entries.byteLength);
    for (let at = 0; at < raw.length; at += ENTRY_BYTES) entries.push(readEntry(raw, at)!);
    const bytes = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
    const saving = this.#writer
      .savePack({ name: message.name, bytes, salt: Buffer.from(message.salt), entries })
      .catch((e) =>
        this.#fail(e instanceof StepvaultError ? e : new StepvaultError('io', String(e), { cause: e })),
      )
      .finally(() => {
        Atomics.sub(this.#flow, FLOW_PACKS, 1);
        Atomics.notify(this.#flow, FLOW_PACKS);
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
