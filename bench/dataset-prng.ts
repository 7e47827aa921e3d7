// Seeded pseudo-random numbers for the benchmark dataset: xoshiro128** seeded through splitmix32 from a string,
// so every file gets its own reproducible stream (`Rng.derive('small', 17)`) and the same bytes on every run.

const U32 = 0x1_0000_0000;

function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [next, (z ^ (z >>> 16)) >>> 0];
}

export class Rng {
  /** xoshiro128** state, kept as int32 so it never leaves V8's small-integer representation. */
  private readonly s = new Int32Array(4);

  constructor(seed: string) {
    let state = hashString(seed);
    for (let i = 0; i < 4; i++) {
      const [next, value] = splitmix32(state);
      state = next;
      this.s[i] = value;
    }
    this.s[3] = this.s[3]! | 1; // never the all-zero state
  }

  /** An independent stream for a named part of the dataset. */
  static derive(...parts: (string | number)[]): Rng {
    return new Rng(`stepvault-bench/${parts.join('/')}`);
  }

  /** The next 32 random bits, as an unsigned integer. */
  u32(): number {
    const s = this.s;
    const b = s[1]!;
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= b;
    s[1] = b ^ s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.u32() / U32;
  }

  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** A value spread evenly on a logarithmic scale between min and max. */
  logUniform(min: number, max: number): number {
    return Math.exp(Math.log(min) + this.float() * (Math.log(max) - Math.log(min)));
  }

  /** Fills the array with random bytes (four at a time). */
  fill(bytes: Uint8Array): void {
    const words = Math.floor(bytes.length / 4);
    const view =
      bytes.byteOffset % 4 === 0
        ? new Uint32Array(bytes.buffer, bytes.byteOffset, words)
        : new Uint32Array(words);
    const s = this.s;
    let a = s[0]!;
    let b = s[1]!;
    let c = s[2]!;
    let d = s[3]!;
    for (let i = 0; i < words; i++) {
      view[i] = Math.imul(rotl(Math.imul(b, 5), 7), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
    }
    s[0] = a;
    s[1] = b;
    s[2] = c;
    s[3] = d;
    if (view.buffer !== bytes.buffer) bytes.set(new Uint8Array(view.buffer, 0, words * 4));
    for (let i = words * 4; i < bytes.length; i++) bytes[i] = this.u32() & 0xff;
  }

  /** `length` lowercase hexadecimal digits. */
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += this.u32().toString(16).padStart(8, '0');
    return out.slice(0, length);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
