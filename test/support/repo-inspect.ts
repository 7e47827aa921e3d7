// Test support: looks inside a repository with the library (packs, index files, snapshots, which blobs belong
// to which paths), so tests can aim damage at one precise object.

import type { StoredSnapshot } from '../../src/domain/snapshot.ts';
import { BlobReader } from '../../src/repository/blob-reader.ts';
import { loadMasterIndex } from '../../src/repository/index/index-store.ts';
import type { MasterIndex } from '../../src/repository/index/master-index.ts';
import { Repository } from '../../src/repository/repository.ts';
import { listSnapshots } from '../../src/repository/snapshot/snapshot-store.ts';
import { walkTree } from '../../src/repository/tree/tree-walk.ts';
import { LocalBackend } from '../../src/storage/local/local-backend.ts';

export interface Inspection {
  repo: Repository;
  index: MasterIndex;
  snapshots: StoredSnapshot[];
  reader: BlobReader;
  /** The tree ID of a directory in a snapshot. */
  treeOf(snapshot: StoredSnapshot, dirPath: string): Promise<string>;
  /** The content blob IDs of a file in a snapshot. */
  contentOf(snapshot: StoredSnapshot, filePath: string): Promise<string[]>;
}

export async function inspect(location: string, password: string): Promise<Inspection> {
  const repo = await Repository.open(new LocalBackend(location), password);
  const index = await loadMasterIndex(repo);
  const reader = new BlobReader(repo, index);
  const find = async (snapshot: StoredSnapshot, path: string) => {
    for await (const entry of walkTree(reader, snapshot.tree)) if (entry.path === path) return entry.node;
    throw new Error(`${path} not in snapshot ${snapshot.id}`);
  };
  return {
    repo,
    index,
    reader,
    snapshots: (await listSnapshots(repo)).snapshots,
    treeOf: async (s, dir) => (await find(s, dir)).subtree!,
    contentOf: async (s, file) => (await find(s, file)).content!,
  };
}
