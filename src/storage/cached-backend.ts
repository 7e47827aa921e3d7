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

  /**
   * The cache directory of a type, made if missing; undefined (no caching of that type) when it is anything but a
   * real directory of ours — a symlink planted there must not make the cache read or delete files elsewhere.
   */
  #typeDir(type: ObjectType): string | undefined {
    if (!CACHED.has(type)) return undefined;
    const dir = path.join(this.#dir, type);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const st = fs.lstatSync(dir);
      const ours = process.getuid === undefined || st.uid === process.getuid();
      return st.isDirectory() && ours ? dir : undefined;
    } catch {
      return undefined;
    }
  }

  #keep(type: ObjectType, name: string, data: Uint8Array): void {
    const dir = this.#typeDir(type);
    if (!dir) return;
    const temp = path.join(dir, `${name}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      fs.writeFileSync(temp, data, { mode: 0o600, flag: 'wx' });
      fs.renameSync(temp, path.join(dir, name));
    } catch {
      fs.rmSync(temp, { force: true });
    }
  }

  #cached(type: ObjectType, name: string): Buffer | undefined {
    const dir = this.#typeDir(type);
    if (!dir) return undefined;
    const file = path.join(dir, name);
    let bytes: Buffer;
    try {
      const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      try {
        if (!fs.fstatSync(fd).isFile()) return undefined;
        bytes = fs.readFileSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return undefined;
    }
    if (CONTENT_NAMED_TYPES.has(type) && createHash('sha256').update(bytes).digest('hex') !== name) {
      fs.rmSync(file, { force: true });
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

  async load(type: ObjectType, name: string, range?: ByteRange, into?: Buffer): Promise<Buffer> {
    // a kept copy outlives the caller's buffer: only what is not kept is read into it
    if (range || !CACHED.has(type)) return this.#inner.load(type, name, range, into);
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
    const dir = this.#typeDir(type);
    if (!dir) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isFile() && !listed.has(entry.name)) fs.rmSync(path.join(dir, entry.name), { force: true });
    }
  }

  async remove(type: ObjectType, name: string): Promise<void> {
    await this.#inner.remove(type, name);
    const dir = this.#typeDir(type);
    if (dir) fs.rmSync(path.join(dir, name), { force: true });
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
