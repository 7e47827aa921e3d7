// The main-thread side of pack workers: runs restore and verify jobs on all cores, the least busy worker first.
// Packs a backend keeps as local files are read by the workers themselves; other packs are fetched here, into
// slots: buffers in shared memory (by default one more than there are workers) that the workers read in place
// (every job over a part of the pack, without copies) and that are used again for the next pack once the caller
// released it. Memory for fetched packs is then fixed, and a restore of gigabytes allocates no new buffers per pack (each
// one otherwise ends as garbage outside the V8 heap in the thread that last held it, which frees it only in full
// collections: tens per GB in the main thread). A backend that reads into a buffer of its own (it may ignore
// `into`) has its bytes transferred (not copied) to the one job that takes them.

import * as os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { StepvaultError } from '../../common/errors.ts';
import { exposeGc } from '../../common/heap-budget.ts';
import { startWorker } from '../../common/start-worker.ts';
import type { Repository } from '../repository.ts';
import type { PackJobResult, PackSource, RestoreJob, VerifyJob } from './pack-job.ts';
import { transferable } from './transferable.ts';
// Imported here so that workers find it compiled (common/start-worker.ts).
import './pack-worker.ts';

interface Lane {
  worker: Worker;
  busy: number;
}

type NewJob = Omit<RestoreJob, 'job'> | Omit<VerifyJob, 'job'>;

/** Slots are allocated in whole MiB, at least a pack of the repository's size. */
const SLOT_ROUNDING = 1 << 20;

/**
 * Room in a slot beyond the repository's pack size: a data pack holds up to the pack size in blobs, then its
 * header (46 bytes per blob, ~60 KiB in a 16 MiB pack of small files). Without it, the first slots are made for
 * the pack size and are replaced by longer ones at the first full pack — and a replaced slot stays in memory until
 * every thread that held it has collected it (check --read-data: 6 slots made instead of 3, ~45 MiB more).
 */
const SLOT_HEADROOM = 1 << 20;

export class PackPool {
  readonly #repo: Repository;
  readonly #lanes: Lane[] = [];
  readonly #pending = new Map<
    number,
    { resolve: (r: PackJobResult) => void; reject: (e: unknown) => void; lane: Lane }
  >();
  #next = 0;
  #closing = false;
  /** Slots not lent out; and how many exist, at most `#slotLimit`. */
  readonly #freeSlots: Buffer[] = [];
  #slots = 0;
  readonly #slotLimit: number;
  readonly #slotBytes: number;
  readonly #waitingForSlot: (() => void)[] = [];
  /** Slots holding a fetched pack, by their shared memory, until the caller releases the pack. */
  readonly #lent = new Map<ArrayBufferLike, Buffer>();

