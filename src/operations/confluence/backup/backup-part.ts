// One part of a fan-out Confluence backup: some of the site's spaces, archived as a whole backup would archive
// them (the same phases, the run's time, the run's parent for reuse), into packs and index files of the shared
// repository, under a shared lock; but no snapshot. It returns its tree (a partial site: its spaces, and the
// users its records name) for commit-parts.ts to join with the others'. Concurrent parts are safe as
// concurrent backups are. Items it could not read are named in `missing`, as a backup names them.

import { type Clock, systemClock } from '../../../common/clock.ts';
import { StepvaultError } from '../../../common/errors.ts';
import { DEFAULT_COMPRESSION_LEVEL } from '../../../domain/compression-level.ts';
import type { MissingItem } from '../../../domain/snapshot.ts';
import { BlobReader } from '../../../repository/blob-reader.ts';
import { ContentWriter } from '../../../repository/content-writer.ts';
import { loadMasterIndex } from '../../../repository/index/index-store.ts';
import { RepositoryLock } from '../../../repository/lock/lock.ts';
import type { Repository } from '../../../repository/repository.ts';
import { RepositoryWriter } from '../../../repository/repository-writer.ts';
import { listSnapshots } from '../../../repository/snapshot/snapshot-store.ts';
import { TreeBuilder } from '../../../repository/tree/tree-builder.ts';
import { paths, type SiteRecord } from '../../../sources/confluence/layout.ts';
import type { BackupApi } from '../../../sources/confluence/read-api.ts';
import { ConfluenceSnapshotReader } from '../snapshot-reader.ts';
import {
  backupOptionsOf,
  type ConfluenceBackupRequest,
  DEFAULT_SWEEP_EVERY_MS,
  matchesSource,
  normaliseSite,
  sourceOf,
  sweepScopeOf,
} from './backup-confluence.ts';
import {
  ConfluenceArchiver,
  type ConfluenceCounts,
  type ConfluenceProgress,
  emptyCounts,
} from './confluence-archiver.ts';
import { type FanOutPlan, openPlan } from './fan-out-plan.ts';
import { type Sealed, seal } from './fan-out-seal.ts';
import type { DeletedItem } from './item-archiver.ts';
import { listSpaces } from './listing-phase.ts';
import { ParentState } from './parent-state.ts';
import { checkClaims, type SpaceClaim } from './space-claims.ts';

export interface PartRequest extends ConfluenceBackupRequest {
  /** The run's plan (fan-out-plan.ts), sealed, as the run bucket holds it. */
  plan: Sealed<FanOutPlan>;
  /** The run's time as the workflow knows it: the plan must be this run's. */
  time: string;
  /** Which of the plan's parts this is: it backs up what the plan gives that part, nothing else. */
  index: number;
}

/** What a part's seal is for (fan-out-seal.ts). */
export const PART_SEAL = 'fan-out-part';

/** What a part hands to the commit; plain JSON, sealed with the repository's key. */
export interface PartResult {
  /** The seal of the run's plan: a result of another run (or another plan) is refused. */
  plan: string;
  /** Which of the plan's parts this is. */
  index: number;
  /** The part's tree: /site.json, /users.json and /spaces/<KEY> for each of its spaces. */
  tree: string;
  /**
   * What the part's site record says of the listings and the sweep (the commit joins them); null when every space
   * it was given had gone from the site, so it walked nothing.
   */
  site: Pick<SiteRecord, 'watermarks' | 'lastSweep' | 'swept' | 'sweepSlice'> | null;
  /** Spaces it was given that the site no longer lists (deleted, or hidden from these credentials, since the plan). */
  gone: string[];
  counts: ConfluenceCounts;
  missing: MissingItem[];
  deleted: DeletedItem[];
  /** The index files this part wrote (its packs are listed there). */
  indexFiles: string[];
  treeBlobs: number;
  packBytes: number;
}

export interface PartDeps {
  repo: Repository;
  api: BackupApi;
  clock?: Clock;
  signal?: AbortSignal;
  onProgress?: (progress: ConfluenceProgress) => void;
}

