// Starts worker threads on modules the calling thread has already imported. A thread that meets a TypeScript
// file not yet in Node's compile cache loads the type stripper (a WebAssembly module, ~15 MiB per thread) to read
// it; when the caller imported the worker's module first, the stripped and compiled code of its whole graph is in
// the compile cache, and is written out here before the worker starts, so no worker ever loads the stripper. A
// worker module has no side effects when imported: it exports `start()`, which a few lines of plain JavaScript
// call in the new thread.

import * as module from 'node:module';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker running `start()` of the module at `url`, which the caller must have imported (statically, so it is
 * loaded before any worker starts). `options` are the Worker's (workerData, resourceLimits…).
 */
export function startWorker(url: URL, options: WorkerOptions = {}): Worker {
  module.flushCompileCache?.();
  const boot = `import(${JSON.stringify(url.href)}).then((m) => m.start());`;
  return new Worker(boot, { ...options, eval: true });
}
