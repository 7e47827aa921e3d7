// Copies a snapshot's tree from one repository into another, whatever the source type (files, Confluence, …):
// every directory is read, every file's content made present in the destination (as stored or re-chunked), and
// the directory is written anew in the destination's blob IDs. Two shortcuts keep repeated copies cheap:
// - within a run, a source tree already copied maps to the destination tree it became;
// - across runs, a "counterpart" — a snapshot copied before, with the destination copy it became — is walked
//   alongside: where a directory's tree ID is the same as the counterpart's at that path, the counterpart copy's
//   tree is reused without reading anything below it; where a file's content IDs are the same, its destination
//   content IDs are reused. A counterpart is a committed snapshot, so everything it refers to is in the
//   destination (a tree that is merely present, e.g. left by an interrupted run, is never trusted this way).

import { Semaphore } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import type { TreeNode } from '../../domain/tree-node.ts';
import type { BlobReader } from '../../repository/blob-reader.ts';
import type { RepositoryWriter } from '../../repository/repository-writer.ts';
import type { ContentCopier } from './content-copiers.ts';

/** A source tree and the destination tree a previous copy made of it. */
export interface TreeCounterpart {
  source: string;
  destination: string;
}

export interface TreeCopyStats {
  /** Files whose content was processed (read from the source). */
  files: number;
  /** Their bytes. */
  bytes: number;
  /** Files and directories taken over from a counterpart or an earlier snapshot of this run. */
  reused: number;
}

export interface TreeCopierOptions {
  source: BlobReader;
  destination: BlobReader;
  writer: RepositoryWriter;
  content: ContentCopier;
  signal?: AbortSignal;
  /** Files copied at once. @default 8 */
  concurrency?: number;
  onFile?: (stats: Readonly<TreeCopyStats>) => void;
}

export class TreeCopier {
  readonly stats: TreeCopyStats = { files: 0, bytes: 0, reused: 0 };
  readonly #o: TreeCopierOptions;
  /** Source tree → destination tree, for trees copied in this run. */
  readonly #copied = new Map<string, string>();
  readonly #files: Semaphore;
  readonly #treeReads = new Semaphore(16);
  #spareDirs = 8;

  constructor(options: TreeCopierOptions) {
    this.#o = options;
    this.#files = new Semaphore(options.concurrency ?? 8);
  }

  /** Copies the tree and everything below it; returns its ID in the destination. */
  async copy(tree: string, counterpart?: TreeCounterpart): Promise<string> {
    const known =
      this.#copied.get(tree) ?? (counterpart?.source === tree ? counterpart.destination : undefined);
    if (known !== undefined) {
      this.stats.reused++;
      return known;
    }
    this.#o.signal?.throwIfAborted();
    const nodes = await this.#readTree(this.#o.source, tree);
    const before = counterpart ? await this.#counterpartNodes(counterpart) : undefined;
    const copied: TreeNode[] = new Array(nodes.length);
    const pending: Promise<void>[] = [];
    const failures: unknown[] = [];
    const fail = (error: unknown) => void failures.push(error);
    const start = (i: number) =>
      this.#copyNode(nodes[i]!, before?.get(nodes[i]!.name)).then((node) => {
        copied[i] = node;
      });
    for (let i = 0; i < nodes.length && failures.length === 0; i++) {
      const node = nodes[i]!;
      if (node.type !== 'dir') {
        pending.push(start(i).catch(fail));
      } else if (this.#spareDirs > 0) {
        // A spare slot: this subdirectory is copied alongside; otherwise right here, in order. Never waiting for
        // a slot keeps the number of directories in memory bounded without any risk of deadlock.
        this.#spareDirs--;
        pending.push(
          start(i)
            .catch(fail)
            .finally(() => this.#spareDirs++),
        );
      } else {
        await start(i).catch(fail);
      }
    }
    await Promise.all(pending);
    if (failures.length > 0) throw failures[0];
    const id = await this.#o.writer.saveTree(copied);
    this.#copied.set(tree, id);
    return id;
  }

  async #copyNode(node: TreeNode, before: NodePair | undefined): Promise<TreeNode> {
    if (node.type === 'dir') {
      if (!node.subtree) throw new StepvaultError('corrupt', `directory "${node.name}" has no subtree`);
      const pair =
        before?.source.type === 'dir' && before.destination.type === 'dir'
          ? { source: before.source.subtree!, destination: before.destination.subtree! }
          : undefined;
      return { ...node, subtree: await this.copy(node.subtree, pair) };
    }
    if (node.type !== 'file') return node;
    if (
      before?.source.type === 'file' &&
      before.destination.type === 'file' &&
      before.source.size === node.size &&
      sameList(before.source.content ?? [], node.content ?? [])
    ) {
      this.stats.reused++;
      return { ...node, content: [...(before.destination.content ?? [])] };
    }
    const content = await this.#files.run(() => this.#o.content.copy(node, this.#o.signal));
    this.stats.files++;
    this.stats.bytes += node.size ?? 0;
    this.#o.onFile?.(this.stats);
    return { ...node, content };
  }

  /** The counterpart's entries by name: each source node with the node its destination copy has. */
  async #counterpartNodes(counterpart: TreeCounterpart): Promise<Map<string, NodePair>> {
    let source: TreeNode[];
    let destination: TreeNode[];
    try {
      [source, destination] = await Promise.all([
        this.#readTree(this.#o.source, counterpart.source),
        this.#readTree(this.#o.destination, counterpart.destination),
      ]);
    } catch (e) {
      // An unreadable counterpart only costs the shortcut: the directory is copied in full.
      if (e instanceof StepvaultError && (e.code === 'corrupt' || e.code === 'not-found')) return new Map();
      throw e;
    }
    const copies = new Map(destination.map((n) => [n.name, n]));
    const pairs = new Map<string, NodePair>();
    for (const node of source) {
      const copy = copies.get(node.name);
      if (copy) pairs.set(node.name, { source: node, destination: copy });
    }
    return pairs;
  }

  #readTree(reader: BlobReader, id: string): Promise<TreeNode[]> {
    return this.#treeReads.run(() => reader.readTree(id));
  }
}

interface NodePair {
  source: TreeNode;
  destination: TreeNode;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
