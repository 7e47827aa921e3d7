// The first step of a fan-out Confluence backup (a site backed up as parts on many workers, joined into one
// snapshot by commit-parts.ts): what every part must agree on. The run's time (site.json and the files without a
// time of their own get it, in every part), the parent snapshot (the newest of the same site, spaces and options:
// each part reuses its own spaces from it), the spaces to divide, and the repository's index files as they are
// now, so the commit can prove that no prune removed data the parts reuse or wrote while they ran.

import type { Clock } from '../../../common/clock.ts';
import { systemClock } from '../../../common/clock.ts';
import { newestFirst } from '../../../domain/snapshot.ts';
import type { Repository } from '../../../repository/repository.ts';
import { listSnapshots } from '../../../repository/snapshot/snapshot-store.ts';
import type { BackupApi } from '../../../sources/confluence/read-api.ts';
import {
  backupOptionsOf,
  type ConfluenceBackupRequest,
  matchesSource,
  normaliseSite,
  sourceOf,
} from './backup-confluence.ts';
import { listSpaces } from './listing-phase.ts';

/** What the parts of one run share; plain JSON (it travels through workflow state). */
export interface FanOutPlan {
  /** ISO 8601: the backup time every part records. */
  time: string;
  /** The parent snapshot's ID, or null (a first backup, or `force`). */
  parent: string | null;
  /** Every space the run backs up, by key, sorted. */
  spaces: string[];
  /** The index files of the repository when the run began: a prune that ran since has removed them. */
  indexFiles: string[];
}

/** Index file names are kept by their first 16 hex digits: enough to see one go, small enough for many. */
export const INDEX_NAME_PREFIX = 16;

export interface FanOutPlanDeps {
  repo: Repository;
  api: BackupApi;
  clock?: Clock;
  signal?: AbortSignal;
}

export async function planConfluenceFanOut(
  request: ConfluenceBackupRequest,
  deps: FanOutPlanDeps,
): Promise<FanOutPlan> {
  const clock = deps.clock ?? systemClock;
  const time = clock.now().toISOString();
  const site = normaliseSite(request.site);
  const options = backupOptionsOf(request);
  const source = sourceOf(site, options);
  const spaces = await listSpaces({ api: deps.api, signal: deps.signal }, site, options);
  const indexFiles: string[] = [];
  for await (const info of deps.repo.backend.list('index'))
    indexFiles.push(info.name.slice(0, INDEX_NAME_PREFIX));
  const { snapshots } = await listSnapshots(deps.repo);
  const parent = request.force
    ? undefined
    : snapshots.filter((s) => matchesSource(s, source)).sort(newestFirst)[0];
  return {
    time,
    parent: parent?.id ?? null,
    spaces: spaces.map((s) => s.key),
    indexFiles: indexFiles.sort(),
  };
}
