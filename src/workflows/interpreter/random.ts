// The execution's own random numbers (sfc32): seeded once when the execution starts and persisted with it, so
// States.UUID, States.MathRandom, $random(), $uuid() and retry jitter replay identically from the history.

export type RngState = number[];

export function seedRng(seed: Uint8Array): RngState {
  const view = new DataView(seed.buffer, seed.byteOffset, seed.byteLength);
  const state: number[] = [0, 1, 2, 3].map(
    (i) => (seed.byteLength >= (i + 1) * 4 ? view.getUint32(i * 4) : 0x9e3779b9 * (i + 1)) >>> 0,
  );
  if (!state.some((v) => v !== 0)) state[0] = 0x6a09e667;
  for (let i = 0; i < 12; i++) nextUint32(state);
  return state;
}

/** Advances the state in place and returns 32 random bits. */
export function nextUint32(s: RngState): number {
  const a = s[0]! >>> 0;
  const b = s[1]! >>> 0;
  const c = s[2]! >>> 0;
  const d = s[3]! >>> 0;
  const t = (((a + b) >>> 0) + d) >>> 0;
  s[3] = (d + 1) >>> 0;
  s[0] = (b ^ (b >>> 9)) >>> 0;
  s[1] = (c + (c << 3)) >>> 0;
  const r = ((c << 21) | (c >>> 11)) >>> 0;
  s[2] = (r + t) >>> 0;
  return t;
}

/** A uniform number in [0, 1). */
export function nextFloat(s: RngState): number {
  return nextUint32(s) / 0x1_0000_0000;
}

/** A version 4 UUID from the generator. */
export function nextUuid(s: RngState): string {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i += 4) {
    const v = nextUint32(s);
    bytes[i] = v >>> 24;
    bytes[i + 1] = (v >>> 16) & 0xff;
    bytes[i + 2] = (v >>> 8) & 0xff;
    bytes[i + 3] = v & 0xff;
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
