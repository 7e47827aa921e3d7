// Where a files restore writes: a target directory that nothing may escape, even while someone who can write
// inside it renames and replaces entries during the restore. The target is walked by directory handles: the root
// is opened once (no-follow), and every directory is made and opened relative to its parent's handle, one
// component at a time, never following a symlink. Node has no openat, so a name is looked up inside a handle as
// `/proc/self/fd/<fd>/<name>`: the kernel resolves the descriptor to the directory it refers to (wherever it has
// been moved since), and O_NOFOLLOW guards the one remaining component. Files are created exclusively through
// their directory's handle and written, sized and given metadata through their own descriptors. A handle that was
// closed (the cache is bounded) is reopened from the nearest open ancestor, checking that each directory is the
// one made or found before (device and inode). Symlinks and special files are made in a private staging directory
// (0700) inside the target, given their metadata there, and hard-linked into place (which fails rather than
// replaces, and does not follow). Anything found replaced is a failure of that entry (a StepvaultError with code
// "conflict"), never followed. Existing entries are only replaced when the caller allows it.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { descriptorShare } from '../../common/descriptor-limit.ts';
import { errnoCode, StepvaultError } from '../../common/errors.ts';
import { type TreeNode, unsafeNameReason } from '../../domain/tree-node.ts';
import { applyMetadataAt, applyMetadataToFd, type EntryMetadata } from './restore-metadata.ts';

export type OverwritePolicy = 'never' | 'always';

/** A directory of the restore, below the target (undefined: the target itself). */
export interface TargetDir {
  readonly parent: TargetDir | undefined;
  readonly node: { readonly name: string };
}

/**
 * Which file or directory an entry is, to tell it from one put in its place: device and inode, and the owner (an
 * inode number is reused at once when a file is deleted and another made; one made by someone else is theirs).
 */
export interface Identity {
  dev: bigint;
  ino: bigint;
  uid: number;
}

const { constants } = fs;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** Reopening a file: a FIFO put in its place must not block the open. */
const REOPEN_FLAGS = constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const IS_ROOT = process.getuid?.() === 0;
/**
 * Directory handles kept open at once: a quarter of the descriptor limit, at most 4,096 (a restore may have 100k
 * directories; a handle closed and needed again costs an open and a stat per directory on the way to it).
 */
export const dirHandles = (): number => descriptorShare(1 / 4, 64, 4096);

/** `name` (one checked component) inside the directory that descriptor `fd` refers to. */
export function inDir(fd: number, name: string): string {
  checkName(name);
  return `/proc/self/fd/${fd}/${name}`;
}

/** Refuses a name that is not a single component (it could lead out of its directory). */
export function checkName(name: string): void {
  const why = unsafeNameReason(name);
  if (why) throw new StepvaultError('unsafe-path', `refusing to restore ${JSON.stringify(name)}: ${why}`);
}

export function identityOf(st: fs.BigIntStats): Identity {
  return { dev: st.dev, ino: st.ino, uid: Number(st.uid) };
}

export function sameIdentity(a: Identity, b: Identity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.uid === b.uid;
}

export class RestoreTarget {
  readonly root: string;
  readonly #overwrite: OverwritePolicy;
  readonly #handleLimit: number;
  #rootFd = -1;
  /** Open directory handles, least recently used first. */
  readonly #open = new Map<TargetDir, number>();
  /** What each directory made or found is, to recognise it when its handle is reopened. */
  readonly #ids = new Map<TargetDir, Identity>();
  /** Directories found replaced or missing: nothing below them is restored. */
  readonly #broken = new Map<TargetDir, string>();
  #staging: { fd: number; name: string; id: Identity; next: number } | undefined;
  /** A handle that must stay open while another is looked up. */
  #pinned: TargetDir | undefined;
  /** Handles another thread is opening a name in, and how many such opens run: they stay open. */
  readonly #busy = new Map<TargetDir, number>();
  /** Handles opened again after being closed (for tests and diagnostics). */
  reopened = 0;

