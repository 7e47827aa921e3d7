// A decorator that keeps a local copy of a remote repository's small, write-once objects — index files, snapshots,
// chain entries and tombstones — in this client's cache directory, as restic's cache does: a command that lists
// snapshots or loads the index reads them from disk instead of fetching every one again. Listings always ask the
// store (it is the authority on what exists) and drop cached copies of objects it no longer lists. A cached copy
// of a content-named object is checked against its name when read, and fetched again when it does not match;
// sealed objects are authenticated by their readers anyway. Failures of the cache only cost speed.

import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type Backend,
  type ByteRange,
  CONTENT_NAMED_TYPES,
  type LocalFiles,
  type ObjectInfo,
  type ObjectLockControl,
  type ObjectType,
  type RequestStats,
} from './contract.ts';

const CACHED: ReadonlySet<ObjectType> = new Set(['index', 'snapshots', 'chain', 'tombstones']);

export class CachedBackend implements Backend {
  readonly #inner: Backend;
  readonly #dir: string;

  /** `dir` is this repository's own cache directory (e.g. `<cache>/<repository id>/objects`). */
  constructor(inner: Backend, dir: string) {
    this.#inner = inner;
    this.#dir = dir;
    if (inner.requestStats) this.requestStats = () => inner.requestStats!();
    if (inner.removeStaleTemporaries) this.removeStaleTemporaries = (t) => inner.removeStaleTemporaries!(t);
  }

  get location(): string {
    return this.#inner.location;
  }

  get localFiles(): LocalFiles | undefined {
    return this.#inner.localFiles;
  }

  get objectLock(): ObjectLockControl | undefined {
    return this.#inner.objectLock;
  }

  /** The inner backend's optional capabilities, when it has them. */
  readonly requestStats?: () => RequestStats;
  readonly removeStaleTemporaries?: (olderThan: Date) => Promise<number>;

  #file(type: ObjectType, name: string): string {
    return path.join(this.#dir, type, name);
  }

  #keep(type: ObjectType, name: string, data: Uint8Array): void {
    if (!CACHED.has(type)) return;
    const file = this.#file(type, name);
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      fs.writeFileSync(temp, data, { mode: 0o600 });
      fs.renameSync(temp, file);
    } catch {
      fs.rmSync(temp, { force: true });
    }
  }

  #cached(type: ObjectType, name: string): Buffer | undefined {
    if (!CACHED.has(type)) return undefined;
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(this.#file(type, name));
    } catch {
      return undefined;
    }
    if (CONTENT_NAMED_TYPES.has(type) && createHash('sha256').update(bytes).digest('hex') !== name) {
      fs.rmSync(this.#file(type, name), { force: true });
      return undefined;
    }
    return bytes;
  }

  create(): Promise<void> {
    return this.#inner.create();
  }

  async save(type: ObjectType, name: string, data: Uint8Array): Promise<void> {
    await this.#inner.save(type, name, data);
    this.#keep(type, name, data);
  }

  saveFile(type: ObjectType, name: string, file: string): Promise<void> {
    return this.#inner.saveFile(type, name, file);
  }

  async load(type: ObjectType, name: string, range?: ByteRange): Promise<Buffer> {
    if (range) return this.#inner.load(type, name, range);
    const cached = this.#cached(type, name);
    if (cached) return cached;
    const bytes = await this.#inner.load(type, name);
    this.#keep(type, name, bytes);
    return bytes;
  }

  stat(type: ObjectType, name: string): Promise<ObjectInfo> {
    return this.#inner.stat(type, name);
  }

  /** The store's listing; afterwards cached copies of what it no longer lists are dropped. */
  async *list(type: ObjectType): AsyncIterable<ObjectInfo> {
    const listed = new Set<string>();
    for await (const info of this.#inner.list(type)) {
      listed.add(info.name);
      yield info;
    }
    if (!CACHED.has(type)) return;
    let names: string[];
    try {
      names = fs.readdirSync(path.join(this.#dir, type));
    } catch {
      return;
    }
    for (const name of names)
      if (!listed.has(name)) fs.rmSync(path.join(this.#dir, type, name), { force: true });
  }

  async remove(type: ObjectType, name: string): Promise<void> {
    await this.#inner.remove(type, name);
    if (CACHED.has(type)) fs.rmSync(this.#file(type, name), { force: true });
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
