// Which objects of an immutable repository must stay locked: everything the kept snapshots need — their packs
// (through the index), every index file, the snapshots themselves, the key slots and the config — and the whole
// history (chain entries and tombstones, never removed). Packs only forgotten snapshots use are left to expire.

import { BlobReader } from '../../repository/blob-reader.ts';
import { loadMasterIndex } from '../../repository/index/index-store.ts';
import type { Repository } from '../../repository/repository.ts';
import { listSnapshots } from '../../repository/snapshot/snapshot-store.ts';
import type { ObjectType } from '../../storage/contract.ts';
import { collectUsedBlobs } from '../prune/used-blobs.ts';

export interface LockedObject {
  type: ObjectType;
  name: string;
}

export async function objectsToKeepLocked(repo: Repository, signal?: AbortSignal): Promise<LockedObject[]> {
  const index = await loadMasterIndex(repo);
  const { snapshots } = await listSnapshots(repo);
  const used = await collectUsedBlobs(new BlobReader(repo, index), snapshots, signal);
  const packs = new Set<string>();
  for (const id of used) {
    const location = index.lookup(id);
    if (location) packs.add(location.pack.name);
  }
  const objects: LockedObject[] = [...packs].map((name) => ({ type: 'data', name }));
  objects.push(...snapshots.map((s) => ({ type: 'snapshots' as const, name: s.id })));
  for (const type of ['index', 'keys', 'chain', 'tombstones', 'config'] as const) {
    for await (const info of repo.backend.list(type)) objects.push({ type, name: info.name });
  }
  return objects;
}
