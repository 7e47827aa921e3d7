// The first step of a fan-out Confluence backup (a site backed up as parts on many workers, joined into one
// snapshot by commit-parts.ts): what every part must agree on, and the parts. The run's time (site.json and the
// files without a time of their own get it, in every part), the parent snapshot (the newest of the same site,
// spaces and options: each part reuses its own items from it), the repository's index files as they are now (so
// the commit can prove that no prune removed what the parts wrote or reuse), and the parts themselves: the spaces
// weighed by their pages and blog posts (one CQL count each), a space heavier than a part's share split into
// slices by content id (id modulo n), and the whole packed into `parts` parts of about equal weight. Weights only
// balance the work; what a part backs up is decided by the listing it makes, so a stale count costs balance, never
// content.

import type { Clock } from '../../../common/clock.ts';
import { systemClock } from '../../../common/clock.ts';
import { forEachConcurrently } from '../../../common/concurrency.ts';
import { StepvaultError } from '../../../common/errors.ts';
import { newestFirst } from '../../../domain/snapshot.ts';
import type { Repository } from '../../../repository/repository.ts';
import { listSnapshots } from '../../../repository/snapshot/snapshot-store.ts';
import { cqlString } from '../../../sources/confluence/cql-string.ts';
import type { BackupApi } from '../../../sources/confluence/read-api.ts';
import {
  backupOptionsOf,
  type ConfluenceBackupRequest,
  matchesSource,
  normaliseSite,
  sourceOf,
} from './backup-confluence.ts';
import { opened, type Sealed, seal } from './fan-out-seal.ts';
import { listSpaces } from './listing-phase.ts';
import { packParts, type SpaceClaim } from './space-claims.ts';

/** What the parts of one run share; plain JSON (it travels through workflow state and the run bucket). */
export interface FanOutPlan {
  /** ISO 8601: the backup time every part records. */
  time: string;
  /** The parent snapshot's ID, or null (a first backup, or `force`). */
  parent: string | null;
  /** Every space the run backs up, by key, sorted. */
  spaces: string[];
  /** The parts: each claims whole spaces or slices of them; together every slice of every space once. */
  parts: SpaceClaim[][];
  /** The index files of the repository when the run began: a prune that ran since has removed them. */
  indexFiles: string[];
}

/** What the plan's seal is for (fan-out-seal.ts). */
export const PLAN_SEAL = 'fan-out-plan';

/** Index file names are kept by their first 16 hex digits: enough to see one go, small enough for many. */
export const INDEX_NAME_PREFIX = 16;

export interface FanOutRequest extends ConfluenceBackupRequest {
  /** How many parts to make (fewer when there is less to share). */
  parts: number;
}

export interface FanOutPlanDeps {
  repo: Repository;
  api: BackupApi;
  clock?: Clock;
  signal?: AbortSignal;
}

/**
 * The run's plan from the run bucket, once proven this repository's (its seal) and this run's (`time`, as the
 * workflow knows it); a `corrupt` error otherwise.
 */
export function openPlan(repo: Repository, sealed: Sealed<FanOutPlan>, time: string): FanOutPlan {
  const plan = opened(repo, PLAN_SEAL, sealed, "the run's plan");
  if (plan.time !== time)
    throw new StepvaultError(
      'corrupt',
      `the plan in the run bucket is of the run at ${plan.time}, not of this one (${time})`,
      { hint: 'run the backup again' },
    );
  return plan;
}

/** The run's plan, sealed with the repository's key (it waits in the run bucket for the commit). */
export async function planConfluenceFanOut(
  request: FanOutRequest,
  deps: FanOutPlanDeps,
): Promise<Sealed<FanOutPlan>> {
  if (!Number.isInteger(request.parts) || request.parts < 1)
    throw new StepvaultError(
      'usage',
      `a fan-out needs a whole number of parts of at least 1, got ${request.parts}`,
    );
  const clock = deps.clock ?? systemClock;
  const time = clock.now().toISOString();
  const site = normaliseSite(request.site);
  const options = backupOptionsOf(request);
  const source = sourceOf(site, options);
  const signal = deps.signal ? { signal: deps.signal } : {};
  const spaces = (await listSpaces({ api: deps.api, signal: deps.signal }, site, options)).map((s) => s.key);
  const weights = new Map<string, number>();
  await forEachConcurrently(spaces, 4, async (key) => {
    weights.set(
      key,
      await deps.api.countContent(`type in (page, blogpost) and space = ${cqlString(key)}`, signal),
    );
  });
  const indexFiles: string[] = [];
  for await (const info of deps.repo.backend.list('index'))
    indexFiles.push(info.name.slice(0, INDEX_NAME_PREFIX));
  const { snapshots } = await listSnapshots(deps.repo);
  const parent = request.force
    ? undefined
    : snapshots.filter((s) => matchesSource(s, source)).sort(newestFirst)[0];
  return seal(deps.repo, PLAN_SEAL, {
    time,
    parent: parent?.id ?? null,
    spaces,
    parts: packParts(weights, request.parts),
    indexFiles: indexFiles.sort(),
  });
}
