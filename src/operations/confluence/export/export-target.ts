// The directory an HTML export writes into, and the only code that writes there. Every path is built from
// checked names (letters, digits, `.`, `_`, `~`, `-`; never `.` or `..`) under the target; directories are
// created one level at a time and checked with lstat (a symlink is never followed); files are created with
// O_EXCL|O_NOFOLLOW.
//
// Semantics, as restic's restore: a missing target is created; an existing one must be an empty directory,
// unless `force` is given — then files the export writes replace what has their name (written beside it and
// renamed over it, so a symlink there is replaced, never followed) and everything else in the directory is
// left alone.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoCode, StepvaultError } from '../../../common/errors.ts';

const NAME = /^[A-Za-z0-9._~-]{1,255}$/;
const CREATE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

export class ExportTarget {
  readonly root: string;
  readonly #force: boolean;
  readonly #dirs = new Set<string>(['']);
  #bytes = 0;
  #files = 0;

  private constructor(root: string, force: boolean) {
    this.root = root;
    this.#force = force;
  }

  /** Prepares the target directory: creates it, or checks that it is a directory and (without force) empty. */
  static async open(dir: string, force: boolean): Promise<ExportTarget> {
    const root = path.resolve(dir);
    try {
      await fs.promises.mkdir(root, { recursive: true, mode: 0o755 });
    } catch (e) {
      throw new StepvaultError('io', `cannot create target ${root}: ${errnoCode(e) ?? String(e)}`, {
        cause: e,
      });
    }
    const st = await fs.promises.lstat(root);
    if (!st.isDirectory())
      throw new StepvaultError('conflict', `target ${root} is not a directory`, {
        hint: 'give a new or empty directory (a symlink is not followed)',
      });
    if (!force && (await fs.promises.readdir(root)).length > 0)
      throw new StepvaultError('conflict', `target ${root} is not empty`, {
        hint: 'export into a new or empty directory, or pass --force to replace the files the export writes',
      });
    return new ExportTarget(root, force);
  }

  get bytesWritten(): number {
    return this.#bytes;
  }

  get filesWritten(): number {
    return this.#files;
  }

  /** Writes a whole file (pages, indexes, assets). */
  async writeFile(rel: string, data: string | Uint8Array): Promise<void> {
    await this.writeStream(rel, [typeof data === 'string' ? Buffer.from(data) : data]);
  }

  /** Writes a file from pieces (attachments), never holding it whole; returns its size. */
  async writeStream(rel: string, pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<number> {
    const full = this.#resolve(rel);
    await this.#ensureDir(path.posix.dirname(rel));
    let handle: fs.promises.FileHandle;
    let temporary: string | undefined;
    try {
      handle = await fs.promises.open(full, CREATE, 0o644);
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST' || !this.#force) throw writeError(e, full);
      temporary = `${full}.${randomBytes(6).toString('hex')}.part`;
      handle = await fs.promises.open(temporary, CREATE, 0o644).catch((e2) => {
        throw writeError(e2, full);
      });
    }
    let size = 0;
    try {
      for await (const piece of pieces) {
        await handle.write(piece);
        size += piece.length;
        this.#bytes += piece.length;
      }
      await handle.close();
      if (temporary) await fs.promises.rename(temporary, full);
    } catch (e) {
      await handle.close().catch(() => {});
      await fs.promises.rm(temporary ?? full, { force: true });
      throw e instanceof StepvaultError ? e : writeError(e, full);
    }
    this.#files++;
    return size;
  }

  #resolve(rel: string): string {
    const names = rel.split('/');
    for (const name of names) {
      if (!NAME.test(name) || name === '.' || name === '..')
        throw new StepvaultError('unsafe-path', `refusing to write ${JSON.stringify(rel)} in the export`);
    }
    const full = path.join(this.root, ...names);
    if (!full.startsWith(`${this.root}${path.sep}`))
      throw new StepvaultError('unsafe-path', `refusing to write outside the target: ${full}`);
    return full;
  }

  /** Creates a directory below the root level by level; each level must be a real directory. */
  async #ensureDir(rel: string): Promise<void> {
    if (rel === '.' || this.#dirs.has(rel)) return;
    await this.#ensureDir(path.posix.dirname(rel));
    const full = this.#resolve(rel);
    try {
      await fs.promises.mkdir(full, 0o755);
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw writeError(e, full);
      const st = await fs.promises.lstat(full);
      if (!st.isDirectory()) {
        if (!this.#force)
          throw new StepvaultError('conflict', `${full} exists and is not a directory`, {
            hint: 'export into a new or empty directory',
          });
        await fs.promises.unlink(full);
        await fs.promises.mkdir(full, 0o755);
      }
    }
    this.#dirs.add(rel);
  }
}

function writeError(e: unknown, full: string): StepvaultError {
  const code = errnoCode(e);
  if (code === 'EEXIST')
    return new StepvaultError('conflict', `${full} already exists`, {
      hint: 'export into a new or empty directory, or pass --force',
    });
  if (code === 'ELOOP')
    return new StepvaultError('unsafe-path', `refusing to write through a symlink at ${full}`);
  if (code === 'EISDIR') return new StepvaultError('conflict', `${full} is a directory`);
  return new StepvaultError('io', `cannot write ${full}: ${code ?? String(e)}`, { cause: e });
}
