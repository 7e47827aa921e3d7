// A decorator for dry runs: reads go to the real backend, writes and removals are counted and dropped, so an
// operation runs its real code path and changes nothing.

import * as fs from 'node:fs';
import type { Backend, ByteRange, LocalFiles, ObjectInfo, ObjectType } from './contract.ts';

export class DryRunBackend implements Backend {
  readonly #inner: Backend;
  readonly written = { objects: 0, bytes: 0 };

  constructor(inner: Backend) {
    this.#inner = inner;
  }

  get location(): string {
    return this.#inner.location;
  }

  async create(): Promise<void> {}

  async save(_type: ObjectType, _name: string, data: Uint8Array): Promise<void> {
    this.written.objects++;
    this.written.bytes += data.length;
  }

  async saveFile(_type: ObjectType, _name: string, file: string): Promise<void> {
    this.written.objects++;
    this.written.bytes += (await fs.promises.stat(file)).size;
  }

  load(type: ObjectType, name: string, range?: ByteRange, into?: Buffer): Promise<Buffer> {
    return this.#inner.load(type, name, range, into);
  }

  stat(type: ObjectType, name: string): Promise<ObjectInfo> {
    return this.#inner.stat(type, name);
  }

  list(type: ObjectType): AsyncIterable<ObjectInfo> {
    return this.#inner.list(type);
  }

  async remove(): Promise<void> {}

  async close(): Promise<void> {}

  /** Staged files are written where the real backend stages them, and dropped by `saveFile`. */
  get localFiles(): LocalFiles | undefined {
    return this.#inner.localFiles;
  }
}
