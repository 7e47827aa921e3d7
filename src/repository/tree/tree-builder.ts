// Builds a snapshot tree for sources that are not local files (Confluence, database dumps): files from stored
// content, directories, and subtrees grafted whole from a parent snapshot (by their tree ID, without reading
// them), placed at "/"-separated paths; `write` then stores the directories bottom-up and returns the root tree
// ID. Node metadata is deterministic — mode 0644/0755, owner 0:0, mtime given by the caller (the item's
// version time) or, for directories, the newest mtime below them — so the same content always gives the same
// tree blobs, and `ls` shows meaningful times.

import { StepvaultError } from '../../common/errors.ts';
import { compareNames } from '../../domain/tree-name-order.ts';
import { type TreeNode, unsafeNameReason } from '../../domain/tree-node.ts';
import type { StoredContent } from '../content-writer.ts';
import type { RepositoryWriter } from '../repository-writer.ts';

export const FILE_MODE = 0o644;
export const DIR_MODE = 0o755;

/** A time for a node: a Date, epoch milliseconds, an ISO 8601 string, or nanoseconds as a decimal string/bigint. */
export type NodeTime = Date | number | string | bigint;

interface DirEntry {
  kind: 'dir';
  children: Map<string, Entry>;
  mtime: bigint | undefined;
}
interface LeafEntry {
  kind: 'leaf';
  node: TreeNode;
}
type Entry = DirEntry | LeafEntry;

/** Nanoseconds since the epoch of a NodeTime. */
export function nanoseconds(time: NodeTime): bigint {
  if (typeof time === 'bigint') return time;
  if (typeof time === 'number') return BigInt(Math.trunc(time)) * 1_000_000n;
  if (time instanceof Date) return BigInt(time.getTime()) * 1_000_000n;
  if (/^-?[0-9]+$/.test(time)) return BigInt(time);
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) throw new StepvaultError('internal', `"${time}" is not a time`);
  return BigInt(ms) * 1_000_000n;
}

export class TreeBuilder {
  readonly #root: DirEntry = { kind: 'dir', children: new Map(), mtime: undefined };

  /** Adds a file holding `content` at `path` (parents are created). */
  addFile(path: string, content: StoredContent, mtime: NodeTime): void {
    const [dir, name] = this.#parentOf(path);
    this.#put(dir, name, path, {
      kind: 'leaf',
      node: {
        name,
        type: 'file',
        mode: FILE_MODE,
        uid: 0,
        gid: 0,
        mtime: nanoseconds(mtime).toString(),
        size: content.size,
        content: [...content.content],
      },
    });
  }

  /** Creates a directory (and its parents); `mtime` fixes its time, else the newest time below it is used. */
  addDir(path: string, mtime?: NodeTime): void {
    const dir = this.#walk(splitPath(path), path);
    if (mtime !== undefined) dir.mtime = nanoseconds(mtime);
  }

  /**
   * Places an existing node (a directory with its `subtree`, or a file) from a parent snapshot at `path`, under
   * the path's last name, without reading it. Nothing can be added inside a grafted directory.
   */
  graft(path: string, node: TreeNode): void {
    if (node.type === 'dir' && !node.subtree)
      throw new StepvaultError('internal', `cannot graft directory "${node.name}" without a subtree`);
    const [dir, name] = this.#parentOf(path);
    this.#put(dir, name, path, { kind: 'leaf', node: { ...node, name } });
  }

  /** Whether something was placed at `path`. */
  has(path: string): boolean {
    let entry: Entry = this.#root;
    for (const name of splitPath(path)) {
      if (entry.kind !== 'dir') return false;
      const next = entry.children.get(name);
      if (!next) return false;
      entry = next;
    }
    return true;
  }

  /**
   * Stores the directory at `path` and everything below it now, and keeps only its node, as if grafted: a source
   * seals each part of the tree as it completes, so the builder holds one node per part, not every file. Nothing
   * can be added inside it afterwards. A path that is already a single node, or inside one (grafted, or sealed),
   * or holds nothing, is left as it is.
   */
  async seal(path: string, writer: RepositoryWriter): Promise<void> {
    const names = splitPath(path);
    const name = names.pop();
    if (name === undefined) throw new StepvaultError('internal', 'tree builder: the root cannot be sealed');
    let parent = this.#root;
    for (const n of names) {
      const next = parent.children.get(n);
      if (!next || next.kind === 'leaf') return; // nothing there, or inside a node sealed or grafted whole
      parent = next;
    }
    const entry = parent.children.get(name);
    if (!entry || entry.kind === 'leaf') return;
    const sub = await this.#writeDir(entry, writer);
    parent.children.set(name, {
      kind: 'leaf',
      node: {
        name,
        type: 'dir',
        mode: DIR_MODE,
        uid: 0,
        gid: 0,
        mtime: (entry.mtime ?? sub.newest).toString(),
        subtree: sub.id,
      },
    });
  }

  /** Stores every directory, deepest first, and returns the root's tree ID. */
  async write(writer: RepositoryWriter): Promise<string> {
    return (await this.#writeDir(this.#root, writer)).id;
  }

  async #writeDir(dir: DirEntry, writer: RepositoryWriter): Promise<{ id: string; newest: bigint }> {
    const nodes: TreeNode[] = [];
    let newest = 0n;
    const names = [...dir.children.keys()].sort(compareNames);
    for (const name of names) {
      const entry = dir.children.get(name)!;
      if (entry.kind === 'leaf') {
        nodes.push(entry.node);
        const t = BigInt(entry.node.mtime);
        if (t > newest) newest = t;
        continue;
      }
      const sub = await this.#writeDir(entry, writer);
      const mtime = entry.mtime ?? sub.newest;
      if (mtime > newest) newest = mtime;
      nodes.push({
        name,
        type: 'dir',
        mode: DIR_MODE,
        uid: 0,
        gid: 0,
        mtime: mtime.toString(),
        subtree: sub.id,
      });
    }
    return { id: await writer.saveTree(nodes), newest };
  }

  #put(dir: DirEntry, name: string, path: string, entry: LeafEntry): void {
    if (dir.children.has(name))
      throw new StepvaultError('internal', `tree builder: "${path}" was added twice`);
    dir.children.set(name, entry);
  }

  #parentOf(path: string): [DirEntry, string] {
    const names = splitPath(path);
    const name = names.pop();
    if (name === undefined) throw new StepvaultError('internal', 'tree builder: the root is not a file');
    return [this.#walk(names, path), name];
  }

  /** The directory at `names`, created (with its parents) where missing. */
  #walk(names: string[], path: string): DirEntry {
    let dir = this.#root;
    for (const name of names) {
      let next = dir.children.get(name);
      if (!next) {
        next = { kind: 'dir', children: new Map(), mtime: undefined };
        dir.children.set(name, next);
      }
      if (next.kind !== 'dir')
        throw new StepvaultError(
          'internal',
          `tree builder: "${path}" is inside a file or a grafted directory`,
        );
      dir = next;
    }
    return dir;
  }
}

function splitPath(path: string): string[] {
  const names = path.split('/').filter((n) => n.length > 0);
  for (const name of names) {
    const unsafe = unsafeNameReason(name);
    if (unsafe) throw new StepvaultError('internal', `tree builder: bad name in "${path}": ${unsafe}`);
  }
  return names;
}
