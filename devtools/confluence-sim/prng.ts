// Seeded pseudo-random numbers for the simulator. Everything random in it (datasets, attachment bytes, fault
// decisions) comes from here, so the same seed always gives the same site and the same faults.

/** A 32-bit hash of any mix of strings and numbers (FNV-1a over UTF-16 units, then an avalanche step). */
export function hash32(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = typeof part === 'number' ? `#${part}` : part;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff; // separator, so ('ab','c') and ('a','bc') differ
    h = Math.imul(h, 0x01000193);
  }
  return avalanche(h);
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) that depends only on its inputs: decisions that must not depend on call order. */
export function uniform(...parts: (string | number)[]): number {
  return hash32(...parts) / 0x1_0000_0000;
}

/** The sfc32 generator: small state, fast, and good enough for test data (not for secrets). */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(...seed: (string | number)[]) {
    this.#a = hash32('a', ...seed);
    this.#b = hash32('b', ...seed);
    this.#c = hash32('c', ...seed);
    this.#d = 1;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A number whose logarithm is uniform between log(min) and log(max): many small values, a few large ones. */
  logUniform(min: number, max: number): number {
    const lo = Math.log(Math.max(1, min));
    const hi = Math.log(Math.max(1, max));
    return Math.round(Math.exp(lo + this.next() * (hi - lo)));
  }

  /** An independent generator derived from this one's seed and a label (does not advance this one). */
  fork(...label: (string | number)[]): Prng {
    return new Prng(this.#a, this.#b, this.#c, ...label);
  }
}

/** A UUID-shaped identifier derived from its inputs (media file ids, group ids, task ids). */
export function pseudoUuid(...parts: (string | number)[]): string {
  const hex = [0, 1, 2, 3]
    .map((i) =>
      hash32('uuid', i, ...parts)
        .toString(16)
        .padStart(8, '0'),
    )
    .join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
