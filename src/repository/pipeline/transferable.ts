// Moving bytes between threads without copying. A view can be transferred only if its ArrayBuffer may be
// detached: Node's small Buffers share a pooled ArrayBuffer (Buffer.poolSize), and transferring that would detach
// the pool under unrelated Buffers. Such bytes, or views into a buffer someone else still uses, are copied.

export function transferable(
  bytes: Uint8Array,
  options: { owned?: boolean } = {},
): { view: Uint8Array; transfer: ArrayBuffer[] } {
  const buffer = bytes.buffer;
  const whole = bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength;
  if (buffer instanceof ArrayBuffer && buffer.byteLength > Buffer.poolSize && (whole || options.owned)) {
    return { view: bytes, transfer: [buffer] };
  }
  return { view: new Uint8Array(bytes), transfer: [] };
}
