// A set of blob IDs shared by all pipeline threads through a SharedArrayBuffer, so a worker can decide alone,
// without a round trip, whether a chunk is new: `claim` atomically inserts an ID and tells the caller whether it
// must store the blob. Open addressing with linear probing; a slot is EMPTY → WRITING → READY (compare-and-swap
// on the state word), then holds the first 16 bytes of the ID (128 bits of a keyed HMAC: collisions are
// negligible). The owner grows it by copying into a larger table; an insert that races with a copy can make one
// blob be stored twice, which the repository tolerates (duplicates are harmless, prune removes them).

const EMPTY = 0;
const WRITING = 1;
const READY = 2;
const HEADER_WORDS = 4; // [count, capacity, -, -]
const SLOT_WORDS = 5; // state + 4 ID words
const MAX_PROBE = 1024;

export type ClaimResult = 'new' | 'present' | 'full';

export class SharedBlobSet {
  readonly buffer: SharedArrayBuffer;
  readonly #words: Int32Array;
  readonly #mask: number;

  constructor(bufferOrCapacity: SharedArrayBuffer | number) {
    if (typeof bufferOrCapacity === 'number') {
      const capacity = 2 ** Math.ceil(Math.log2(Math.max(1024, bufferOrCapacity)));
      this.buffer = new SharedArrayBuffer((HEADER_WORDS + capacity * SLOT_WORDS) * 4);
      this.#words = new Int32Array(this.buffer);
      this.#words[1] = capacity;
    } else {
      this.buffer = bufferOrCapacity;
      this.#words = new Int32Array(this.buffer);
    }
    this.#mask = this.capacity - 1;
  }

  get capacity(): number {
    return this.#words[1]!;
  }

  get count(): number {
    return Atomics.load(this.#words, 0);
  }

  /** Inserts the ID if absent. 'new': the caller now owns storing the blob; 'full': too crowded, treat as new. */
  claim(id: Uint8Array): ClaimResult {
    const w = this.#words;
    const k0 = readWord(id, 0);
    const k1 = readWord(id, 4);
    const k2 = readWord(id, 8);
    const k3 = readWord(id, 12);
    let slot = k0 & this.#mask;
    for (let probe = 0; probe < MAX_PROBE; probe++) {
      const base = HEADER_WORDS + slot * SLOT_WORDS;
      let state = Atomics.load(w, base);
      if (state === EMPTY) {
        state = Atomics.compareExchange(w, base, EMPTY, WRITING);
        if (state === EMPTY) {
          w[base + 1] = k0;
          w[base + 2] = k1;
          w[base + 3] = k2;
          w[base + 4] = k3;
          Atomics.store(w, base, READY);
          Atomics.add(w, 0, 1);
          return 'new';
        }
      }
      while (state === WRITING) state = Atomics.load(w, base); // another thread is writing this very slot
      if (w[base + 1] === k0 && w[base + 2] === k1 && w[base + 3] === k2 && w[base + 4] === k3)
        return 'present';
      slot = (slot + 1) & this.#mask;
    }
    return 'full';
  }

  has(id: Uint8Array): boolean {
    const w = this.#words;
    const k0 = readWord(id, 0);
    let slot = k0 & this.#mask;
    for (let probe = 0; probe < MAX_PROBE; probe++) {
      const base = HEADER_WORDS + slot * SLOT_WORDS;
      const state = Atomics.load(w, base);
      if (state === EMPTY) return false;
      if (
        state === READY &&
        w[base + 1] === k0 &&
        w[base + 2] === readWord(id, 4) &&
        w[base + 3] === readWord(id, 8) &&
        w[base + 4] === readWord(id, 12)
      ) {
        return true;
      }
      slot = (slot + 1) & this.#mask;
    }
    return false;
  }

  /** A table of `capacity` slots holding every ID of this one (the owner swaps it in when this one fills up). */
  grownTo(capacity: number): SharedBlobSet {
    const next = new SharedBlobSet(capacity);
    const w = this.#words;
    const key = Buffer.alloc(16);
    for (let slot = 0; slot < this.capacity; slot++) {
      const base = HEADER_WORDS + slot * SLOT_WORDS;
      if (Atomics.load(w, base) !== READY) continue;
      for (let i = 0; i < 4; i++) key.writeInt32LE(w[base + 1 + i]!, i * 4);
      next.claim(key);
    }
    return next;
  }
}

function readWord(id: Uint8Array, at: number): number {
  return id[at]! | (id[at + 1]! << 8) | (id[at + 2]! << 16) | (id[at + 3]! << 24);
}
