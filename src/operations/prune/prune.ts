// `prune`: deletes data no snapshot uses. Under an exclusive lock (so no backup runs meanwhile), it proves which
// blobs are reachable from every snapshot — refusing to run if any snapshot or tree cannot be read — then:
//   1. repacks the used blobs of mostly-unused packs into new packs, and indexes them;
//   2. writes a new index of all packs that stay;
//   3. deletes the old index files;
//   4. deletes the packs no index refers to any more (and packs an interrupted backup left, once older than the
//      grace period).
// A kill at any point leaves a consistent repository: at worst unreferenced packs, which the next prune removes.

import { type Clock, systemClock } from '../../common/clock.ts';
import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import { BlobReader } from '../../repository/blob-reader.ts';
import type { IndexedPack } from '../../repository/index/index-format.ts';
import { loadMasterIndex, saveIndex } from '../../repository/index/index-store.ts';
import { MasterIndex } from '../../repository/index/master-index.ts';
import { RepositoryLock } from '../../repository/lock/lock.ts';
import { decodeBlob } from '../../repository/pack/blob-decode.ts';
import { openBlob, packKey } from '../../repository/pack/pack-format.ts';
import type { Repository } from '../../repository/repository.ts';
import { RepositoryWriter } from '../../repository/repository-writer.ts';
import { listSnapshots, removeForgotten } from '../../repository/snapshot/snapshot-store.ts';
import type { PurgeResult } from '../../storage/contract.ts';
import { type PackDecision, planPrune, type UnusedLimit } from './prune-plan.ts';
import { collectUsedBlobs } from './used-blobs.ts';

export interface PruneRequest {
  /** @default 5% */
  maxUnused?: UnusedLimit;
  dryRun?: boolean;
  /**
   * Packs no index lists, and files in the backend's temporary area, are deleted only when older than this (ms).
   * @default 1 hour
   */
  unindexedGraceMs?: number;
}

export interface PruneResult {
  dryRun: boolean;
  packsBefore: number;
  packsDeleted: number;
  packsRepacked: number;
  packsWritten: number;
  unindexedDeleted: number;
  /** Files that killed writers left in the backend's temporary area (staged packs, half-written objects). */
  temporariesRemoved: number;
  /** Snapshots that were forgotten and still present (an interrupted forget, or put back), removed. */
  forgottenRemoved: number;
  /**
   * On a bucket with versioning (immutable repositories): removed objects' versions deleted for good now, and those
   * that stay until their retention ends (a later prune deletes them).
   */
  versions?: PurgeResult;
  blobsRemoved: number;
  bytesBefore: number;
  bytesFreed: number;
  unusedBytesAfter: number;
  indexFilesReplaced: number;
}

const INDEX_FILE_BLOBS = 100_000;

