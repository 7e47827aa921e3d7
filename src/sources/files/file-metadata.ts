// What the files source records about a directory entry: the TreeNode fields taken from lstat (bigint, so times
// keep their nanoseconds and inode numbers stay exact), and the rule for "unchanged since the parent snapshot".

import type * as fs from 'node:fs';
import type { NodeType, TreeNode } from '../../domain/tree-node.ts';

export function nodeType(st: fs.BigIntStats): NodeType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'chardev';
  if (st.isBlockDevice()) return 'blockdev';
  return 'socket';
}

/** The metadata part of a node (no content, subtree or target yet). */
export function metadataNode(name: string, st: fs.BigIntStats): TreeNode {
  const type = nodeType(st);
  const node: TreeNode = {
    name,
    type,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtime: st.mtimeNs.toString(),
    ctime: st.ctimeNs.toString(),
    inode: st.ino.toString(),
    device: st.dev.toString(),
    links: Number(st.nlink),
  };
  if (type === 'chardev' || type === 'blockdev') node.rdev = st.rdev.toString();
  return node;
}

export interface ChangeDetection {
  /** Treat a file as changed when its ctime differs. @default true */
  ctime: boolean;
  /** Treat a file as changed when its inode differs. @default true */
  inode: boolean;
}

/**
 * Whether a file can reuse its content from the parent snapshot without being read: `node` is the file's
 * metadata now (from `metadataNode`), `size` its size now.
 */
export function unchangedSince(
  previous: TreeNode | undefined,
  node: TreeNode,
  size: number,
  rules: ChangeDetection,
): boolean {
  return (
    previous !== undefined &&
    previous.type === 'file' &&
    previous.content !== undefined &&
    previous.size === size &&
    previous.mtime === node.mtime &&
    (!rules.ctime || previous.ctime === node.ctime) &&
    (!rules.inode || previous.inode === node.inode)
  );
}
