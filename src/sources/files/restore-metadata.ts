// Applying a restored entry's metadata — mode, owner (only when running as root) and modification time —
// without ever following a symlink. Shared by the main thread and the threads that restore file contents.

import * as fs from 'node:fs';
import type { TreeNode } from '../../domain/tree-node.ts';

const IS_ROOT = process.getuid?.() === 0;

export type EntryMetadata = Pick<TreeNode, 'type' | 'mode' | 'uid' | 'gid' | 'mtime'>;

export function applyMetadata(full: string, node: EntryMetadata): void {
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
