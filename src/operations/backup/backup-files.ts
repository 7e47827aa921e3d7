// The files backup use case: lock, load the index (adopting packs an interrupted backup left unindexed), pick
// the parent snapshot, archive the paths, write packs then index, and — only if the lock is still held — the
// snapshot. Returns a typed summary; a backup with unreadable items still commits, marked partial.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { type Clock, systemClock } from '../../common/clock.ts';
import { StepvaultError } from '../../common/errors.ts';
import { DEFAULT_COMPRESSION_LEVEL } from '../../domain/compression-level.ts';
import { type MissingItem, newestFirst, type SnapshotSummary, sameSet } from '../../domain/snapshot.ts';
import { BlobReader } from '../../repository/blob-reader.ts';
import { adoptUnindexedPacks } from '../../repository/index/adopt-packs.ts';
import { loadMasterIndex } from '../../repository/index/index-store.ts';
import { RepositoryLock } from '../../repository/lock/lock.ts';
import { IngestPool } from '../../repository/pipeline/ingest-pool.ts';
import type { Repository } from '../../repository/repository.ts';
import { RepositoryWriter } from '../../repository/repository-writer.ts';
import { listSnapshots, resolveSnapshot } from '../../repository/snapshot/snapshot-store.ts';
import { ExcludeFilter } from '../../sources/files/exclude-filter.ts';
import { ReadAhead } from '../../sources/files/read-ahead.ts';
import { DryRunBackend } from '../../storage/dry-run-backend.ts';
import { commitSnapshot } from './commit-snapshot.ts';
import { type ArchiverProgress, absolutePaths, FilesArchiver } from './files-archiver.ts';

export interface FilesBackupRequest {
  paths: readonly string[];
  tags?: readonly string[];
  /** @default os.hostname() */
  host?: string;
  excludes?: readonly string[];
  oneFileSystem?: boolean;
  /** A snapshot ID (prefix) to compare against; by default the newest with the same host and paths. */
  parent?: string;
  /** Read every file, ignoring the parent. */
  force?: boolean;
  dryRun?: boolean;
  /** zstd level, 0 for none. @default 3 */
  compressionLevel?: number;
  workers?: number;
  ignoreCtime?: boolean;
  ignoreInode?: boolean;
}

export interface BackupDeps {
  repo: Repository;
  clock?: Clock;
  signal?: AbortSignal;
  onProgress?: (progress: ArchiverProgress & { kibRead: number }) => void;
}

export interface BackupResult {
  /** Absent in a dry run. */
  snapshotId?: string;
  parent?: string;
  summary: SnapshotSummary;
  missing: MissingItem[];
  dryRun: boolean;
  adoptedPacks: number;
}

export async function backupFiles(request: FilesBackupRequest, deps: BackupDeps): Promise<BackupResult> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const paths = absolutePaths(request.paths);
  if (paths.length === 0)
    throw new StepvaultError('usage', 'no paths to back up', { hint: 'give one or more paths' });
  for (const p of paths) {
    if (!fs.existsSync(p))
      throw new StepvaultError('not-found', `${p} does not exist`, { hint: 'check the path' });
  }
  const host = request.host ?? os.hostname();
  const dryRun = request.dryRun ?? false;
  const repo = dryRun ? deps.repo.withBackend(new DryRunBackend(deps.repo.backend)) : deps.repo;
  const lock = dryRun
    ? undefined
    : await RepositoryLock.acquire(repo, { exclusive: false, purpose: 'backup', clock });
  let pool: IngestPool | undefined;
  let readAhead: ReadAhead | undefined;
  try {
    const listing = listSnapshots(repo);
    listing.catch(() => {}); // awaited below, unless reading the index failed first
    const index = await loadMasterIndex(repo);
    const { adopted } = dryRun ? { adopted: 0 } : await adoptUnindexedPacks(repo, index);
    const { snapshots } = await listing;
    let parent: string | undefined;
    if (request.parent) parent = resolveSnapshot(snapshots, request.parent).id;
    else if (!request.force) {
      parent = snapshots
        .filter((s) => s.host === host && s.source.type === 'files' && sameSet(s.paths, paths))
        .sort(newestFirst)[0]?.id;
    }
    const parentTree = parent ? snapshots.find((s) => s.id === parent)?.tree : undefined;
    const level = request.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL;
    const writer = new RepositoryWriter(repo, index, { compressionLevel: level });
    pool = new IngestPool(repo, index, writer, {
      compressionLevel: level,
      ...(request.workers ? { workers: request.workers } : {}),
    });
    const ingest = pool;
    readAhead = dryRun ? undefined : new ReadAhead();
    const archiver = new FilesArchiver({
      pool: ingest,
      ...(readAhead ? { readAhead } : {}),
      writer,
      reader: new BlobReader(repo, index),
      exclude: new ExcludeFilter(request.excludes ?? []),
      oneFileSystem: request.oneFileSystem ?? false,
      changeDetection: { ctime: !request.ignoreCtime, inode: !request.ignoreInode },
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.onProgress ? { onProgress: (p) => deps.onProgress!({ ...p, kibRead: ingest.kibRead }) } : {}),
    });
    const tree = await archiver.archive(paths, request.force ? undefined : parentTree);
    deps.signal?.throwIfAborted();
    await ingest.flush();
    await writer.flush();
    const { stored, ...counts } = archiver.counts;
    const summary: SnapshotSummary = {
      backupStart: started.toISOString(),
      backupEnd: clock.now().toISOString(),
      ...counts,
      treeBlobs: writer.stats.treeBlobs,
      dataAddedPacked: writer.stats.packBytes,
    };
    const snapshotId = await commitSnapshot(
      repo,
      lock,
      {
        started,
        host,
        paths,
        tags: request.tags,
        parent,
        tree,
        source: { type: 'files' },
        excludes: request.excludes,
        summary,
        missing: archiver.missing,
      },
      deps.signal,
    );
    return {
      ...(snapshotId ? { snapshotId } : {}),
      ...(parent ? { parent } : {}),
      summary,
      missing: archiver.missing,
      dryRun,
      adoptedPacks: adopted,
    };
  } finally {
    await readAhead?.close();
    await pool?.close();
    await lock?.release();
  }
}