  /**
   * `readLimit`: the longest part of a pack `source` is asked for (its slots are made that long; a longer part is
   * still served, by a slot made for it); a whole pack by default. `slotsPerWorker`: how many parts may be held
   * at once (fetched or being fetched), per worker; by default one more than there are workers in all.
   */
  constructor(
    repo: Repository,
    options: { workers?: number | undefined; readLimit?: number; slotsPerWorker?: number } = {},
  ) {
    this.#repo = repo;
    this.#slotBytes = options.readLimit ?? repo.config.packSize + SLOT_HEADROOM;
    const workers = options.workers ?? os.availableParallelism();
    exposeGc(); // the workers collect their own garbage (worker-gc.ts)
    for (let i = 0; i < Math.max(1, workers); i++) {
      const worker = startWorker(new URL('./pack-worker.ts', import.meta.url), {
        workerData: { encryption: repo.keys.encryption, blobMac: repo.keys.blobMac },
        resourceLimits: { maxYoungGenerationSizeMb: 8 },
      });
      const lane: Lane = { worker, busy: 0 };
      worker.on('message', (result: PackJobResult) => {
        const pending = this.#pending.get(result.job);
        this.#pending.delete(result.job);
        lane.busy--;
        pending?.resolve(result);
      });
      worker.on('error', (e) =>
        this.#failAll(new StepvaultError('internal', `a pack worker failed: ${e.message}`, { cause: e })),
      );
      worker.on('exit', (code) => {
        if (code !== 0 && !this.#closing)
          this.#failAll(new StepvaultError('internal', `a pack worker exited with code ${code}`));
      });
      this.#lanes.push(lane);
    }
    // by default one pack in each worker, and the next one being fetched
    const lanes = this.#lanes.length;
    this.#slotLimit = options.slotsPerWorker ? lanes * options.slotsPerWorker : lanes + 1;
  }

  get size(): number {
    return this.#lanes.length;
  }

  /**
   * Where a worker gets a pack's bytes `[offset, offset + length)`: the pack's file, if the backend keeps local
   * files, or the bytes, fetched now (into a slot: waits while every slot holds a pack). Every source must be
   * given back to `release` once no job that reads it is running any more.
   */
  async source(pack: string, offset: number, length: number): Promise<PackSource> {
    const path = this.#repo.backend.localFiles?.path('data', pack);
    if (path !== undefined) return { path };
    const slot = await this.#takeSlot(length);
    let bytes: Buffer;
    try {
      bytes = await this.#repo.backend.load('data', pack, { offset, length }, slot);
    } catch (e) {
      this.#returnSlot(slot);
      throw e;
    }
    if (bytes.buffer === slot.buffer) this.#lent.set(slot.buffer, slot);
    else this.#returnSlot(slot);
    return { bytes };
  }

  /** A free slot of at least `length` bytes: a new one while there are fewer than the limit. */
  async #takeSlot(length: number): Promise<Buffer> {
    for (;;) {
      const fits = this.#freeSlots.findIndex((slot) => slot.length >= length);
      if (fits >= 0) return this.#freeSlots.splice(fits, 1)[0]!;
      if (this.#slots < this.#slotLimit) {
        this.#slots++;
        const room = Math.max(length, this.#slotBytes);
        const size = Math.ceil(room / SLOT_ROUNDING) * SLOT_ROUNDING;
        return Buffer.from(new SharedArrayBuffer(size));
      }
      if (this.#freeSlots.length > 0) {
        // too short for this pack: it makes room for a longer one
        this.#freeSlots.shift();
        this.#slots--;
        continue;
      }
      await new Promise<void>((resolve) => this.#waitingForSlot.push(resolve));
    }
  }

  /**
   * The caller is done with `source` (every job given a part of it has settled): its slot holds the next pack.
   * Only then: a worker reads the slot while its job runs.
   */
  release(source: PackSource): void {
    if (!('bytes' in source)) return;
    const slot = this.#lent.get(source.bytes.buffer);
    if (!slot) return;
    this.#lent.delete(source.bytes.buffer);
    this.#returnSlot(slot);
  }

  #returnSlot(slot: Buffer): void {
    this.#freeSlots.push(slot);
    this.#waitingForSlot.shift()?.();
  }

  run(job: NewJob): Promise<PackJobResult> {
    const lane = this.#lanes.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.#next++;
    lane.busy++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, lane });
      if ('bytes' in job.source && !(job.source.bytes.buffer instanceof SharedArrayBuffer)) {
        const { view, transfer } = transferable(job.source.bytes);
        lane.worker.postMessage({ ...job, source: { bytes: view }, job: id }, transfer);
      } else lane.worker.postMessage({ ...job, job: id });
    });
  }

  /** Lets every worker finish what it was sent, then stops them. */
  async close(): Promise<void> {
    await Promise.all(
      this.#lanes.map(
        (lane) =>
          new Promise<void>((resolve) => {
            const id = this.#next++;
            this.#pending.set(id, { resolve: () => resolve(), reject: () => resolve(), lane });
            lane.worker.postMessage({ type: 'close', job: id });
          }),
      ),
    );
    this.#closing = true;
    await Promise.all(this.#lanes.map((lane) => lane.worker.terminate()));
  }

  #failAll(error: StepvaultError): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
