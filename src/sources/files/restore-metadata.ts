// Applying a restored entry's metadata — mode, owner (only when running as root) and modification time. Files and
// directories get theirs through a descriptor the restore holds open (nothing is looked up by name, so nothing can
// be swapped in between); symlinks and special files get theirs by path, but only in the restore's private
// staging directory (restore-target.ts), where no one else can change what a name refers to. Shared by the main
// thread and the threads that restore file contents.

import * as fs from 'node:fs';
import type { TreeNode } from '../../domain/tree-node.ts';

const IS_ROOT = process.getuid?.() === 0;

export type EntryMetadata = Pick<TreeNode, 'type' | 'mode' | 'uid' | 'gid' | 'mtime'>;

/** Metadata of an open file or directory (owner first: a change of owner clears setuid bits). */
export function applyMetadataToFd(fd: number, node: EntryMetadata): void {
  const mtime = nsToSeconds(node.mtime);
  if (IS_ROOT) {
    // (a change of owner is a journaled inode update: skipped when the file already has it, as most files a
    // restore creates do; before fchmod, which then sets any setuid and setgid bits, which a chown clears)
    const st = fs.fstatSync(fd);
    if (st.uid !== node.uid || st.gid !== node.gid) fs.fchownSync(fd, node.uid, node.gid);
  }
  fs.fchmodSync(fd, node.mode);
  fs.futimesSync(fd, mtime, mtime);
}

/**
 * Metadata of an entry by path, never following a symlink at its last component. Only for paths inside a directory
 * no one else can write to: a name elsewhere can be swapped for a hard link to another file between calls.
 */
export function applyMetadataAt(full: string, node: EntryMetadata): void {
  const mtime = nsToSeconds(node.mtime);
  if (IS_ROOT) fs.lchownSync(full, node.uid, node.gid);
  if (node.type === 'symlink') {
    fs.lutimesSync(full, mtime, mtime);
    return;
  }
  fs.chmodSync(full, node.mode);
  fs.utimesSync(full, mtime, mtime);
}

/** Nanoseconds (decimal string) to seconds as a number: microsecond precision is what utimes keeps. */
export function nsToSeconds(ns: string): number {
  const value = BigInt(ns);
  return Number(value / 1_000_000_000n) + Number(value % 1_000_000_000n) / 1e9;
}
