// Starts the read-ahead thread (read-ahead-worker.ts) and feeds it the small files a backup is about to read, in
// one message per turn of the event loop.

import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../common/start-worker.ts';
// Imported here so that the thread finds it compiled (common/start-worker.ts).
import './read-ahead-worker.ts';

/** Files larger than this are left to the kernel's own sequential readahead. */
const SMALL = 1 << 20;

export class ReadAhead {
  #worker: Worker | undefined;
  #batch: string[] = [];

  /** The thread, started with the first file to warm (a backup where nothing changed reads none). */
  #thread(): Worker {
    if (!this.#worker) {
      this.#worker = startWorker(new URL('./read-ahead-worker.ts', import.meta.url), {
        resourceLimits: { maxYoungGenerationSizeMb: 2 },
      });
      this.#worker.unref();
      this.#worker.on('error', () => {}); // only an optimisation
    }
    return this.#worker;
  }

  hint(path: string, size: number): void {
    if (size > SMALL || size === 0) return;
    if (this.#batch.length === 0) queueMicrotask(() => this.#send());
    this.#batch.push(path);
  }

  #send(): void {
    this.#thread().postMessage(this.#batch);
    this.#batch = [];
  }

  async close(): Promise<void> {
    await this.#worker?.terminate();
  }
}
