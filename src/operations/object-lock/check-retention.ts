// The retention part of `check` for immutable repositories: every object the kept snapshots need must be locked
// in the policy's mode, for no less than the policy gave it when it was written, and not past its end; retention
// that ends within the renewal window is worth a note (`lock extend` is due).

import { forEachConcurrently } from '../../common/concurrency.ts';
import { renewalWindowMs, retainUntil } from '../../domain/object-lock.ts';
import type { Repository } from '../../repository/repository.ts';
import { lockOf } from './extend-retention.ts';
import { objectsToKeepLocked } from './locked-objects.ts';

/** Object times and retention dates come from the same server clock; this covers its one-second resolution. */
const SKEW_MS = 60_000;

export interface RetentionIssue {
  object: string;
  message: string;
  severity: 'error' | 'note';
}

export async function checkRetention(repo: Repository, signal?: AbortSignal): Promise<RetentionIssue[]> {
  const { policy, lock } = lockOf(repo);
  const issues: RetentionIssue[] = [];
  const objects = await objectsToKeepLocked(repo, signal);
  const now = await lock.serverNow();
  const renewBefore = now.getTime() + renewalWindowMs(policy);
  await forEachConcurrently(objects, 16, async ({ type, name }) => {
    signal?.throwIfAborted();
    const object = `${type}/${name}`;
    const retention = await lock.retention(type, name);
    if (!retention) {
      issues.push({
        object,
        message: `is not locked (the policy is ${policy.mode} for ${policy.period}): run \`stepvault lock extend\``,
        severity: 'error',
      });
    } else if (retention.mode !== policy.mode) {
      issues.push({
        object,
        message: `is locked in ${retention.mode} mode, but the policy is ${policy.mode}`,
        severity: 'error',
      });
    } else if (
      retention.written &&
      retention.until.getTime() < retainUntil(retention.written, policy).getTime() - SKEW_MS
    ) {
      issues.push({
        object,
        message: `is locked only until ${retention.until.toISOString()}: shorter than the policy (${policy.period} from ${retention.written.toISOString()})`,
        severity: 'error',
      });
    } else if (retention.until <= now) {
      issues.push({
        object,
        message: `its retention ended at ${retention.until.toISOString()}: it is not protected; run \`stepvault lock extend\``,
        severity: 'error',
      });
    } else if (retention.until.getTime() < renewBefore) {
      issues.push({
        object,
        message: `its retention ends at ${retention.until.toISOString()}: \`stepvault lock extend\` is due`,
        severity: 'note',
      });
    }
  });
  return issues;
}
