// Lets pipeline workers collect their own garbage. AES-GCM returns a fresh buffer per blob, and V8 frees such
// buffers only after a thread's external memory grew by tens of MiB — across all threads, most of a backup's or
// restore's memory. The buffers die young, so a minor collection (a scavenge of the worker's small young
// generation, well under a millisecond) after every few MiB of them frees them; a full collection would cost
// milliseconds each time. `gc` is a global in workers started after common/heap-budget.ts's exposeGc().

/** Bytes of short-lived buffers after which a worker runs a minor collection. */
const YOUNG_GARBAGE_LIMIT = 4 << 20;

const gc = (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;
let garbage = 0;

/**
 * Counts `bytes` of buffers this thread just dropped, and runs a minor collection once they add up to the limit
 * (in a thread started after `exposeGc`; elsewhere it only counts).
 */
export function noteGarbage(bytes: number): void {
  garbage += bytes;
  if (garbage < YOUNG_GARBAGE_LIMIT) return;
  garbage = 0;
  gc?.({ type: 'minor' });
}