export async function prune(
  request: PruneRequest,
  deps: { repo: Repository; clock?: Clock; signal?: AbortSignal },
): Promise<PruneResult> {
  const clock = deps.clock ?? systemClock;
  const { repo, signal } = deps;
  const dryRun = request.dryRun ?? false;
  const lock = dryRun
    ? undefined
    : await RepositoryLock.acquire(repo, { exclusive: true, purpose: 'prune', clock });
  try {
    const index = await loadMasterIndex(repo);
    const oldIndexFiles: string[] = [];
    for await (const info of repo.backend.list('index')) oldIndexFiles.push(info.name);
    const { snapshots, unreadable, forgotten, findings } = await listSnapshots(repo);
    // A snapshot gone without being forgotten, a removed chain entry, a rollback: prune decides what is unused from
    // what the snapshots use, so it does not run while the set of snapshots is in doubt.
    // (A forgotten snapshot put back is no doubt: it is not used, and prune removes it.)
    const doubt = findings.find(
      (f) => f.severity === 'error' && !forgotten.some((id) => f.object === `snapshot ${id}`),
    );
    if (doubt) {
      throw new StepvaultError('corrupt', `prune does not run while ${doubt.object} ${doubt.message}`, {
        hint: 'run `stepvault check` and resolve what it reports (restore the missing objects from a copy); nothing was deleted',
      });
    }
    if (unreadable.length > 0) {
      throw new StepvaultError(
        'corrupt',
        `snapshot ${unreadable[0]!.id} cannot be read, so prune cannot know what it uses`,
        {
          hint: 'run `stepvault check`; nothing was deleted',
        },
      );
    }
    const used = await collectUsedBlobs(new BlobReader(repo, index), snapshots, signal);
    // A blob a snapshot uses that no index lists: its pack would look unindexed, and be deleted after the grace period.
    for (const id of used) {
      if (!index.has(id)) {
        throw new StepvaultError('corrupt', `blob ${id}, which a snapshot uses, is in no index file`, {
          hint: 'an index file is missing or damaged: run `stepvault check`, then `stepvault repair index`; nothing was deleted',
        });
      }
    }
    const stored = new Map<string, { size: number; modified?: Date }>();
    for await (const info of repo.backend.list('data')) stored.set(info.name, info);
    for (const pack of index.packs()) {
      if (stored.get(pack.name)?.size !== pack.size) {
        throw new StepvaultError('corrupt', `pack ${pack.name} is missing or has the wrong size`, {
          hint: 'run `stepvault check`; prune does not run on a damaged repository (nothing was deleted)',
        });
      }
    }
    const plan = planPrune(index, used, request.maxUnused ?? { kind: 'percent', value: 5 });
    const grace = request.unindexedGraceMs ?? 3_600_000;
    const cutoff = clock.now().getTime() - grace;
    const orphans = [...stored].filter(
      ([name, info]) => !index.pack(name) && (info.modified?.getTime() ?? 0) < cutoff,
    );
    const result: PruneResult = {
      dryRun,
      packsBefore: stored.size,
      packsDeleted: plan.remove.length,
      packsRepacked: plan.repack.length,
      packsWritten: 0,
      unindexedDeleted: orphans.length,
      temporariesRemoved: 0,
      forgottenRemoved: forgotten.length,
      blobsRemoved: plan.blobsRemoved,
      bytesBefore: plan.totalBytes,
      bytesFreed: 0,
      unusedBytesAfter: plan.unusedBytesAfter,
      indexFilesReplaced: 0,
    };
    const freed =
      [...plan.remove, ...plan.repack].reduce((s, d) => s + d.pack.size, 0) +
      orphans.reduce((s, [, i]) => s + i.size, 0);
    if (dryRun) return { ...result, bytesFreed: freed };
    await removeForgotten(repo, forgotten);
    const changed = plan.remove.length > 0 || plan.repack.length > 0;
    let written = 0;
    if (changed) {
      written = await repack(repo, plan.repack, signal);
      await lock!.assertHeld();
      const keep = plan.keep.map((d) => d.pack);
      const fresh: string[] = [];
      for (const batch of batches(keep)) fresh.push(await saveIndex(repo, batch));
      const newFiles = new Set(fresh);
      for await (const info of repo.backend.list('index'))
        if (!oldIndexFiles.includes(info.name)) newFiles.add(info.name);
      for (const name of oldIndexFiles)
        if (!newFiles.has(name)) await repo.backend.remove('index', name).catch(ignoreMissing);
      result.indexFilesReplaced = oldIndexFiles.length;
    }
    const doomed = [...plan.remove, ...plan.repack]
      .map((d) => d.pack.name)
      .concat(orphans.map(([name]) => name));
    await forEachConcurrently(doomed, 8, (name) => repo.backend.remove('data', name).catch(ignoreMissing));
    // Under the exclusive lock no backup is writing: what is in the temporary area was left by one that was killed.
    await lock!.assertHeld();
    result.temporariesRemoved = (await repo.backend.removeStaleTemporaries?.(new Date(cutoff))) ?? 0;
    const purged = await repo.backend.objectLock?.purgeRemoved();
    if (purged) result.versions = purged;
    return { ...result, packsWritten: written, bytesFreed: freed };
  } finally {
    await lock?.release();
  }
}

/** Copies the needed blobs of each pack into new packs (sealed anew, verified on the way); returns packs written. */
async function repack(
  repo: Repository,
  packs: readonly PackDecision[],
  signal: AbortSignal | undefined,
): Promise<number> {
  if (packs.length === 0) return 0;
  const writer = new RepositoryWriter(repo, new MasterIndex());
  for (const { pack, needed } of packs) {
    signal?.throwIfAborted();
    const bytes = await repo.backend.load('data', pack.name);
    const key = packKey(repo.keys.encryption, pack.salt);
    for (const position of needed) {
      const e = pack.entries[position]!;
      const sealed = bytes.subarray(e.offset, e.offset + e.length);
      decodeBlob(key, repo.keys.blobMac, position, e, sealed, pack.name); // never copy a damaged blob
      const stored = openBlob(key, position, e, sealed, pack.name);
      await writer.saveStoredBlob(e.type, e.id, stored, e.compressed, e.rawLength);
    }
  }
  await writer.flush();
  return writer.stats.packs;
}

function* batches(packs: readonly IndexedPack[]): Generator<IndexedPack[]> {
  let batch: IndexedPack[] = [];
  let blobs = 0;
  for (const pack of packs) {
    batch.push(pack);
    blobs += pack.entries.length;
    if (blobs >= INDEX_FILE_BLOBS) {
      yield batch;
      batch = [];
      blobs = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

function ignoreMissing(e: unknown): void {
  if (!(e instanceof StepvaultError && e.code === 'not-found')) throw e;
}
