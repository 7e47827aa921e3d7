// `lock extend`: keeps an immutable repository locked. Every object the kept snapshots need whose retention ends
// within the renewal window (a third of the lock period) gets retention until "server time + period"; an object
// found without retention gets it too, and is reported. Run it regularly (the built-in maintenance workflow does):
// objects only forgotten snapshots need are left to expire, after which `prune` can delete them for good.

import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import { renewalWindowMs, retainUntil } from '../../domain/object-lock.ts';
import { RepositoryLock } from '../../repository/lock/lock.ts';
import type { Repository } from '../../repository/repository.ts';
import type { ObjectLockControl } from '../../storage/contract.ts';
import { objectsToKeepLocked } from './locked-objects.ts';

export interface ExtendResult {
  mode: string;
  period: string;
  /** Objects the kept snapshots need (all of them checked). */
  checked: number;
  extended: number;
  /** Needed objects that had no retention at all (now they have). */
  unprotected: string[];
  /** Needed objects whose retention could not be read or extended, with why (the others are extended regardless). */
  failed: { object: string; error: string }[];
  /** The retention given to extended objects. */
  until: string;
  dryRun: boolean;
}

/** The repository's lock policy and its store's Object Lock, or a clear error when it has none. */
export function lockOf(repo: Repository): {
  policy: NonNullable<Repository['config']['objectLock']>;
  lock: ObjectLockControl;
} {
  const policy = repo.config.objectLock;
  if (!policy) {
    throw new StepvaultError('usage', `${repo.backend.location} is not an immutable repository`, {
      hint: 'only repositories created with `init --lock-mode … --lock-period …` keep their objects locked',
    });
  }
  const lock = repo.backend.objectLock;
  if (!lock) {
    throw new StepvaultError(
      'usage',
      `${repo.backend.location} cannot keep retention (it is not an S3 location)`,
      {
        hint: 'run this against the S3 location the repository was created in',
      },
    );
  }
  return { policy, lock };
}

export async function extendRetention(
  request: { dryRun?: boolean },
  deps: { repo: Repository; signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
): Promise<ExtendResult> {
  const { repo, signal } = deps;
  const { policy, lock } = lockOf(repo);
  const held = await RepositoryLock.acquire(repo, { exclusive: false, purpose: 'lock extend' });
  try {
    const objects = await objectsToKeepLocked(repo, signal);
    const now = await lock.serverNow();
    const until = retainUntil(now, policy);
    const renewBefore = now.getTime() + renewalWindowMs(policy);
    const result: ExtendResult = {
      mode: policy.mode,
      period: policy.period,
      checked: objects.length,
      extended: 0,
      unprotected: [],
      failed: [],
      until: until.toISOString(),
      dryRun: request.dryRun ?? false,
    };
    let done = 0;
    await forEachConcurrently(objects, 16, async ({ type, name }) => {
      signal?.throwIfAborted();
      try {
        const current = await lock.retention(type, name);
        if (!current) result.unprotected.push(`${type}/${name}`);
        if (!current || current.until.getTime() < renewBefore) {
          if (!result.dryRun) await lock.extend(type, name, { mode: policy.mode, until });
          result.extended++;
        }
      } catch (e) {
        if (!(e instanceof StepvaultError) || e.code === 'interrupted') throw e;
        result.failed.push({ object: `${type}/${name}`, error: e.message });
      }
      deps.onProgress?.(++done, objects.length);
    });
    return result;
  } finally {
    await held.release();
  }
}
