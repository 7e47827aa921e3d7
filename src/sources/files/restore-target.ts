// Where a files restore writes: a target directory that nothing may escape. Every path is built from validated
// single components under the target; directories are created by us and checked with lstat (a symlink in their
// place is refused); files are created with O_EXCL|O_NOFOLLOW; symlinks and hard links are made last, so no
// write ever goes through a link. Existing entries are only replaced when the caller allows it.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoCode, StepvaultError } from '../../common/errors.ts';
import { type TreeNode, unsafeNameReason } from '../../domain/tree-node.ts';
import { applyMetadata } from './restore-metadata.ts';

export type OverwritePolicy = 'never' | 'always';

const CREATE_FLAGS =
  fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
const IS_ROOT = process.getuid?.() === 0;

export class RestoreTarget {
  readonly root: string;
  readonly #overwrite: OverwritePolicy;

  constructor(root: string, overwrite: OverwritePolicy) {
    this.root = path.resolve(root);
    this.#overwrite = overwrite;
  }

  /** The absolute target path of a snapshot-relative path given as validated components. */
  resolve(components: readonly string[]): string {
    for (const c of components) {
      const why = unsafeNameReason(c);
      if (why) throw new StepvaultError('unsafe-path', `refusing to restore ${JSON.stringify(c)}: ${why}`);
    }
    const full = path.join(this.root, ...components);
    if (full !== this.root && !full.startsWith(`${this.root}${path.sep}`)) {
      throw new StepvaultError('unsafe-path', `refusing to restore outside the target: ${full}`);
    }
    return full;
  }

  /** Creates the target directory itself if needed; it must not be a symlink. */
  prepareRoot(): void {
    try {
      fs.mkdirSync(this.root, { recursive: true });
    } catch (e) {
      throw new StepvaultError('io', `cannot create target ${this.root}: ${errnoCode(e) ?? String(e)}`);
    }
    if (!fs.lstatSync(this.root).isDirectory()) {
      throw new StepvaultError('conflict', `target ${this.root} is not a directory`);
    }
  }

  /** True when the target has no entries (so no conflict with existing files is possible). */
  isEmpty(): boolean {
    try {
      return fs.readdirSync(this.root).length === 0;
    } catch {
      return true;
    }
  }

  /** What is already at a target path, for the conflict check before anything is written. */
  existing(full: string): fs.Stats | undefined {
    try {
      return fs.lstatSync(full);
    } catch {
      return undefined;
    }
  }

  mkdir(full: string): void {
    try {
      fs.mkdirSync(full, 0o700);
      return;
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw ioError(e, full, 'create directory');
    }
    const st = fs.lstatSync(full);
    if (st.isDirectory()) return;
    if (this.#overwrite === 'always' && !st.isDirectory()) {
      fs.rmSync(full, { force: true });
      fs.mkdirSync(full, 0o700);
      return;
    }
    throw new StepvaultError('conflict', `${full} exists and is not a directory`, {
      hint: 'pass --overwrite always to replace it',
    });
  }

  /** Creates an empty file of the final size (sparse: holes stay holes until written). */
  createFile(full: string, size: number): void {
    let fd: number;
    try {
      fd = fs.openSync(full, CREATE_FLAGS, 0o600);
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST' || this.#overwrite !== 'always') throw ioError(e, full, 'create file');
      this.removeExisting(full);
      fd = fs.openSync(full, CREATE_FLAGS, 0o600);
    }
    try {
      if (size > 0) fs.ftruncateSync(fd, size);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Removes what is at a path (not a directory) so it can be restored anew (overwrite "always"). */
  removeExisting(full: string): void {
    const st = fs.lstatSync(full);
    if (st.isDirectory()) {
      throw new StepvaultError('conflict', `${full} is a directory in the target but a file in the snapshot`);
    }
    fs.unlinkSync(full);
  }

  symlink(full: string, target: string): void {
    try {
      fs.symlinkSync(target, full);
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST' || this.#overwrite !== 'always') throw ioError(e, full, 'create symlink');
      this.removeExisting(full);
      fs.symlinkSync(target, full);
    }
  }

  hardLink(existing: string, full: string): void {
    try {
      fs.linkSync(existing, full);
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST' || this.#overwrite !== 'always')
        throw ioError(e, full, 'create hard link');
      this.removeExisting(full);
      fs.linkSync(existing, full);
    }
  }

  /** FIFOs and device nodes (devices only as root); returns false for what cannot be restored (sockets). */
  special(full: string, node: TreeNode): boolean {
    if (node.type === 'fifo') {
      execFileSync('mkfifo', ['-m', '600', '--', full]);
      return true;
    }
    if ((node.type === 'chardev' || node.type === 'blockdev') && IS_ROOT && node.rdev !== undefined) {
      const rdev = BigInt(node.rdev);
      const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
      const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
      execFileSync('mknod', [
        '-m',
        '600',
        '--',
        full,
        node.type === 'chardev' ? 'c' : 'b',
        String(major),
        String(minor),
      ]);
      return true;
    }
    return false;
  }

  removeFailed(full: string): void {
    fs.rmSync(full, { force: true });
  }

  applyMetadata(full: string, node: TreeNode): void {
    applyMetadata(full, node);
  }
}

function ioError(e: unknown, full: string, what: string): StepvaultError {
  const code = errnoCode(e);
  if (code === 'EEXIST') {
    return new StepvaultError('conflict', `${full} already exists`, {
      hint: 'restore into an empty directory, or pass --overwrite always',
    });
  }
  if (code === 'ELOOP')
    return new StepvaultError('unsafe-path', `refusing to ${what} through a symlink at ${full}`);
  return new StepvaultError('io', `cannot ${what} ${full}: ${code ?? String(e)}`, { cause: e });
}
