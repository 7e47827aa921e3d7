// What plan tasks need from the world, injected: repositories opened by name (passwords resolved outside the
// workflow, so no secret ever enters execution state or history), sources by name, a notifier, the clock, a
// scratch directory and the gate that orders repository use in this process. The daemon and `plan run` build
// one from the configuration (config-environment.ts); tests build one from in-memory parts.

import type { Clock } from '../common/clock.ts';
import type { NotificationEvent } from '../domain/notification-event.ts';
import type { SnapshotSummary } from '../domain/snapshot.ts';
import type { PartResult } from '../operations/confluence/backup/backup-part.ts';
import type { FanOutPlan } from '../operations/confluence/backup/fan-out-plan.ts';
import type { Sealed } from '../operations/confluence/backup/fan-out-seal.ts';
import type { Repository } from '../repository/repository.ts';
import type { RepositoryGate } from './repository-gate.ts';

export interface FilesSourceSpec {
  type: 'files';
  paths: string[];
  excludes: string[];
  oneFileSystem?: boolean;
  /** Recorded as the snapshots' host (default: the environment's host, else this machine's name). */
  host?: string;
}

/**
 * A Confluence site: `backup` runs the Confluence backup operation with the site's settings and credentials
 * (kept in the environment, out of workflow state) and returns what the backup task reports.
 */
export interface ConfluenceSourceSpec {
  type: 'confluence';
  site: string;
  backup(request: BackupStamp, deps: SourceBackupDeps): Promise<SourceBackupOutcome>;
  /** The steps of a fan-out backup (operations/confluence/backup/fan-out-plan.ts, backup-part.ts, commit-parts.ts). */
  planFanOut(
    request: { parts: number },
    deps: { repo: Repository; clock: Clock; signal: AbortSignal },
  ): Promise<Sealed<FanOutPlan>>;
  backupPart(
    request: BackupStamp & { plan: Sealed<FanOutPlan>; time: string; index: number },
    deps: SourceBackupDeps,
  ): Promise<Sealed<PartResult>>;
  commitParts(
    request: BackupStamp & { time: string; plan: Sealed<FanOutPlan>; parts: Sealed<PartResult>[] },
    deps: { repo: Repository; clock: Clock; signal: AbortSignal },
  ): Promise<SourceBackupOutcome>;
}

/** What a plan adds to every backup it makes. */
export interface BackupStamp {
  tags: string[];
  host?: string;
  compressionLevel?: number;
}

export type SourceSpec = FilesSourceSpec | ConfluenceSourceSpec;

export interface SourceBackupDeps {
  repo: Repository;
  clock: Clock;
  signal: AbortSignal;
  onProgress: () => void;
}

/** What a backup of any source reports to the workflow: small numbers and IDs only. */
export interface SourceBackupOutcome {
  snapshotId: string;
  parent: string | null;
  /** Items that could not be backed up (the snapshot is then partial). */
  missing: number;
  /** Bytes of new content. */
  dataAdded: number;
  /** Bytes the new content takes in the repository. */
  dataAddedPacked: number;
  /** Items (files, pages, attachments) the backup went through. */
  itemsProcessed: number;
  /** Pages compared with the parent snapshot (Confluence): what the anomaly guard reads. */
  changes: { pagesBefore: number; pagesDeleted: number; pagesChanged: number } | null;
}

/** The outcome of a committed files or Confluence backup, before any comparison of pages (`changes: null`). */
export function backupOutcome(result: {
  snapshotId?: string;
  parent?: string;
  missing: readonly unknown[];
  summary: SnapshotSummary;
}): SourceBackupOutcome {
  return {
    snapshotId: result.snapshotId!,
    parent: result.parent ?? null,
    missing: result.missing.length,
    dataAdded: result.summary.dataAdded,
    dataAddedPacked: result.summary.dataAddedPacked,
    itemsProcessed: result.summary.totalFilesProcessed,
    changes: null,
  };
}

export interface NotifyReport {
  /** Targets the event was delivered to. */
  delivered: string[];
  /** Targets that failed, with why (never a credential). */
  failed: { target: string; error: string }[];
}

export interface PlanEnvironment {
  readonly clock: Clock;
  readonly gate: RepositoryGate;
  /** Recorded as the snapshots' host (default: this machine's host name). */
  readonly host?: string;
  /** Restore tests restore into fresh directories under this one. */
  readonly scratchDir: string;
  /** Opens (once, then from a cache) the repository configured under `name`. */
  openRepository(name: string): Promise<Repository>;
  /** The zstd level new data in the repository `name` is compressed with (0: none; default: the backup's). */
  compressionLevel?(name: string): number;
  source(name: string): SourceSpec;
  /** Sends an event to the notification targets that want it; never throws for a target's failure. */
  notify(event: NotificationEvent): Promise<NotifyReport>;
}
