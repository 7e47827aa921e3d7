// `check`: verifies a repository's structure — key files, index files, packs (present, complete, indexed),
// snapshots (readable; the snapshot chain intact, none missing or back again after being forgotten, no rollback), every tree of every snapshot, and that every blob a
// tree refers to is indexed — and optionally reads back all or part of the data. Every problem names the object.

import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import type { StoredSnapshot } from '../../domain/snapshot.ts';
import { BlobReader } from '../../repository/blob-reader.ts';
import { parseKeyFile } from '../../repository/crypto/key-slot.ts';
import { loadMasterIndex } from '../../repository/index/index-store.ts';
import type { MasterIndex } from '../../repository/index/master-index.ts';
import type { Repository } from '../../repository/repository.ts';
import { listSnapshots } from '../../repository/snapshot/snapshot-store.ts';
import { OBJECT_TYPES } from '../../storage/contract.ts';
import { checkRetention } from '../object-lock/check-retention.ts';
import { type DataSubset, readData } from './check-data.ts';

export interface CheckIssue {
  /** The object, e.g. "pack 1a2b…", "index 3c4d…", "snapshot 5e6f…", "tree 7a8b…", "keys/9c0d…". */
  object: string;
  message: string;
}

export interface CheckRequest {
  readData?: boolean;
  subset?: DataSubset;
}

export interface CheckResult {
  errors: CheckIssue[];
  /** Not damage, but worth knowing (e.g. unreferenced packs an interrupted backup left). */
  notes: CheckIssue[];
  snapshots: number;
  packs: number;
  trees: number;
  blobsReferenced: number;
  packsRead: number;
  bytesRead: number;
}

export async function checkRepository(
  request: CheckRequest,
  deps: {
    repo: Repository;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<CheckResult> {
  const { repo } = deps;
  const result: CheckResult = {
    errors: [],
    notes: [],
    snapshots: 0,
    packs: 0,
    trees: 0,
    blobsReferenced: 0,
    packsRead: 0,
    bytesRead: 0,
  };
  const error = (object: string, message: string) => result.errors.push({ object, message });

  for await (const info of repo.backend.list('keys')) {
    try {
      parseKeyFile(info.name, await repo.backend.load('keys', info.name));
    } catch (e) {
      error(`keys/${info.name}`, messageOf(e));
    }
  }

  const index = await loadMasterIndex(repo, { onCorrupt: (name, e) => error(`index ${name}`, e.message) });
  const stored = new Map<string, number>();
  for await (const info of repo.backend.list('data')) stored.set(info.name, info.size);
  for (const pack of index.packs()) {
    const size = stored.get(pack.name);
    const files = [...index.indexFilesOf(pack.name)].map((f) => f.slice(0, 8)).join(', ');
    if (size === undefined) error(`pack ${pack.name}`, `is missing (listed in index ${files})`);
    else if (size !== pack.size)
      error(`pack ${pack.name}`, `is ${size} bytes but the index says ${pack.size}: truncated or replaced`);
  }
  for (const name of stored.keys()) {
    if (!index.pack(name))
      result.notes.push({
        object: `pack ${name}`,
        message: 'is not in any index (left by an interrupted backup or prune; `prune` removes it)',
      });
  }
  result.packs = stored.size;
  // Reading the data back runs alongside the structure checks below (workers and main thread at once).
  const reading = request.readData ? readData(repo, index, stored, request.subset, deps) : undefined;
  reading?.catch(() => {}); // awaited below; a failure then surfaces there

  // The listing checks the snapshots against the snapshot chain, the tombstones and this client's record.
  const { snapshots, unreadable, findings } = await listSnapshots(repo);
  for (const u of unreadable) error(`snapshot ${u.id}`, u.error.message);
  for (const f of findings) (f.severity === 'error' ? result.errors : result.notes).push(f);
  result.snapshots = snapshots.length;

  const referenced = await checkTrees(
    new BlobReader(repo, index),
    index,
    snapshots,
    result,
    error,
    deps.signal,
  );
  result.blobsReferenced = referenced.size;
  let unused = 0;
  for (const id of index.blobIds()) if (!referenced.has(id)) unused++;
  if (unused > 0)
    result.notes.push({
      object: 'index',
      message: `${unused} blobs are not used by any snapshot (\`prune\` removes them)`,
    });

  // On a store that keeps versions: objects someone wrote again or hid (what stepvault reads is unchanged).
  for (const type of OBJECT_TYPES) {
    for (const { name, how } of repo.backend.objectLock?.tampered(type) ?? []) error(`${type}/${name}`, how);
  }

  // An immutable repository: is everything the kept snapshots need still locked as the policy says?
  if (repo.config.objectLock && repo.backend.objectLock) {
    for (const issue of await checkRetention(repo, deps.signal)) {
      (issue.severity === 'error' ? result.errors : result.notes).push(issue);
    }
  } else if (repo.config.objectLock) {
    result.notes.push({
      object: 'config',
      message: `the repository is immutable (${repo.config.objectLock.mode}, ${repo.config.objectLock.period}) but this location cannot show retention (a copy outside its bucket?): retention was not checked`,
    });
  }

  if (reading) {
    const read = await reading;
    result.packsRead = read.packs;
    result.bytesRead = read.bytes;
    result.errors.push(...read.packErrors);
    for (const f of read.blobFailures) {
      const use = referenced.has(f.id) ? 'used by a snapshot' : 'not used by any snapshot';
      error(`blob ${f.id}`, `${f.error} (${use})`);
    }
  }
  return result;
}

/** Walks every snapshot's trees once; returns the IDs of all blobs they reference (data and tree). */
async function checkTrees(
  reader: BlobReader,
  index: MasterIndex,
  snapshots: readonly StoredSnapshot[],
  result: CheckResult,
  error: (object: string, message: string) => void,
  signal: AbortSignal | undefined,
): Promise<Set<string>> {
  const referenced = new Set<string>();
  const visit = async (tree: string, where: string): Promise<void> => {
    if (referenced.has(tree)) return;
    referenced.add(tree);
    signal?.throwIfAborted();
    result.trees++;
    let nodes: Awaited<ReturnType<BlobReader['readTree']>>;
    try {
      nodes = await reader.readTree(tree);
    } catch (e) {
      error(`tree ${tree}`, `${where || '/'}: ${messageOf(e)}`);
      return;
    }
    const subtrees: [string, string][] = [];
    for (const node of nodes) {
      const path = `${where}/${node.name}`;
      for (const id of node.content ?? []) {
        if (referenced.has(id)) continue;
        referenced.add(id);
        if (!index.has(id)) error(`blob ${id}`, `data of ${path} is not in the index`);
      }
      if (node.subtree) subtrees.push([node.subtree, path]);
    }
    await forEachConcurrently(subtrees, 8, ([id, path]) => visit(id, path));
  };
  for (const s of snapshots) {
    const before = result.errors.length;
    await visit(s.tree, '');
    if (result.errors.length > before && !result.errors.some((e) => e.object === `snapshot ${s.id}`)) {
      error(
        `snapshot ${s.id}`,
        `(${s.time}, ${s.paths.join(' ')}) refers to damaged or missing data (see above)`,
      );
    }
  }
  return referenced;
}

export function messageOf(e: unknown): string {
  return e instanceof StepvaultError || e instanceof Error ? e.message : String(e);
}
