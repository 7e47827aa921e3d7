// Which blobs the snapshots use: every tree reachable from any snapshot, and every data blob those trees list.
// Any tree that cannot be read makes this fail: prune must never guess what is unused.

import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import type { StoredSnapshot } from '../../domain/snapshot.ts';
import type { BlobReader } from '../../repository/blob-reader.ts';

export async function collectUsedBlobs(
  reader: BlobReader,
  snapshots: readonly StoredSnapshot[],
  signal?: AbortSignal,
): Promise<Set<string>> {
  const used = new Set<string>();
  const visit = async (tree: string, snapshot: string): Promise<void> => {
    if (used.has(tree)) return;
    used.add(tree);
    signal?.throwIfAborted();
    let nodes: Awaited<ReturnType<BlobReader['readTree']>>;
    try {
      nodes = await reader.readTree(tree);
    } catch (e) {
      throw new StepvaultError(
        'corrupt',
        `tree ${tree} of snapshot ${snapshot.slice(0, 8)} cannot be read: ${(e as Error).message}`,
        {
          hint: 'run `stepvault check`; nothing was deleted',
        },
      );
    }
    const subtrees: string[] = [];
    for (const node of nodes) {
      for (const id of node.content ?? []) used.add(id);
      if (node.subtree) subtrees.push(node.subtree);
    }
    await forEachConcurrently(subtrees, 8, (id) => visit(id, snapshot));
  };
  for (const s of snapshots) await visit(s.tree, s.id);
  return used;
}
