// The local-disk backend. Writes are atomic and create-only: the bytes go to a temp file that is fsynced,
// then hard-linked to the final name (link fails if the name exists, so nothing is ever overwritten), then the
// directory is fsynced. A crash leaves at most a stray temp file under tmp/, never a partial object. Writers that
// produce an object piece by piece (pipeline workers writing packs) write into tmp/ (`localFiles`) themselves;
// `saveFile` then does the same fsync and link.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoCode, StepvaultError } from '../../common/errors.ts';
import { type Backend, type ByteRange, CONFIG_NAME, type ObjectInfo, type ObjectType } from '../contract.ts';
import { alreadyExists, assertObjectName, notFound, truncated } from '../object-name.ts';

const DIRECTORIES = ['keys', 'data', 'index', 'snapshots', 'locks', 'tombstones', 'chain', 'tmp'] as const;

export class LocalBackend implements Backend {
  readonly location: string;
  readonly #root: string;

  constructor(root: string) {
    this.#root = path.resolve(root);
    this.location = this.#root;
  }

  async create(): Promise<void> {
    await fs.promises.mkdir(this.#root, { recursive: true }).catch((e) => {
      throw ioError(e, `cannot create repository directory ${this.#root}`);
    });
    const existing = await fs.promises.readdir(this.#root);
    if (existing.includes(CONFIG_NAME)) {
      throw new StepvaultError('repository-exists', `a repository already exists at ${this.#root}`, {
        hint: 'use it as it is, or choose another location for a new one',
      });
    }
    const foreign = existing.filter((name) => !(DIRECTORIES as readonly string[]).includes(name));
    if (foreign.length > 0) {
      throw new StepvaultError('usage', `${this.#root} is not empty and is not a repository`, {
        hint: 'initialize a repository in a new or empty directory',
      });
    }
    for (const dir of DIRECTORIES) await fs.promises.mkdir(path.join(this.#root, dir), { recursive: true });
    await Promise.all(
      Array.from({ length: 256 }, (_, i) =>
        fs.promises.mkdir(path.join(this.#root, 'data', i.toString(16).padStart(2, '0')), {
          recursive: true,
        }),
      ),
    );
    await fsyncDirectory(path.join(this.#root, 'data'));
    await fsyncDirectory(this.#root);
  }

  #path(type: ObjectType, name: string): string {
    assertObjectName(type, name);
    if (type === 'config') return path.join(this.#root, CONFIG_NAME);
    if (type === 'data') return path.join(this.#root, 'data', name.slice(0, 2), name);
    return path.join(this.#root, type, name);
  }

  async save(type: ObjectType, name: string, data: Uint8Array): Promise<void> {
    const final = this.#path(type, name);
    const temp = path.join(this.#root, 'tmp', `${name.slice(0, 16)}-${randomBytes(8).toString('hex')}`);
    let handle: fs.promises.FileHandle | undefined;
    try {
      handle = await fs.promises.open(temp, 'wx', 0o600);
      await handle.writeFile(data);
      await handle.sync();
      await handle.close();
      handle = undefined;
      await this.#link(temp, final, type, name);
    } catch (e) {
      throw e instanceof StepvaultError ? e : ioError(e, `cannot write ${type}/${name}`);
    } finally {
      await handle?.close().catch(() => {});
      await fs.promises.unlink(temp).catch(() => {});
    }
  }

  readonly localFiles = {
    stagingDirectory: (): string => path.join(this.#root, 'tmp'),
    path: (type: ObjectType, name: string): string => this.#path(type, name),
  };

  /** A file in the staging directory is fsynced and linked under its final name; any other is copied. */
  async saveFile(type: ObjectType, name: string, file: string): Promise<void> {
    if (path.dirname(path.resolve(file)) !== this.localFiles.stagingDirectory()) {
      return this.save(type, name, await fs.promises.readFile(file));
    }
    try {
      const final = this.#path(type, name);
      const handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.#link(file, final, type, name);
    } catch (e) {
      throw e instanceof StepvaultError ? e : ioError(e, `cannot write ${type}/${name}`);
    }
  }

  /** Gives the durable file `temp` its final name (never replacing one), then makes the name durable. */
  async #link(temp: string, final: string, type: ObjectType, name: string): Promise<void> {
    try {
      await fs.promises.link(temp, final);
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') throw alreadyExists(this.location, type, name);
      // A data/xx directory, or a type's directory that repositories made by earlier versions lack (chain/).
      if (errnoCode(e) === 'ENOENT' && type !== 'config') {
        await fs.promises.mkdir(path.dirname(final), { recursive: true });
        await fs.promises.link(temp, final);
      } else throw e;
    }
    await fsyncDirectory(path.dirname(final));
  }

  async load(type: ObjectType, name: string, range?: ByteRange): Promise<Buffer> {
    const file = this.#path(type, name);
    try {
      if (!range) return await fs.promises.readFile(file);
      const handle = await fs.promises.open(file, 'r');
      try {
        const buffer = Buffer.allocUnsafe(range.length);
        let done = 0;
        while (done < range.length) {
          const { bytesRead } = await handle.read(buffer, done, range.length - done, range.offset + done);
          if (bytesRead === 0) {
            const { size } = await handle.stat();
            throw truncated(type, name, size, range.offset, range.length);
          }
          done += bytesRead;
        }
        return buffer;
      } finally {
        await handle.close();
      }
    } catch (e) {
      if (e instanceof StepvaultError) throw e;
      if (errnoCode(e) === 'ENOENT') throw notFound(this.location, type, name);
      throw ioError(e, `cannot read ${type}/${name}`);
    }
  }

  async stat(type: ObjectType, name: string): Promise<ObjectInfo> {
    try {
      const st = await fs.promises.stat(this.#path(type, name));
      return { name, size: st.size, modified: st.mtime };
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') throw notFound(this.location, type, name);
      throw ioError(e, `cannot stat ${type}/${name}`);
    }
  }

  async *list(type: ObjectType): AsyncIterable<ObjectInfo> {
    if (type === 'config') {
      try {
        yield await this.stat('config', CONFIG_NAME);
      } catch (e) {
        if (!(e instanceof StepvaultError && e.code === 'not-found')) throw e;
      }
      return;
    }
    const dirs =
      type === 'data'
        ? (await readdirOrEmpty(path.join(this.#root, 'data'))).map((d) => path.join(this.#root, 'data', d))
        : [path.join(this.#root, type)];
    for (const dir of dirs) {
      for (const name of await readdirOrEmpty(dir)) {
        if (!/^[0-9a-f]{16,128}$/.test(name)) continue;
        try {
          const st = await fs.promises.lstat(path.join(dir, name));
          if (st.isFile()) yield { name, size: st.size, modified: st.mtime };
        } catch (e) {
          if (errnoCode(e) !== 'ENOENT') throw ioError(e, `cannot list ${type}`);
        }
      }
    }
  }

  async remove(type: ObjectType, name: string): Promise<void> {
    const file = this.#path(type, name);
    try {
      await fs.promises.unlink(file);
      await fsyncDirectory(path.dirname(file));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return;
      throw ioError(e, `cannot remove ${type}/${name}`);
    }
  }

  async close(): Promise<void> {}

  async removeStaleTemporaries(olderThan: Date): Promise<number> {
    let removed = 0;
    const dir = path.join(this.#root, 'tmp');
    for (const name of await readdirOrEmpty(dir)) {
      const file = path.join(dir, name);
      const st = await fs.promises.lstat(file).catch(() => undefined);
      if (st?.isFile() && st.mtime < olderThan) {
        await fs.promises.unlink(file).catch(() => {});
        removed++;
      }
    }
    return removed;
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.promises.readdir(dir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw ioError(e, `cannot read directory ${dir}`);
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function ioError(error: unknown, message: string): StepvaultError {
  const code = errnoCode(error);
  const hints: Record<string, string> = {
    ENOSPC: 'the disk is full: free space or use another repository location',
    EACCES: 'permission denied: check the owner and mode of the repository directory',
    EPERM: 'operation not permitted: check the owner and mode of the repository directory',
    EROFS: 'the file system is read-only',
    EDQUOT: 'disk quota exceeded',
  };
  const detail = error instanceof Error ? error.message : String(error);
  return new StepvaultError('io', `${message}: ${detail}`, {
    cause: error,
    retryable: code === 'EAGAIN' || code === 'EBUSY' || code === 'EINTR',
    ...(code && hints[code] ? { hint: hints[code] } : {}),
  });
}
