// An in-memory backend: the reference implementation of the storage contract, used by tests and as the
// fastest possible backend in benchmarks of the engine itself.

import * as fs from 'node:fs';
import { StepvaultError } from '../../common/errors.ts';
import { type Backend, type ByteRange, OBJECT_TYPES, type ObjectInfo, type ObjectType } from '../contract.ts';
import { alreadyExists, assertObjectName, notFound, truncated } from '../object-name.ts';

interface Stored {
  data: Buffer;
  modified: Date;
}

export class MemoryBackend implements Backend {
  readonly location: string;
  readonly #objects = new Map<ObjectType, Map<string, Stored>>();
  readonly #now: () => Date;
  #created = false;

  constructor(options: { name?: string; now?: () => Date } = {}) {
    this.location = `memory:${options.name ?? 'default'}`;
    this.#now = options.now ?? (() => new Date());
    for (const type of OBJECT_TYPES) this.#objects.set(type, new Map());
  }

  async create(): Promise<void> {
    if (this.#objects.get('config')!.size > 0) {
      throw new StepvaultError('repository-exists', `a repository already exists at ${this.location}`);
    }
    this.#created = true;
  }

  get created(): boolean {
    return this.#created;
  }

  async save(type: ObjectType, name: string, data: Uint8Array): Promise<void> {
    assertObjectName(type, name);
    const bucket = this.#objects.get(type)!;
    if (bucket.has(name)) throw alreadyExists(this.location, type, name);
    bucket.set(name, { data: Buffer.from(data), modified: this.#now() });
  }

  async saveFile(type: ObjectType, name: string, file: string): Promise<void> {
    await this.save(type, name, await fs.promises.readFile(file));
  }

  async load(type: ObjectType, name: string, range?: ByteRange): Promise<Buffer> {
    assertObjectName(type, name);
    const stored = this.#objects.get(type)!.get(name);
    if (!stored) throw notFound(this.location, type, name);
    if (!range) return Buffer.from(stored.data);
    if (range.offset + range.length > stored.data.length) {
      throw truncated(type, name, stored.data.length, range.offset, range.length);
    }
    return Buffer.from(stored.data.subarray(range.offset, range.offset + range.length));
  }

  async stat(type: ObjectType, name: string): Promise<ObjectInfo> {
    assertObjectName(type, name);
    const stored = this.#objects.get(type)!.get(name);
    if (!stored) throw notFound(this.location, type, name);
    return { name, size: stored.data.length, modified: stored.modified };
  }

  async *list(type: ObjectType): AsyncIterable<ObjectInfo> {
    for (const [name, stored] of [...this.#objects.get(type)!]) {
      yield { name, size: stored.data.length, modified: stored.modified };
    }
  }

  async remove(type: ObjectType, name: string): Promise<void> {
    assertObjectName(type, name);
    this.#objects.get(type)!.delete(name);
  }

  async close(): Promise<void> {}

  /** Test access: replace an object's bytes in place (to simulate corruption by the storage). */
  tamper(type: ObjectType, name: string, data: Uint8Array | undefined): void {
    const bucket = this.#objects.get(type)!;
    if (data === undefined) bucket.delete(name);
    else bucket.set(name, { data: Buffer.from(data), modified: this.#now() });
  }
}
