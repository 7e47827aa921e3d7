// Turns local paths into a snapshot tree. Walks directories on the main thread, reuses the content of files that
// are unchanged since the parent snapshot (size, mtime, ctime, inode) without reading them, sends the rest to the
// ingest pool, and stores each directory as a tree once its entries are known. Subdirectories are walked while
// their parent's files are still being read, so the workers stay busy.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MissingItem, SnapshotSummary } from '../../domain/snapshot.ts';
import type { TreeNode } from '../../domain/tree-node.ts';
import type { BlobReader } from '../../repository/blob-reader.ts';
import type { IngestPool } from '../../repository/pipeline/ingest-pool.ts';
import type { FileStored } from '../../repository/pipeline/worker-protocol.ts';
import type { RepositoryWriter } from '../../repository/repository-writer.ts';
import {
  type DirectoryEntry,
  joinPath,
  listDirectory,
  statEntry,
} from '../../sources/files/directory-reader.ts';
import type { ExcludeFilter } from '../../sources/files/exclude-filter.ts';
import { type ChangeDetection, metadataNode, unchangedSince } from '../../sources/files/file-metadata.ts';
import type { ReadAhead } from '../../sources/files/read-ahead.ts';

export interface ArchiverOptions {
  pool: IngestPool;
  /** Told about files just before they are queued, to warm the page cache ahead of the workers. */
  readAhead?: ReadAhead;
  writer: RepositoryWriter;
  /** Reads the parent snapshot's trees. */
  reader: BlobReader;
  exclude: ExcludeFilter;
  oneFileSystem: boolean;
  changeDetection: ChangeDetection;
  signal?: AbortSignal;
  /** Called after every file or directory is done. */
  onProgress?: (progress: ArchiverProgress) => void;
}

export interface ArchiverProgress {
  filesDone: number;
  dirsDone: number;
  bytesDone: number;
  errors: number;
  current: string;
}

type Counts = Omit<SnapshotSummary, 'backupStart' | 'backupEnd' | 'treeBlobs' | 'dataAddedPacked'> & {
  stored: number;
};

/** Files started but not yet stored, beyond which the walk waits: bounds memory on trees of any size. */
const MAX_FILES_IN_FLIGHT = 1024;

/** A directory that exists in the tree only because it leads to a backed-up path. */
interface Leading {
  path: string;
  children: Map<string, Leading | string>;
}

export class FilesArchiver {
  readonly #o: ArchiverOptions;
  readonly #hardLinks = new Map<string, Promise<TreeNode | undefined>>();
  readonly #walkers: (() => void)[] = [];
  #filesInFlight = 0;
  readonly missing: MissingItem[] = [];
  readonly counts: Counts = {
    filesNew: 0,
    filesChanged: 0,
    filesUnmodified: 0,
    dirsNew: 0,
    dirsChanged: 0,
    dirsUnmodified: 0,
    dataBlobs: 0,
    dataAdded: 0,
    stored: 0,
    totalFilesProcessed: 0,
    totalBytesProcessed: 0,
    errors: 0,
  };
  readonly #progress: ArchiverProgress = { filesDone: 0, dirsDone: 0, bytesDone: 0, errors: 0, current: '' };
  #rootDevice: bigint | undefined;

  constructor(options: ArchiverOptions) {
    this.#o = options;
  }

  /** Stores the given absolute paths (and the directories leading to them); returns the root tree's ID. */
  async archive(paths: readonly string[], parentTree: string | undefined): Promise<string> {
    const root: Leading = { path: '/', children: new Map() };
    for (const p of [...paths].sort((a, b) => a.length - b.length)) {
      const parts = p.split('/').filter(Boolean);
      let dir = root;
      let covered = false;
      for (const [i, part] of parts.entries()) {
        const next = dir.children.get(part);
        if (typeof next === 'string') {
          covered = true; // an ancestor is backed up whole
          break;
        }
        if (i === parts.length - 1) dir.children.set(part, p);
        else if (next) dir = next;
        else {
          const created: Leading = { path: joinPath(dir.path, part), children: new Map() };
          dir.children.set(part, created);
          dir = created;
        }
      }
      if (!covered && parts.length === 0) return this.#rootItself(parentTree);
    }
    return this.#saveLeading(root, parentTree);
  }

