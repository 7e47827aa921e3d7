// Memory for packs under construction, shared by all pipeline threads: a fixed number of slots in one
// SharedArrayBuffer, allocated once. A worker builds a pack directly in a slot it acquired, the main thread
// writes the pack to storage from the same memory and releases the slot. No pack is ever copied or transferred,
// and nothing is left for the garbage collector; when all slots are taken, workers wait — that is the pipeline's
// back-pressure towards slow storage.

const FREE = 0;
const TAKEN = 1;
const HEADER_WORDS = 4; // [slotCount, slotSize, freeCount, -]

export class PackSlots {
  readonly buffer: SharedArrayBuffer;
  readonly #words: Int32Array;
  readonly count: number;
  readonly size: number;
  readonly #dataOffset: number;

  constructor(bufferOrShape: SharedArrayBuffer | { count: number; size: number }) {
    if (bufferOrShape instanceof SharedArrayBuffer) {
      this.buffer = bufferOrShape;
      const header = new Int32Array(this.buffer, 0, HEADER_WORDS);
      this.count = header[0]!;
      this.size = header[1]!;
    } else {
      this.count = bufferOrShape.count;
      this.size = bufferOrShape.size;
      this.buffer = new SharedArrayBuffer(this.#offset(this.count) + this.count * this.size);
      const header = new Int32Array(this.buffer, 0, HEADER_WORDS);
      header[0] = this.count;
      header[1] = this.size;
      header[2] = this.count;
    }
    this.#dataOffset = this.#offset(this.count);
    this.#words = new Int32Array(this.buffer, 0, HEADER_WORDS + this.count);
  }

  #offset(count: number): number {
    return Math.ceil(((HEADER_WORDS + count) * 4) / 64) * 64;
  }

  /** Takes a free slot, waiting (this thread blocks: workers only) until one is released. */
  acquire(): number {
    const w = this.#words;
    for (;;) {
      for (let slot = 0; slot < this.count; slot++) {
        if (Atomics.compareExchange(w, HEADER_WORDS + slot, FREE, TAKEN) === FREE) {
          Atomics.sub(w, 2, 1);
          return slot;
        }
      }
      Atomics.wait(w, 2, 0, 1000);
    }
  }

  release(slot: number): void {
    Atomics.store(this.#words, HEADER_WORDS + slot, FREE);
    Atomics.add(this.#words, 2, 1);
    Atomics.notify(this.#words, 2);
  }

  view(slot: number, length = this.size): Uint8Array {
    return new Uint8Array(this.buffer, this.#dataOffset + slot * this.size, length);
  }
}