export async function backupConfluencePart(
  request: PartRequest,
  deps: PartDeps,
): Promise<Sealed<PartResult>> {
  const clock = deps.clock ?? systemClock;
  const plan = openPlan(deps.repo, request.plan, request.time);
  const claimed = plan.parts[request.index];
  if (!Number.isInteger(request.index) || claimed === undefined)
    throw new StepvaultError('usage', `the plan has no part ${request.index} (it has ${plan.parts.length})`);
  const time = new Date(plan.time);
  const part = checkClaims(claimed);
  const site = normaliseSite(request.site);
  const runOptions = backupOptionsOf(request);
  const repo = deps.repo;
  const lock = await RepositoryLock.acquire(repo, { exclusive: false, purpose: 'backup part', clock });
  try {
    // A space may go (deleted, archived out of reach, its permissions changed) in the hours between the plan and
    // this part: it is reported gone, as one backup started later would not see it, instead of failing the run.
    const listed = await listSpaces({ api: deps.api, signal: deps.signal }, site, {
      ...runOptions,
      spaces: [],
    });
    const visible = new Set(listed.map((s) => s.key));
    const kept = part.filter((c) => visible.has(c.space));
    const gone = part.filter((c) => !visible.has(c.space)).map((c) => c.space);
    const options = { ...runOptions, spaces: kept.map((c) => c.space) };
    const spaces = listed.filter((s) => kept.some((c) => c.space === s.key));
    const slices: Record<string, SpaceClaim> = {};
    for (const claim of kept) if (claim.of > 1) slices[claim.space] = claim;
    const index = await loadMasterIndex(repo);
    let parent: ParentState | undefined;
    if (plan.parent !== null) {
      const { snapshots } = await listSnapshots(repo);
      const snapshot = snapshots.find((s) => s.id === plan.parent);
      if (!snapshot || !matchesSource(snapshot, sourceOf(site, runOptions)))
        throw new StepvaultError(
          'not-found',
          `the parent snapshot ${plan.parent.slice(0, 8)} of this fan-out backup is gone or not a backup of the same site, spaces and options`,
          { hint: 'run the backup again: its first step picks the parent anew' },
        );
      parent = await ParentState.open(ConfluenceSnapshotReader.from(new BlobReader(repo, index), snapshot));
    }
    const level = request.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL;
    const writer = new RepositoryWriter(repo, index, { compressionLevel: level });
    const sealed = (
      result: Omit<PartResult, 'plan' | 'index' | 'gone' | 'indexFiles' | 'treeBlobs' | 'packBytes'>,
    ) =>
      seal(repo, PART_SEAL, {
        plan: request.plan.seal,
        index: request.index,
        gone,
        ...result,
        indexFiles: [...writer.indexFilesWritten],
        treeBlobs: writer.stats.treeBlobs,
        packBytes: writer.stats.packBytes,
      });
    if (kept.length === 0) {
      // (an archiver given no spaces would back up every one)
      parent?.close();
      const builder = new TreeBuilder();
      builder.addDir(paths.spaces());
      const tree = await builder.write(writer);
      await writer.flush();
      await lock.assertHeld();
      return sealed({ tree, site: null, counts: emptyCounts(), missing: [], deleted: [] });
    }
    const archiver = new ConfluenceArchiver(
      {
        site,
        cloudId: request.cloudId,
        options,
        // Decided from the run's time and parent, so every part sweeps the same way.
        sweep: sweepScopeOf(request.sweep ?? { kind: 'every', ms: DEFAULT_SWEEP_EVERY_MS }, parent, time),
        concurrency: request.concurrency,
        time,
        slices,
        spaces,
      },
      {
        api: deps.api,
        content: new ContentWriter(repo, writer, index),
        writer,
        parent,
        now: () => clock.now(),
        signal: deps.signal,
        onProgress: deps.onProgress,
      },
    );
    const outcome = await archiver.archive().finally(() => parent?.close());
    deps.signal?.throwIfAborted();
    await writer.flush();
    await lock.assertHeld();
    const { watermarks, lastSweep, swept, sweepSlice } = outcome.site;
    return sealed({
      tree: outcome.tree,
      site: {
        watermarks,
        swept,
        ...(lastSweep !== undefined ? { lastSweep } : {}),
        ...(sweepSlice !== undefined ? { sweepSlice } : {}),
      },
      counts: outcome.counts,
      missing: outcome.missing,
      deleted: outcome.deleted,
    });
  } finally {
    await lock.release();
  }
}