  constructor(root: string, overwrite: OverwritePolicy, options: { handleLimit?: number } = {}) {
    this.root = path.resolve(root);
    this.#overwrite = overwrite;
    this.#handleLimit = Math.max(4, options.handleLimit ?? dirHandles());
  }

  /** A snapshot-relative path given as components, checked, as the absolute path it is restored to (for messages). */
  resolve(components: readonly string[]): string {
    for (const c of components) checkName(c);
    return path.join(this.root, ...components);
  }

  /** Creates the target directory itself if needed (it must not be a symlink) and opens its handle. */
  prepareRoot(): void {
    try {
      fs.mkdirSync(this.root, { recursive: true });
    } catch (e) {
      throw new StepvaultError('io', `cannot create target ${this.root}: ${errnoCode(e) ?? String(e)}`);
    }
    try {
      this.#rootFd = fs.openSync(this.root, DIR_FLAGS);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ELOOP' || code === 'ENOTDIR')
        throw new StepvaultError('conflict', `target ${this.root} is not a directory`);
      throw new StepvaultError('io', `cannot open target ${this.root}: ${code ?? String(e)}`, { cause: e });
    }
    let viaProc: fs.BigIntStats | undefined;
    try {
      viaProc = fs.statSync(`/proc/self/fd/${this.#rootFd}`, { bigint: true });
    } catch {
      viaProc = undefined;
    }
    if (
      !viaProc ||
      !sameIdentity(identityOf(viaProc), identityOf(fs.fstatSync(this.#rootFd, { bigint: true })))
    ) {
      this.close();
      throw new StepvaultError('io', 'cannot restore safely: /proc/self/fd is not available', {
        hint: 'a restore finds every entry through the handle of its directory via /proc/self/fd (Linux), so that nothing renamed during the restore can redirect it; mount proc at /proc (mount -t proc proc /proc) and try again',
      });
    }
  }

  /** True when the target has no entries (so no conflict with existing files is possible). */
  isEmpty(): boolean {
    return fs.readdirSync(`/proc/self/fd/${this.#rootFd}`).length === 0;
  }

  /** What is already at a path below the target, for the conflict check before anything is written. */
  existing(components: readonly string[]): fs.Stats | undefined {
    for (const c of components) checkName(c);
    try {
      return fs.lstatSync(`/proc/self/fd/${this.#rootFd}/${components.join('/')}`);
    } catch {
      return undefined;
    }
  }

  /**
   * Makes (or, when it exists, opens) a directory below its parent's handle; a directory where something else is
   * fails (or, with overwrite "always", is replaced).
   */
  mkdir(dir: TargetDir): void {
    const parent = this.#handle(dir.parent);
    const name = dir.node.name;
    const at = inDir(parent, name);
    let made = false;
    try {
      fs.mkdirSync(at, 0o700);
      made = true;
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw this.#fail(dir, e, 'create directory');
    }
    let fd: number;
    try {
      fd = fs.openSync(at, DIR_FLAGS);
    } catch (e) {
      const code = errnoCode(e);
      if (made || (code !== 'ELOOP' && code !== 'ENOTDIR')) throw this.#fail(dir, e, 'open directory');
      if (this.#overwrite !== 'always') {
        this.#broken.set(dir, 'exists and is not a directory');
        throw new StepvaultError('conflict', `${this.#display(dir)} exists and is not a directory`, {
          hint: 'pass --overwrite always to replace it',
        });
      }
      try {
        fs.unlinkSync(at);
        fs.mkdirSync(at, 0o700);
        made = true;
        fd = fs.openSync(at, DIR_FLAGS);
      } catch (e2) {
        throw this.#fail(dir, e2, 'replace with a directory');
      }
    }
    const st = fs.fstatSync(fd, { bigint: true });
    // A directory we just made is ours: one someone else made or moved here in between is not used.
    if (made && Number(st.uid) !== process.geteuid?.()) {
      fs.closeSync(fd);
      throw this.#replaced(dir);
    }
    this.#ids.set(dir, identityOf(st));
    this.#insert(dir, fd);
  }

  /** Why nothing can be restored in this directory, if it failed. */
  brokenReason(dir: TargetDir | undefined): string | undefined {
    for (let d = dir; d; d = d.parent) {
      const why = this.#broken.get(d);
      if (why !== undefined) return d === dir ? why : `${this.#display(d)}: ${why}`;
    }
    return undefined;
  }

  /**
   * Creates a file exclusively in its directory (sparse at `size`) and returns its open descriptor, which the
   * caller must close (or hand to the one that will). An existing entry is replaced only with overwrite "always".
   */
  createFile(dir: TargetDir | undefined, name: string, size: number): number {
    const parent = this.#handle(dir);
    const at = inDir(parent, name);
    let fd: number;
    try {
      fd = fs.openSync(at, CREATE_FLAGS, 0o600);
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST' || this.#overwrite !== 'always')
        throw fileError(e, this.#display(dir, name), 'create file');
      this.#removeNonDirectory(parent, dir, name);
      try {
        fd = fs.openSync(at, CREATE_FLAGS, 0o600);
      } catch (e2) {
        throw fileError(e2, this.#display(dir, name), 'create file');
      }
    }
    return this.#sized(fd, dir, name, size);
  }

  /**
   * `createFile` with the creation itself on a thread of Node's pool, so that the calling thread goes on meanwhile
   * (a restore's main thread reads downloads while files are made: creating a file costs ~35-150 µs in the kernel,
   * tens of thousands of them seconds). The directory's handle is kept open until the open has returned: its number
   * is in the path the other thread opens.
   */
  async createFileAsync(dir: TargetDir | undefined, name: string, size: number): Promise<number> {
    const at = inDir(this.#handle(dir), name);
    if (dir) this.#busy.set(dir, (this.#busy.get(dir) ?? 0) + 1);
    let fd: number;
    try {
      fd = await new Promise<number>((resolve, reject) =>
        fs.open(at, CREATE_FLAGS, 0o600, (e, opened) => (e ? reject(e) : resolve(opened))),
      );
    } catch (e) {
      if (errnoCode(e) === 'EEXIST' && this.#overwrite === 'always') return this.createFile(dir, name, size);
      throw fileError(e, this.#display(dir, name), 'create file');
    } finally {
      if (dir) {
        const users = this.#busy.get(dir)! - 1;
        if (users === 0) this.#busy.delete(dir);
        else this.#busy.set(dir, users);
      }
    }
    return this.#sized(fd, dir, name, size);
  }

  #sized(fd: number, dir: TargetDir | undefined, name: string, size: number): number {
    try {
      if (size > 0) fs.ftruncateSync(fd, size);
    } catch (e) {
      fs.closeSync(fd);
      throw fileError(e, this.#display(dir, name), 'size file');
    }
    return fd;
  }

  /**
   * Opens a file made earlier (and not yet given its owner) for writing, checking it is still the same file; the
   * caller closes it.
   */
  reopenFile(dir: TargetDir | undefined, name: string, id: Identity): number {
    const parent = this.#handle(dir);
    let fd: number;
    try {
      fd = fs.openSync(inDir(parent, name), REOPEN_FLAGS);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ELOOP' || code === 'ENOENT' || code === 'ENXIO' || code === 'EISDIR')
        throw new StepvaultError('conflict', `${this.#display(dir, name)} was replaced during the restore`);
      throw fileError(e, this.#display(dir, name), 'open file');
    }
    if (!sameIdentity(identityOf(fs.fstatSync(fd, { bigint: true })), id)) {
      fs.closeSync(fd);
      throw new StepvaultError('conflict', `${this.#display(dir, name)} was replaced during the restore`);
    }
    return fd;
  }

  /** Makes a hard link to a file restored earlier, and checks the new name is that file (else removes it). */
  hardLink(
    fromDir: TargetDir | undefined,
    fromName: string,
    id: Identity,
    dir: TargetDir | undefined,
    name: string,
  ): void {
    const parent = this.#handle(dir);
    // Opening the source's directory must not close this one (the cache is bounded).
    this.#pinned = dir;
    let source: string;
    try {
      source = inDir(this.#handle(fromDir), fromName);
    } finally {
      this.#pinned = undefined;
    }
    const at = inDir(parent, name);
    this.#linkInto(source, parent, dir, name, 'create hard link');
    const st = fs.lstatSync(at, { bigint: true, throwIfNoEntry: false });
    // The same inode (its owner may have been restored since `id` was taken).
    if (st && st.dev === id.dev && st.ino === id.ino) return;
    // The source's name led elsewhere (it was replaced): the new link is not the restored file.
    if (st && !st.isDirectory()) fs.rmSync(at, { force: true });
    throw new StepvaultError(
      'conflict',
      `${this.#display(fromDir, fromName)} was replaced during the restore`,
    );
  }

  /**
   * Makes a symlink, FIFO or device node (devices only as root) with its metadata; returns false for what cannot be
   * restored (sockets). Made in the staging directory and linked into place.
   */
  other(dir: TargetDir | undefined, name: string, node: TreeNode): boolean {
    const device =
      (node.type === 'chardev' || node.type === 'blockdev') && IS_ROOT && node.rdev !== undefined;
    if (node.type !== 'symlink' && node.type !== 'fifo' && !device) return false;
    const staging = this.#stagingDir();
    const staged = String(staging.next++);
    const stagedAt = inDir(staging.fd, staged);
    try {
      if (node.type === 'symlink') fs.symlinkSync(node.target ?? '', stagedAt);
      else makeSpecial(staging.fd, staged, node);
      applyMetadataAt(stagedAt, node);
      const id = identityOf(fs.lstatSync(stagedAt, { bigint: true }));
      const parent = this.#handle(dir);
      this.#linkInto(stagedAt, parent, dir, name, `create ${node.type}`);
      this.#checkLinked(inDir(parent, name), id, dir, name);
    } finally {
      fs.rmSync(stagedAt, { force: true });
    }
    return true;
  }

  /** Removes a file that could not be restored, if it is still the one made (else what is there is left). */
  removeFailed(dir: TargetDir | undefined, name: string, id: Identity | undefined): void {
    if (this.brokenReason(dir) !== undefined) return;
    try {
      const at = inDir(this.#handle(dir), name);
      const st = fs.lstatSync(at, { bigint: true });
      if (st.isDirectory() || (id && !sameIdentity(identityOf(st), id))) return;
      fs.unlinkSync(at);
    } catch {
      // nothing there, or its directory is gone: nothing to remove
    }
  }

  /** Gives a file its metadata through a descriptor (its data is complete). */
  finishFile(fd: number, node: EntryMetadata): void {
    applyMetadataToFd(fd, node);
  }

  /**
   * Gives a directory its metadata through its handle, then closes the handle (call deepest first). First checks it
   * is still where it was made, in its parent (itself checked after it): a directory moved away during the restore
   * — maybe out of the target — is reported, not finished.
   */
  finishDir(dir: TargetDir, node: EntryMetadata): void {
    const fd = this.#handle(dir);
    this.#pinned = dir;
    let here: fs.BigIntStats | undefined;
    try {
      here = fs.lstatSync(inDir(this.#handle(dir.parent), dir.node.name), {
        bigint: true,
        throwIfNoEntry: false,
      });
    } finally {
      this.#pinned = undefined;
    }
    const id = this.#ids.get(dir);
    if (!here || !id || !sameIdentity(identityOf(here), id)) {
      this.#forget(dir);
      const why = 'was moved or replaced during the restore';
      this.#broken.set(dir, why);
      throw new StepvaultError('conflict', `${this.#display(dir)} ${why}`);
    }
    applyMetadataToFd(fd, node);
    this.#forget(dir);
  }

  #forget(dir: TargetDir): void {
    const fd = this.#open.get(dir);
    if (fd === undefined) return;
    this.#open.delete(dir);
    fs.closeSync(fd);
  }

  /** Closes every handle and removes the staging directory (also after a failure). */
  close(): void {
    if (this.#staging) {
      const { fd, name, id } = this.#staging;
      this.#staging = undefined;
      try {
        for (const left of fs.readdirSync(`/proc/self/fd/${fd}`)) fs.rmSync(inDir(fd, left), { force: true });
        const at = inDir(this.#rootFd, name);
        if (sameIdentity(identityOf(fs.lstatSync(at, { bigint: true })), id)) fs.rmdirSync(at);
      } catch {
        // moved away or already gone: it is empty, and nothing of ours is left in it
      }
      fs.closeSync(fd);
    }
    for (const fd of this.#open.values()) fs.closeSync(fd);
    this.#open.clear();
    if (this.#rootFd >= 0) fs.closeSync(this.#rootFd);
    this.#rootFd = -1;
  }

  /** The handle of a directory: open, or reopened from the nearest open ancestor, checking each one on the way. */
  #handle(dir: TargetDir | undefined): number {
    if (dir === undefined) return this.#rootFd;
    const open = this.#open.get(dir);
    if (open !== undefined) {
      this.#open.delete(dir);
      this.#open.set(dir, open);
      return open;
    }
    const why = this.brokenReason(dir);
    if (why !== undefined) throw new StepvaultError('conflict', why);
    const id = this.#ids.get(dir);
    if (id === undefined) throw new StepvaultError('internal', `${this.#display(dir)} was never created`);
    const parent = this.#handle(dir.parent);
    let fd: number;
    try {
      fd = fs.openSync(inDir(parent, dir.node.name), DIR_FLAGS);
    } catch (e) {
      throw this.#fail(dir, e, 'open directory');
    }
    if (!sameIdentity(identityOf(fs.fstatSync(fd, { bigint: true })), id)) {
      fs.closeSync(fd);
      throw this.#replaced(dir);
    }
    this.reopened++;
    this.#insert(dir, fd);
    return fd;
  }

  /** Keeps a handle, closing the least recently used ones past the limit (the caller's parent was just used). */
  #insert(dir: TargetDir, fd: number): void {
    this.#open.set(dir, fd);
    if (this.#open.size <= this.#handleLimit) return;
    for (const [oldest, oldFd] of this.#open) {
      if (oldest === this.#pinned || this.#busy.has(oldest)) continue;
      this.#open.delete(oldest);
      fs.closeSync(oldFd);
      return;
    }
  }

  /** A failure to reach a directory: one replaced (a symlink, a file, gone) is marked so nothing goes below it. */
  #fail(dir: TargetDir, e: unknown, what: string): StepvaultError {
    const code = errnoCode(e);
    if (code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENOENT') return this.#replaced(dir);
    if (e instanceof StepvaultError) return e;
    return new StepvaultError('io', `cannot ${what} ${this.#display(dir)}: ${code ?? String(e)}`, {
      cause: e,
    });
  }

  #replaced(dir: TargetDir): StepvaultError {
    const why = 'was replaced during the restore';
    this.#broken.set(dir, why);
    return new StepvaultError('conflict', `${this.#display(dir)} ${why}`);
  }

  #removeNonDirectory(parent: number, dir: TargetDir | undefined, name: string): void {
    const at = inDir(parent, name);
    const st = fs.lstatSync(at, { throwIfNoEntry: false });
    if (st?.isDirectory())
      throw new StepvaultError(
        'conflict',
        `${this.#display(dir, name)} is a directory in the target but not in the snapshot`,
      );
    try {
      fs.unlinkSync(at);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw fileError(e, this.#display(dir, name), 'remove');
    }
  }

  /** link() fails on an existing name instead of replacing it, and never follows a symlink given as `source`. */
  #linkInto(source: string, parent: number, dir: TargetDir | undefined, name: string, what: string): void {
    const at = inDir(parent, name);
    try {
      fs.linkSync(source, at);
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST' || this.#overwrite !== 'always')
        throw fileError(e, this.#display(dir, name), what);
      this.#removeNonDirectory(parent, dir, name);
      try {
        fs.linkSync(source, at);
      } catch (e2) {
        throw fileError(e2, this.#display(dir, name), what);
      }
    }
  }

  #checkLinked(at: string, id: Identity, dir: TargetDir | undefined, name: string): void {
    const st = fs.lstatSync(at, { bigint: true, throwIfNoEntry: false });
    if (st && sameIdentity(identityOf(st), id)) return;
    throw new StepvaultError('conflict', `${this.#display(dir, name)} was replaced during the restore`);
  }

  /** The private directory where symlinks and special files are made (0700: no one else can enter it). */
  #stagingDir(): { fd: number; name: string; id: Identity; next: number } {
    if (this.#staging) return this.#staging;
    const name = `.stepvault-restore-${randomBytes(6).toString('hex')}`;
    const at = inDir(this.#rootFd, name);
    try {
      fs.mkdirSync(at, 0o700);
    } catch (e) {
      throw new StepvaultError(
        'io',
        `cannot create ${path.join(this.root, name)}: ${errnoCode(e) ?? String(e)}`,
      );
    }
    let fd: number;
    try {
      fd = fs.openSync(at, DIR_FLAGS);
    } catch (e) {
      throw new StepvaultError('conflict', `${path.join(this.root, name)} was replaced while being created`, {
        cause: e,
      });
    }
    const st = fs.fstatSync(fd, { bigint: true });
    if (Number(st.uid) !== process.geteuid?.() || (Number(st.mode) & 0o077) !== 0) {
      fs.closeSync(fd);
      throw new StepvaultError('conflict', `${path.join(this.root, name)} was replaced while being created`);
    }
    this.#staging = { fd, name, id: identityOf(st), next: 0 };
    return this.#staging;
  }

  #display(dir: TargetDir | undefined, name?: string): string {
    const parts: string[] = name === undefined ? [] : [name];
    for (let d = dir; d; d = d.parent) parts.push(d.node.name);
    return `/${parts.reverse().join('/')}`;
  }
}

/** FIFOs and device nodes, made by a child process in the directory handed to it as its descriptor 3. */
function makeSpecial(dirFd: number, name: string, node: TreeNode): void {
  const at = `/proc/self/fd/3/${name}`;
  let args: string[];
  let command: string;
  if (node.type === 'fifo') {
    command = 'mkfifo';
    args = ['-m', '600', '--', at];
  } else {
    const rdev = BigInt(node.rdev!);
    const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
    const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
    command = 'mknod';
    args = ['-m', '600', '--', at, node.type === 'chardev' ? 'c' : 'b', String(major), String(minor)];
  }
  const r = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe', dirFd], encoding: 'utf8' });
  if (r.status !== 0)
    throw new StepvaultError('io', `${command} failed: ${r.error?.message ?? r.stderr.trim()}`, {
      cause: r.error,
    });
}

function fileError(e: unknown, display: string, what: string): StepvaultError {
  if (e instanceof StepvaultError) return e;
  const code = errnoCode(e);
  if (code === 'EEXIST') {
    return new StepvaultError('conflict', `${display} already exists`, {
      hint: 'restore into an empty directory, or pass --overwrite always',
    });
  }
  if (code === 'ELOOP' || code === 'ENOENT' || code === 'ENOTDIR')
    return new StepvaultError('conflict', `${display} was replaced during the restore`);
  return new StepvaultError('io', `cannot ${what} ${display}: ${code ?? String(e)}`, { cause: e });
}