  async #rootItself(parentTree: string | undefined): Promise<string> {
    const node = await this.#archiveDirectory(
      { name: '/', path: '/', stat: fs.lstatSync('/', { bigint: true }) },
      parentTree,
    );
    return node.subtree!;
  }

  async #saveLeading(dir: Leading, parentTree: string | undefined): Promise<string> {
    const previous = await this.#parentNodes(parentTree);
    const nodes: TreeNode[] = [];
    for (const [name, child] of dir.children) {
      const childPath = typeof child === 'string' ? child : child.path;
      let stat: fs.BigIntStats;
      try {
        stat = fs.lstatSync(childPath, { bigint: true });
      } catch (e) {
        this.#error(childPath, `cannot lstat: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        continue;
      }
      if (typeof child === 'string') {
        this.#rootDevice = stat.dev;
        const node = await this.#archiveEntry({ name, path: child, stat }, previous.get(name));
        if (node) nodes.push(node);
      } else {
        const node = metadataNode(name, stat);
        if (node.type !== 'dir') {
          this.#error(childPath, 'is not a directory, but a path to back up lies below it');
          continue;
        }
        node.subtree = await this.#saveLeading(child, previous.get(name)?.subtree);
        nodes.push(node);
      }
    }
    return this.#o.writer.saveTree(nodes);
  }

  async #parentNodes(tree: string | undefined): Promise<Map<string, TreeNode>> {
    if (tree === undefined) return new Map();
    try {
      return new Map((await this.#o.reader.readTree(tree)).map((n) => [n.name, n]));
    } catch {
      return new Map(); // an unreadable parent only costs re-reading the files
    }
  }

  /** Returns the node for an entry, or undefined if it could not be backed up. */
  async #archiveEntry(entry: DirectoryEntry, previous: TreeNode | undefined): Promise<TreeNode | undefined> {
    this.#o.signal?.throwIfAborted();
    const node = metadataNode(entry.name, entry.stat);
    switch (node.type) {
      case 'dir':
        return this.#archiveDirectory(
          entry,
          previous?.type === 'dir' ? previous.subtree : undefined,
          previous,
        );
      case 'file':
        // From here on a file is its path, node and size: the lstat result (~1 KiB of BigInts) is left behind
        // instead of living on in the main thread's old generation while the file waits for a worker.
        return this.#archiveFile(entry.path, node, Number(entry.stat.size), previous);
      case 'symlink':
        try {
          node.target = fs.readlinkSync(entry.path);
        } catch (e) {
          this.#error(entry.path, `cannot read link: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
          return undefined;
        }
        return node;
      default:
        return node;
    }
  }

  async #archiveDirectory(
    entry: DirectoryEntry,
    parentTree: string | undefined,
    previous?: TreeNode,
  ): Promise<TreeNode> {
    const node = metadataNode(entry.name, entry.stat);
    const crossesDevice =
      this.#o.oneFileSystem && this.#rootDevice !== undefined && entry.stat.dev !== this.#rootDevice;
    const children = crossesDevice ? [] : await this.#listAndStart(entry.path, parentTree);
    const nodes: TreeNode[] = [];
    for (const done of await Promise.all(children)) if (done) nodes.push(done);
    node.subtree = await this.#o.writer.saveTree(nodes);
    if (previous === undefined) this.counts.dirsNew++;
    else if (previous.subtree === node.subtree) this.counts.dirsUnmodified++;
    else this.counts.dirsChanged++;
    this.#progress.dirsDone++;
    this.#report();
    return node;
  }

  async #archiveFile(
    path: string,
    node: TreeNode,
    size: number,
    previous: TreeNode | undefined,
  ): Promise<TreeNode | undefined> {
    this.#filesInFlight++;
    try {
      const linkKey = (node.links ?? 1) > 1 ? `${node.device}:${node.inode}` : undefined;
      const linked = linkKey ? this.#hardLinks.get(linkKey) : undefined;
      if (linked) {
        const first = await linked;
        return first ? { ...node, size: first.size!, content: first.content! } : undefined;
      }
      const result = this.#fileContent(path, node, size, previous);
      if (linkKey) this.#hardLinks.set(linkKey, result);
      return await result;
    } finally {
      this.#filesInFlight--;
      this.#wakeWalker();
    }
  }

  /**
   * Lists a directory and starts archiving its entries, a file only when the work in flight leaves room (each is
   * stat'ed just before it starts); returns their pending results. Subdirectories start at once, without
   * waiting for earlier ones to finish, so the workers never run dry at the end of a directory — and a
   * directory waiting for room never blocks the files that would make room.
   */
  async #listAndStart(
    path: string,
    parentTree: string | undefined,
  ): Promise<Promise<TreeNode | undefined>[]> {
    const prior = await this.#parentNodes(parentTree);
    this.#progress.current = path;
    const { names, errors } = listDirectory(path, this.#o.exclude);
    for (const e of errors) this.#error(e.path, e.error);
    const started: Promise<TreeNode | undefined>[] = [];
    for (const name of names) {
      if (this.#filesInFlight >= MAX_FILES_IN_FLIGHT) await this.#roomToWalk();
      const entry = statEntry(path, name);
      if ('error' in entry) this.#error(entry.path, entry.error);
      else started.push(this.#archiveEntry(entry, prior.get(name)));
    }
    this.#wakeWalker(); // room this walk did not use goes to the next one
    return started;
  }

  /** Waits while the files listed but not yet stored would exceed the bound on work in flight. */
  async #roomToWalk(): Promise<void> {
    while (this.#filesInFlight >= MAX_FILES_IN_FLIGHT)
      await new Promise<void>((resolve) => this.#walkers.push(resolve));
  }

  /** Lets one waiting walk go on when there is room: one per file done, not every walk for every file. */
  #wakeWalker(): void {
    if (this.#filesInFlight < MAX_FILES_IN_FLIGHT) this.#walkers.shift()?.();
  }

  async #fileContent(
    path: string,
    node: TreeNode,
    size: number,
    previous: TreeNode | undefined,
  ): Promise<TreeNode | undefined> {
    if (unchangedSince(previous, node, size, this.#o.changeDetection)) {
      node.size = previous!.size!;
      node.content = previous!.content!;
      this.counts.filesUnmodified++;
      this.#fileDone(node.size);
      return node;
    }
    this.#o.readAhead?.hint(path, size);
    let done = this.#o.pool.submit(path, size);
    while (!done) {
      await this.#o.pool.room();
      done = this.#o.pool.submit(path, size);
    }
    const stored: FileStored = await done;
    if (stored.error !== undefined) {
      this.#error(path, stored.errorCode === 'ENOENT' ? 'vanished before it could be read' : stored.error);
      return undefined;
    }
    const ids = Buffer.from(stored.content.buffer, stored.content.byteOffset, stored.content.byteLength);
    const content: string[] = new Array(ids.length / 32);
    for (let i = 0; i < content.length; i++) content[i] = ids.toString('hex', i * 32, i * 32 + 32);
    node.size = stored.size;
    node.content = content;
    if (previous === undefined) this.counts.filesNew++;
    else this.counts.filesChanged++;
    this.counts.dataBlobs += stored.newBlobs;
    this.counts.dataAdded += stored.newBytes;
    this.counts.stored += stored.storedBytes;
    this.#fileDone(stored.size);
    return node;
  }

  #fileDone(size: number): void {
    this.counts.totalFilesProcessed++;
    this.counts.totalBytesProcessed += size;
    this.#progress.filesDone++;
    this.#progress.bytesDone += size;
    this.#report();
  }

  #error(where: string, error: string): void {
    this.missing.push({ path: where, error });
    this.counts.errors++;
    this.#progress.errors++;
    this.#report();
  }

  #report(): void {
    this.#o.onProgress?.(this.#progress);
  }
}

/** Resolves user paths to absolute, normalized paths without trailing slashes. */
export function absolutePaths(paths: readonly string[], cwd = process.cwd()): string[] {
  return paths.map((p) => {
    const resolved = path.resolve(cwd, p);
    return resolved.length > 1 && resolved.endsWith('/') ? resolved.slice(0, -1) : resolved;
  });
}
