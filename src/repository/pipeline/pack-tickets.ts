// Flow control for packs between pipeline workers and the main thread: a worker takes a ticket before it starts
// a pack and the main thread returns it once that pack is durable in the repository. With every ticket out,
// workers wait — the pipeline's back-pressure towards slow storage. A counting semaphore in a SharedArrayBuffer.

const FREE = 0;

export class PackTickets {
  readonly buffer: SharedArrayBuffer;
  readonly #words: Int32Array;

  /** A new set of `count` tickets, or the same set seen from another thread (its `buffer`). */
  constructor(countOrBuffer: number | SharedArrayBuffer) {
    this.buffer = countOrBuffer instanceof SharedArrayBuffer ? countOrBuffer : new SharedArrayBuffer(4);
    this.#words = new Int32Array(this.buffer);
    if (typeof countOrBuffer === 'number') this.#words[FREE] = countOrBuffer;
  }

  /** Takes a ticket, blocking this thread until one is returned (workers only: the main thread cannot block). */
  acquire(): void {
    for (;;) {
      const free = Atomics.load(this.#words, FREE);
      if (free > 0) {
        if (Atomics.compareExchange(this.#words, FREE, free, free - 1) === free) return;
        continue;
      }
      Atomics.wait(this.#words, FREE, free, 1000);
    }
  }

  release(): void {
    Atomics.add(this.#words, FREE, 1);
    Atomics.notify(this.#words, FREE);
  }
}
