// Moving bytes between threads without copying: a view can be transferred only if it owns its whole
// ArrayBuffer. Small Node Buffers share a pooled ArrayBuffer; transferring that would detach the pool under
// unrelated Buffers, so those are copied instead.

export function transferable(bytes: Uint8Array): { view: Uint8Array; transfer: ArrayBuffer[] } {
  const buffer = bytes.buffer;
  if (
    buffer instanceof ArrayBuffer &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === buffer.byteLength &&
    buffer.byteLength > 0
  ) {
    return { view: bytes, transfer: [buffer] };
  }
  return { view: new Uint8Array(bytes), transfer: [] };
}
