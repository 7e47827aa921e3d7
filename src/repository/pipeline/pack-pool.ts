// The main-thread side of pack workers: runs restore and verify jobs on all cores, the least busy worker first.
// Packs a backend keeps as local files are read by the workers themselves; other packs are fetched here and
// their bytes transferred (not copied) to the worker.

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

export class PackPool {
  readonly #repo: Repository;
  readonly #lanes: Lane[] = [];
  readonly #pending = new Map<
    number,
    { resolve: (r: PackJobResult) => void; reject: (e: unknown) => void; lane: Lane }
  >();
  #next = 0;
  #closing = false;

  constructor(repo: Repository, workers = os.availableParallelism()) {
    this.#repo = repo;
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
  }

  get size(): number {
    return this.#lanes.length;
  }

  /**
   * Where a worker gets a pack's bytes `[offset, offset + length)`: the pack's file, if the backend keeps local
   * files, or the bytes, fetched now.
   */
  async source(pack: string, offset: number, length: number): Promise<PackSource> {
    const path = this.#repo.backend.localFiles?.path('data', pack);
    if (path !== undefined) return { path };
    return { bytes: await this.#repo.backend.load('data', pack, { offset, length }) };
  }

  run(job: NewJob): Promise<PackJobResult> {
    const lane = this.#lanes.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.#next++;
    lane.busy++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, lane });
      if ('bytes' in job.source) {
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
