// A byte buffer for the dataset generator: text and markup are appended as latin1 strings or raw bytes, then
// either kept in memory (small files) or streamed to a file descriptor in pieces of a few MiB (large files).

import * as fs from 'node:fs';

const STREAM_PIECE = 2 * 1024 * 1024;

export class ByteSink {
  buf: Buffer;
  pos = 0;
  private flushed = 0;
  private readonly fd: number | undefined;

  constructor(fd?: number, capacity = STREAM_PIECE) {
    this.fd = fd;
    this.buf = Buffer.allocUnsafe(capacity + 64 * 1024);
  }

  /** Bytes appended so far. */
  get size(): number {
    return this.flushed + this.pos;
  }

  /** Makes room for `n` more bytes: writes out the buffer when streaming, grows it otherwise. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.fd !== undefined && this.pos > 0) this.flush();
    if (this.pos + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
  }

  text(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** Writes what is buffered to the file descriptor (streaming sinks only). */
  flush(): void {
    if (this.fd === undefined) return;
    let off = 0;
    while (off < this.pos) off += fs.writeSync(this.fd, this.buf, off, this.pos - off);
    this.flushed += this.pos;
    this.pos = 0;
  }

  /** When streaming: flushes once at least a piece has accumulated, so writes stay large. */
  maybeFlush(): void {
    if (this.fd !== undefined && this.pos >= STREAM_PIECE) this.flush();
  }

  /** The bytes of an in-memory sink. */
  contents(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
    this.flushed = 0;
  }
}
