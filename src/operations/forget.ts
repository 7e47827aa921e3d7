// `forget`: removes snapshots, chosen by a retention policy (per group of host, paths and tags) or by ID. Each
// removal first leaves a tombstone, so a snapshot that disappears without one is recognised as tampering.
// Data is not deleted here: `prune` (or `--prune`) frees what no snapshot uses any more.

import { type Clock, systemClock } from '../common/clock.ts';
import { StepvaultError } from '../common/errors.ts';
import { applyRetention, isEmptyPolicy, type RetentionPolicy } from '../domain/retention.ts';
import { matchesFilter, type SnapshotFilter, type StoredSnapshot } from '../domain/snapshot.ts';
import { RepositoryLock } from '../repository/lock/lock.ts';
import type { Repository } from '../repository/repository.ts';
import {
  forgetSnapshots,
  listSnapshots,
  removeForgotten,
  resolveSnapshot,
} from '../repository/snapshot/snapshot-store.ts';

export type GroupKey = 'host' | 'paths' | 'tags';

export interface ForgetRequest {
  policy?: RetentionPolicy;
  /** Explicit snapshots to remove (IDs or prefixes); exclusive with a policy. */
  ids?: readonly string[];
  /** @default ['host', 'paths'] */
  groupBy?: readonly GroupKey[];
  filter?: SnapshotFilter;
  dryRun?: boolean;
  timeZone?: string;
}

export interface ForgetGroup {
  key: Partial<Record<GroupKey, string | string[]>>;
  keep: { id: string; time: string; reasons: string[] }[];
  remove: { id: string; time: string }[];
}

export interface ForgetResult {
  groups: ForgetGroup[];
  /** Forgotten (recorded in the snapshot chain; never used again). */
  removed: string[];
  /** Of those, the ones the store refused to delete (an identity without the right): `prune` removes them later. */
  notDeleted: { id: string; error: string }[];
  dryRun: boolean;
}

export function parseGroupBy(text: string): GroupKey[] {
  if (text === '' || text === 'none') return [];
  const keys = text.split(',').map((k) => k.trim());
  for (const k of keys) {
    if (k !== 'host' && k !== 'paths' && k !== 'tags') {
      throw new StepvaultError('usage', `invalid --group-by "${k}"`, {
        hint: 'use a comma-separated list of host, paths, tags (or "none")',
      });
    }
  }
  return keys as GroupKey[];
}

export async function forget(
  request: ForgetRequest,
  deps: { repo: Repository; clock?: Clock },
): Promise<ForgetResult> {
  const clock = deps.clock ?? systemClock;
  const policy = request.policy ?? {};
  const byId = request.ids && request.ids.length > 0;
  if (byId && !isEmptyPolicy(policy)) {
    throw new StepvaultError('usage', 'give either snapshot IDs or a --keep-* policy, not both');
  }
  if (!byId && isEmptyPolicy(policy)) {
    throw new StepvaultError('usage', 'no policy: nothing would be removed', {
      hint: 'give snapshot IDs, or --keep-last/--keep-hourly/--keep-daily/--keep-weekly/--keep-monthly/--keep-yearly/--keep-within/--keep-tag',
    });
  }
  const dryRun = request.dryRun ?? false;
  const lock = dryRun
    ? undefined
    : await RepositoryLock.acquire(deps.repo, { exclusive: true, purpose: 'forget', clock });
  try {
    const listing = await listSnapshots(deps.repo);
    const all = listing.snapshots;
    let groups: ForgetGroup[];
    if (byId) {
      const chosen = [
        ...new Map(request.ids!.map((ref) => resolveSnapshot(all, ref)).map((s) => [s.id, s])).values(),
      ];
      groups = [{ key: {}, keep: [], remove: chosen.map((s) => ({ id: s.id, time: s.time })) }];
    } else {
      const candidates = all.filter((s) => matchesFilter(s, request.filter ?? {}));
      groups = [...group(candidates, request.groupBy ?? ['host', 'paths'])].map(([, members]) => {
        const decision = applyRetention(members, policy, request.timeZone);
        const first = members[0]!;
        const key: ForgetGroup['key'] = {};
        for (const k of request.groupBy ?? ['host', 'paths'])
          key[k] = k === 'host' ? first.host : [...first[k]].sort();
        return {
          key,
          keep: decision.keep.map((k) => ({ id: k.snapshot.id, time: k.snapshot.time, reasons: k.reasons })),
          remove: decision.remove.map((s) => ({ id: s.id, time: s.time })),
        };
      });
    }
    const removed: string[] = [];
    const notDeleted: ForgetResult['notDeleted'] = [];
    if (!dryRun) {
      removed.push(...groups.flatMap((g) => g.remove.map((s) => s.id)));
      notDeleted.push(...(await forgetSnapshots(deps.repo, removed, { clock })));
      // What an interrupted forget left (forgotten, still present) goes now too.
      if (notDeleted.length === 0) await removeForgotten(deps.repo, listing.forgotten, clock.now());
    }
    return { groups, removed, notDeleted, dryRun };
  } finally {
    await lock?.release();
  }
}

function group(
  snapshots: readonly StoredSnapshot[],
  keys: readonly GroupKey[],
): Map<string, StoredSnapshot[]> {
  const groups = new Map<string, StoredSnapshot[]>();
  for (const s of snapshots) {
    const key = JSON.stringify(keys.map((k) => (k === 'host' ? s.host : [...s[k]].sort())));
    const members = groups.get(key) ?? [];
    members.push(s);
    groups.set(key, members);
  }
  return groups;
}
