// `stats`: how big the snapshots are and what the repository makes of them — the size a restore would write,
// the unique content after deduplication, what it takes stored (compressed and encrypted), and the ratios.

import type { StoredSnapshot } from '../../domain/snapshot.ts';
import type { BlobReader } from '../../repository/blob-reader.ts';

export interface RepositoryStats {
  snapshots: number;
  files: number;
  /** Sum of file sizes over the snapshots: what restoring all of them would write. */
  restoreSize: number;
  /** Plaintext bytes of the distinct blobs the snapshots use. */
  uniqueSize: number;
  /** Bytes those blobs take in packs. */
  storedSize: number;
  /** All pack bytes in the repository, used or not. */
  repositorySize: number;
  uniqueBlobs: number;
  dedupRatio: number;
  compressionRatio: number;
}

export async function computeStats(
  reader: BlobReader,
  snapshots: readonly StoredSnapshot[],
): Promise<RepositoryStats> {
  const seen = new Set<string>();
  const stats: RepositoryStats = {
    snapshots: snapshots.length,
    files: 0,
    restoreSize: 0,
    uniqueSize: 0,
    storedSize: 0,
    repositorySize: 0,
    uniqueBlobs: 0,
    dedupRatio: 0,
    compressionRatio: 0,
  };
  const countBlob = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    const location = reader.index.lookup(id);
    if (!location) return;
    stats.uniqueBlobs++;
    stats.uniqueSize += location.entry.rawLength;
    stats.storedSize += location.entry.length;
  };
  const visit = async (tree: string): Promise<void> => {
    const firstVisit = !seen.has(tree);
    countBlob(tree);
    for (const node of await reader.readTree(tree)) {
      if (node.type === 'file') {
        stats.files++;
        stats.restoreSize += node.size ?? 0;
        if (firstVisit) for (const id of node.content ?? []) countBlob(id);
      } else if (node.type === 'dir') await visit(node.subtree!);
    }
  };
  for (const s of snapshots) await visit(s.tree);
  for (const pack of reader.index.packs()) stats.repositorySize += pack.size;
  stats.dedupRatio = stats.uniqueSize > 0 ? stats.restoreSize / stats.uniqueSize : 0;
  stats.compressionRatio = stats.storedSize > 0 ? stats.uniqueSize / stats.storedSize : 0;
  return stats;
}
