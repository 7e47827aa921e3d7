// The proof, before a copied snapshot is committed, that the destination holds everything the snapshot needs:
// every tree below its root is indexed in the destination and read back from it (authenticated, checked against
// its ID, decoded); every data blob a file refers to is indexed; every pack those blobs are in is listed by the
// destination's storage at the size the index records (durable, not merely uploaded by a request that seemed to
// succeed); and a sample of the data blobs is read back in full. What an earlier snapshot of the same run proved
// is not proved again. A gap throws `corrupt` naming what is missing, so the snapshot is not committed.

import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import type { BlobReader } from '../../repository/blob-reader.ts';
import type { MasterIndex } from '../../repository/index/master-index.ts';
import type { Repository } from '../../repository/repository.ts';

/** Packs to check above which one listing of the destination's packs is cheaper than asking for each. */
const STAT_AT_MOST = 64;

export interface CopyVerification {
  /** Trees read back from the destination. */
  trees: number;
  /** References to data blobs found in the destination's index. */
  dataBlobs: number;
  /** Packs found in the destination's storage at their indexed size. */
  packs: number;
  /** Data blobs read back in full. */
  sampledBlobs: number;
}

export interface VerifierOptions {
  /** Data blobs read back per snapshot. @default 8 */
  sample?: number;
  /** Trees read at once. @default 16 */
  concurrency?: number;
  random?: () => number;
}

export class CopyVerifier {
  readonly #repo: Repository;
  readonly #index: MasterIndex;
  readonly #reader: BlobReader;
  readonly #sample: number;
  readonly #concurrency: number;
  readonly #random: () => number;
  /** Trees proved by an earlier snapshot of this run (with everything below them), and packs. */
  readonly #trees = new Set<string>();
  readonly #packs = new Set<string>();

  constructor(repo: Repository, index: MasterIndex, reader: BlobReader, options: VerifierOptions = {}) {
    this.#repo = repo;
    this.#index = index;
    this.#reader = reader;
    this.#sample = options.sample ?? 8;
    this.#concurrency = options.concurrency ?? 16;
    this.#random = options.random ?? Math.random;
  }

  async verify(root: string, signal?: AbortSignal): Promise<CopyVerification> {
    const result: CopyVerification = { trees: 0, dataBlobs: 0, packs: 0, sampledBlobs: 0 };
    const packs = new Set<string>();
    const sample: string[] = [];
    let seen = 0;
    const proved: string[] = [];
    let level = this.#trees.has(root) ? [] : [root];
    while (level.length > 0) {
      const next: string[] = [];
      await forEachConcurrently(level, this.#concurrency, async (tree) => {
        signal?.throwIfAborted();
        this.#indexed(tree, 'tree', packs);
        const nodes = await this.#reader.readTree(tree);
        result.trees++;
        proved.push(tree);
        for (const node of nodes) {
          if (node.type === 'dir' && node.subtree && !this.#trees.has(node.subtree)) next.push(node.subtree);
          for (const id of node.content ?? []) {
            this.#indexed(id, 'data', packs);
            result.dataBlobs++;
            // A uniform sample of the references (reservoir sampling).
            seen++;
            if (sample.length < this.#sample) sample.push(id);
            else {
              const at = Math.floor(this.#random() * seen);
              if (at < this.#sample) sample[at] = id;
            }
          }
        }
      });
      level = [...new Set(next)];
    }
    const unchecked = [...packs].filter((p) => !this.#packs.has(p));
    if (unchecked.length > 0) {
      const stored = await this.#sizes(unchecked);
      for (const name of unchecked) {
        const size = stored.get(name);
        const indexed = this.#index.pack(name)!.size;
        if (size === undefined)
          throw gap(`pack ${name} is indexed but the destination's storage does not have it`);
        if (size !== indexed)
          throw gap(`pack ${name} is ${size} bytes in the destination's storage, its index says ${indexed}`);
      }
    }
    for (const id of sample) {
      signal?.throwIfAborted();
      await this.#reader.read(id);
      result.sampledBlobs++;
    }
    for (const name of unchecked) this.#packs.add(name);
    for (const tree of proved) this.#trees.add(tree);
    result.packs = unchecked.length;
    return result;
  }

  /**
   * The stored sizes of packs (missing ones left out): asked one by one when they are few (an incremental copy
   * into a large repository), else from one listing.
   */
  async #sizes(names: readonly string[]): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    if (names.length > STAT_AT_MOST) {
      for await (const info of this.#repo.backend.list('data')) sizes.set(info.name, info.size);
      return sizes;
    }
    await forEachConcurrently(names, this.#concurrency, async (name) => {
      try {
        sizes.set(name, (await this.#repo.backend.stat('data', name)).size);
      } catch (e) {
        if (!(e instanceof StepvaultError && e.code === 'not-found')) throw e;
      }
    });
    return sizes;
  }

  #indexed(id: string, type: 'tree' | 'data', packs: Set<string>): void {
    const location = this.#index.lookup(id);
    if (!location || location.entry.type !== type)
      throw gap(`${type} blob ${id} is not in the destination's index`);
    packs.add(location.pack.name);
  }
}

function gap(message: string): StepvaultError {
  return new StepvaultError('corrupt', `verification of the copy failed: ${message}`, {
    hint: 'the snapshot was not committed; `stepvault check` on the destination says what is missing, `stepvault repair index` there forgets what is gone, and the next copy stores it again',
  });
}
