// Shared set-up of the read-only commands: load the index and snapshots, resolve a reference like
// "latest" or "1a2b3c4d:/home/u" to a snapshot and the tree of the directory inside it.

import type { SnapshotFilter, StoredSnapshot } from '../../domain/snapshot.ts';
import { BlobReader } from '../../repository/blob-reader.ts';
import { loadMasterIndex } from '../../repository/index/index-store.ts';
import type { Repository } from '../../repository/repository.ts';
import { listSnapshots, resolveSnapshot } from '../../repository/snapshot/snapshot-store.ts';
import { splitSnapshotRef } from '../restore/restore-files.ts';
import { subtreeAt } from '../restore/restore-plan.ts';

export interface OpenedSnapshot {
  reader: BlobReader;
  snapshots: StoredSnapshot[];
  snapshot: StoredSnapshot;
  /** Tree of the directory the reference points at, and that directory's path in the snapshot. */
  tree: string;
  path: string;
}

export async function openReader(
  repo: Repository,
): Promise<{ reader: BlobReader; snapshots: StoredSnapshot[] }> {
  const index = await loadMasterIndex(repo);
  return { reader: new BlobReader(repo, index), snapshots: (await listSnapshots(repo)).snapshots };
}

export async function openSnapshot(
  repo: Repository,
  ref: string,
  filter: SnapshotFilter = {},
): Promise<OpenedSnapshot> {
  const { reader, snapshots } = await openReader(repo);
  const [id, path = '/'] = splitSnapshotRef(ref);
  const snapshot = resolveSnapshot(snapshots, id, filter);
  const tree = await subtreeAt(reader, snapshot.tree, path);
  return { reader, snapshots, snapshot, tree, path: path === '/' ? '' : path.replace(/\/$/, '') };
}
