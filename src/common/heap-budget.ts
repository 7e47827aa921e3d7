// Keeps the main thread's V8 heap close to what is live in it. V8 collects the old generation only once it has
// grown to a multiple of what survived the last full collection (up to 4x), plus a large first allowance; a
// backup's main thread promotes many short-lived objects per file (stat results, tree nodes, promises), so its
// heap grew to 70–100 MiB for about 30 MiB live. A timer samples the heap and runs a full collection once it has
// grown by more than an allowance since the last one: a large backup then costs a few collections of ~30 ms.
// Also the one place that makes `gc` callable (V8's --expose-gc, set before any worker starts so that workers
// get it as a global too).

import * as v8 from 'node:v8';
import * as vm from 'node:vm';

export type CollectGarbage = (options?: { type: 'minor' | 'major' }) => void;

let collector: CollectGarbage | undefined;

/** Makes `gc` available: returns it for this thread, and workers started from now on have it as a global. */
export function exposeGc(): CollectGarbage {
  if (!collector) {
    v8.setFlagsFromString('--expose-gc');
    collector = vm.runInNewContext('gc') as CollectGarbage;
  }
  return collector;
}

export interface HeapBudgetOptions {
  /** Growth over the live heap before a collection; at least this, or a quarter of the live heap if that is more. */
  allowance?: number;
  /** How often the heap is sampled (ms). */
  interval?: number;
}

export interface HeapBudget {
  /** Full collections the budget ran. */
  readonly collections: number;
  stop(): void;
}

/** Starts watching this thread's heap (the timer never keeps the process alive). */
export function startHeapBudget(options: HeapBudgetOptions = {}): HeapBudget {
  const allowance = options.allowance ?? 16 << 20;
  const gc = exposeGc();
  let live = v8.getHeapStatistics().used_heap_size;
  const state = { collections: 0 };
  const timer = setInterval(() => {
    const used = v8.getHeapStatistics().used_heap_size;
    if (used <= live + Math.max(allowance, live / 4)) return;
    gc({ type: 'major' });
    state.collections++;
    live = v8.getHeapStatistics().used_heap_size;
  }, options.interval ?? 100);
  timer.unref();
  return {
    get collections() {
      return state.collections;
    },
    stop: () => clearInterval(timer),
  };
}
