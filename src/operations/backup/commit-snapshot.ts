// The last step of every backup, whatever its source: the snapshot record (when, by whom, of what, its parent,
// how complete) and its commit, made only while the backup's lock is still held, and not at all on a dry run.

import * as os from 'node:os';
import type { MissingItem, Snapshot, SnapshotSource, SnapshotSummary } from '../../domain/snapshot.ts';
import type { RepositoryLock } from '../../repository/lock/lock.ts';
import type { Repository } from '../../repository/repository.ts';
import { saveSnapshot } from '../../repository/snapshot/snapshot-store.ts';
import { PROGRAM } from '../program.ts';

export interface BackupSnapshot {
  started: Date;
  host: string;
  paths: string[];
  tags: readonly string[] | undefined;
  parent: string | undefined;
  tree: string;
  source: SnapshotSource;
  excludes?: readonly string[] | undefined;
  summary: SnapshotSummary;
  /** Items that could not be backed up: when there are any, the snapshot is marked partial. */
  missing: MissingItem[];
}

/**
 * Commits the backup's snapshot under its lock and returns its ID; with no lock (a dry run), writes nothing
 * and returns undefined.
 */
export async function commitSnapshot(
  repo: Repository,
  lock: RepositoryLock | undefined,
  backup: BackupSnapshot,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const snapshot: Snapshot = {
    version: 1,
    time: backup.started.toISOString(),
    host: backup.host,
    username: os.userInfo().username,
    paths: backup.paths,
    tags: [...(backup.tags ?? [])],
    ...(backup.parent ? { parent: backup.parent } : {}),
    tree: backup.tree,
    source: backup.source,
    ...(backup.excludes?.length ? { excludes: [...backup.excludes] } : {}),
    program: PROGRAM,
    summary: backup.summary,
    ...(backup.missing.length > 0 ? { partial: { missing: backup.missing } } : {}),
  };
  signal?.throwIfAborted();
  if (!lock) return undefined;
  return saveSnapshot(repo, snapshot, { beforeWrite: () => lock.assertHeld() });
}
