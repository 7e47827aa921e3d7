// Comparing what a restore wrote with what the snapshot records: a file's bytes are cut where its blobs end
// (their lengths come from the index) and each piece is hashed with the repository's blob-ID key, so a match
// proves the restore reproduced exactly the stored content; then size, permission bits and modification time.
// Symlinks are compared by target. Optionally, a restored file is compared with the live file it was backed up
// from, to tell which files changed since (information, not failure).

import { createHmac, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { errnoCode } from '../../common/errors.ts';
import type { TreeNode } from '../../domain/tree-node.ts';
import type { MasterIndex } from '../../repository/index/master-index.ts';

/** Restore sets times with microsecond precision (utimes): a difference below this is not a mismatch. */
const MTIME_TOLERANCE_NS = 2000n;
const IS_ROOT = process.getuid?.() === 0;
const READ_BUFFER = 1 << 20;

/** What is wrong with a restored entry, or undefined when it matches the snapshot. */
export function compareRestored(
  full: string,
  node: TreeNode,
  index: MasterIndex,
  blobMac: KeyObject,
): string | undefined {
  let st: fs.BigIntStats;
  try {
    st = fs.lstatSync(full, { bigint: true });
  } catch (e) {
    return `missing after the restore (${errnoCode(e) ?? String(e)})`;
  }
  if (node.type === 'symlink') {
    if (!st.isSymbolicLink()) return 'is not a symlink';
    const target = fs.readlinkSync(full);
    return target === node.target ? undefined : `links to ${target}, the snapshot records ${node.target}`;
  }
  if (!st.isFile()) return 'is not a regular file';
  if (st.size !== BigInt(node.size ?? 0))
    return `is ${st.size} bytes, the snapshot records ${node.size ?? 0}`;
  const content = compareContent(full, node.content ?? [], index, blobMac);
  if (content) return content;
  const bits = IS_ROOT ? 0o7777n : 0o777n;
  if ((st.mode & bits) !== (BigInt(node.mode) & bits))
    return `has mode ${(st.mode & bits).toString(8)}, the snapshot records ${(BigInt(node.mode) & bits).toString(8)}`;
  const drift = st.mtimeNs - BigInt(node.mtime);
  if (drift > MTIME_TOLERANCE_NS || drift < -MTIME_TOLERANCE_NS)
    return `has modification time ${nsToIso(st.mtimeNs)}, the snapshot records ${nsToIso(BigInt(node.mtime))}`;
  return undefined;
}

function compareContent(
  full: string,
  ids: readonly string[],
  index: MasterIndex,
  blobMac: KeyObject,
): string | undefined {
  const fd = fs.openSync(full, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    let offset = 0;
    for (const [n, id] of ids.entries()) {
      const location = index.lookup(id);
      if (!location) return `its data blob ${id} is not in the index`;
      const length = location.entry.rawLength;
      const buffer = readBuffer(length);
      const got = readFully(fd, buffer, length, offset);
      if (got < length) return `ends at byte ${offset + got}, inside its blob ${n + 1} of ${ids.length}`;
      if (createHmac('sha256', blobMac).update(buffer.subarray(0, length)).digest('hex') !== id)
        return `differs from the snapshot in bytes ${offset}-${offset + length - 1} (blob ${n + 1} of ${ids.length})`;
      offset += length;
    }
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** How a live source file differs from the restored one: undefined when it does not. */
export function compareWithSource(restored: string, source: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(source);
  } catch (e) {
    return errnoCode(e) === 'ENOENT'
      ? 'removed since the snapshot'
      : `cannot be read: ${errnoCode(e) ?? String(e)}`;
  }
  if (!st.isFile()) return 'is no longer a regular file';
  const size = fs.statSync(restored).size;
  if (st.size !== size) return `changed since the snapshot (now ${st.size} bytes, then ${size})`;
  let a: number | undefined;
  let b: number | undefined;
  try {
    a = fs.openSync(restored, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    b = fs.openSync(source, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const left = Buffer.allocUnsafe(Math.min(READ_BUFFER, size));
    const right = Buffer.allocUnsafe(Math.min(READ_BUFFER, size));
    for (let offset = 0; offset < size; offset += READ_BUFFER) {
      const n = Math.min(READ_BUFFER, size - offset);
      if (readFully(a, left, n, offset) !== n || readFully(b, right, n, offset) !== n)
        return 'changed while it was compared';
      if (!left.subarray(0, n).equals(right.subarray(0, n))) return 'changed since the snapshot (content)';
    }
  } catch (e) {
    return `cannot be read: ${errnoCode(e) ?? String(e)}`;
  } finally {
    if (a !== undefined) fs.closeSync(a);
    if (b !== undefined) fs.closeSync(b);
  }
  return undefined;
}

/** One buffer reused for every read (blobs are read one at a time), grown to the largest blob met. */
let shared = Buffer.alloc(0);
function readBuffer(length: number): Buffer {
  if (shared.length < length) shared = Buffer.allocUnsafe(Math.max(length, READ_BUFFER));
  return shared;
}

function readFully(fd: number, buffer: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

function nsToIso(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 19)}.${(((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}
