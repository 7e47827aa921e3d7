// Shared set-up of the read-only commands: load the index and snapshots, resolve a reference like
// "latest" or "1a2b3c4d:/home/u" to a snapshot and the tree of the directory inside it.

import type { SnapshotFilter, StoredSnapshot } from '../../domain/snapshot.ts';
import { BlobReader } from '../../repository/blob-reader.ts';
import { loadIndexForReading } from '../../repository/index/adopt-packs.ts';
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
  problems: string[];
}

/** The index (tolerating damaged index files: `problems` says what was met) and all snapshots. */
export async function openReader(
  repo: Repository,
): Promise<{ reader: BlobReader; snapshots: StoredSnapshot[]; problems: string[] }> {
  const { index, problems } = await loadIndexForReading(repo);
  return { reader: new BlobReader(repo, index), snapshots: (await listSnapshots(repo)).snapshots, problems };
}

export async function openSnapshot(
  repo: Repository,
  ref: string,
  filter: SnapshotFilter = {},
): Promise<OpenedSnapshot> {
  const { reader, snapshots, problems } = await openReader(repo);
  const [id, path = '/'] = splitSnapshotRef(ref);
  const snapshot = resolveSnapshot(snapshots, id, filter);
  const tree = await subtreeAt(reader, snapshot.tree, path);
  return { reader, snapshots, snapshot, tree, path: path === '/' ? '' : path.replace(/\/$/, ''), problems };
}
