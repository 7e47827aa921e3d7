// `tag`: changes the tags of snapshots, as restic's `tag` does. Snapshots are write-once objects named by their
// hash, so a snapshot with new tags is a new object: it is written first (with `original` naming the ID the
// snapshot was first written under), then the old one gets a tombstone and is removed. An interruption between
// the two leaves both, which `settleRewrites` (or the next run) resolves.

import { type Clock, systemClock } from '../common/clock.ts';
import { identityOf } from '../domain/plan-tags.ts';
import type { Snapshot, StoredSnapshot } from '../domain/snapshot.ts';
import { RepositoryLock } from '../repository/lock/lock.ts';
import type { Repository } from '../repository/repository.ts';
import {
  forgetSnapshots,
  listSnapshots,
  resolveSnapshot,
  saveSnapshot,
} from '../repository/snapshot/snapshot-store.ts';

export interface TagRequest {
  /** Snapshot IDs or unique prefixes. */
  snapshots: readonly string[];
  add?: readonly string[];
  remove?: readonly string[];
}

export interface TagResult {
  /** Rewritten snapshots: the old ID and the new one. */
  changed: { from: string; to: string; tags: string[] }[];
  /** Snapshots that already had the requested tags. */
  unchanged: string[];
  /** Replaced snapshots the store refused to delete (forgotten all the same): `prune` removes them later. */
  notDeleted: { id: string; error: string }[];
}

/** A snapshot as stored, with the ID it was first written under when it is a rewrite. */
type Rewritable = StoredSnapshot & { original?: string };

export async function tagSnapshots(
  request: TagRequest,
  deps: { repo: Repository; clock?: Clock },
): Promise<TagResult> {
  const clock = deps.clock ?? systemClock;
  const lock = await RepositoryLock.acquire(deps.repo, { exclusive: false, purpose: 'tag', clock });
  try {
    const all = (await listSnapshots(deps.repo)).snapshots;
    const chosen = new Map<string, Rewritable>();
    for (const ref of request.snapshots) {
      const s = resolveSnapshot(all, ref);
      chosen.set(s.id, s);
    }
    const result: TagResult = { changed: [], unchanged: [], notDeleted: [] };
    for (const s of chosen.values()) {
      const tags = newTags(s.tags, request.add ?? [], request.remove ?? []);
      if (tags.length === s.tags.length && tags.every((t, i) => t === s.tags[i])) {
        result.unchanged.push(s.id);
        continue;
      }
      const { id, ...stored } = s;
      const rewritten: Snapshot & { original: string } = { ...stored, tags, original: identityOf(s) };
      await lock.assertHeld();
      const to = await saveSnapshot(deps.repo, rewritten, { clock });
      result.notDeleted.push(...(await forgetSnapshots(deps.repo, [id], { clock })));
      result.changed.push({ from: id, to, tags });
    }
    return result;
  } finally {
    await lock.release();
  }
}

/** The tags after removing then adding, in their first order, without duplicates. */
export function newTags(
  tags: readonly string[],
  add: readonly string[],
  remove: readonly string[],
): string[] {
  const out: string[] = [];
  for (const t of [...tags.filter((t) => !remove.includes(t)), ...add]) if (!out.includes(t)) out.push(t);
  return out;
}

/**
 * Finishes rewrites an interruption left half done: where several snapshots share an identity (a rewrite and
 * the snapshot it replaces), keeps the one `prefer` picks and removes the others (with tombstones). Returns the
 * removed IDs.
 */
export async function settleRewrites(
  deps: { repo: Repository; clock?: Clock },
  snapshots: readonly Rewritable[],
  prefer: (a: Rewritable, b: Rewritable) => Rewritable,
): Promise<string[]> {
  const clock = deps.clock ?? systemClock;
  const byIdentity = new Map<string, Rewritable[]>();
  for (const s of snapshots) byIdentity.set(identityOf(s), [...(byIdentity.get(identityOf(s)) ?? []), s]);
  const doomed: string[] = [];
  for (const group of byIdentity.values()) {
    if (group.length < 2) continue;
    const keep = group.reduce(prefer);
    for (const s of group) if (s !== keep) doomed.push(s.id);
  }
  if (doomed.length === 0) return [];
  const lock = await RepositoryLock.acquire(deps.repo, { exclusive: false, purpose: 'tag', clock });
  try {
    await forgetSnapshots(deps.repo, doomed, { clock });
    return doomed;
  } finally {
    await lock.release();
  }
}
