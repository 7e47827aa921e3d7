// Lets pipeline workers collect their own garbage. zstd and AES-GCM return a fresh buffer per blob, and V8 frees
// such buffers only after a thread's external memory grew by tens of MiB — across all threads, most of a
// backup's or restore's memory. A worker that calls `gc()` after every few dozen MiB of output keeps that bounded
// for a few ms per collection. V8 flags are process-wide: exposing `gc` here, before workers start, makes it
// available in them.

import * as v8 from 'node:v8';

let exposed = false;

export function exposeGcToWorkers(): void {
  if (exposed) return;
  v8.setFlagsFromString('--expose-gc');
  exposed = true;
}
