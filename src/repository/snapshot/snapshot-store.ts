// Snapshots in storage: saving, loading (with every field checked, as the bytes may be hostile), listing, and
// resolving what a user typed ("latest", an ID prefix) to one snapshot.

import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import {
  matchesFilter,
  newestFirst,
  type Snapshot,
  type SnapshotFilter,
  type StoredSnapshot,
} from '../../domain/snapshot.ts';
import type { Repository } from '../repository.ts';

export async function saveSnapshot(repo: Repository, snapshot: Snapshot): Promise<string> {
  return repo.saveObject('snapshots', Buffer.from(JSON.stringify(snapshot)));
}

export async function loadSnapshot(repo: Repository, id: string): Promise<StoredSnapshot> {
  return decodeSnapshot(await repo.loadObject('snapshots', id), id);
}

export function decodeSnapshot(plain: Buffer, id: string): StoredSnapshot {
  const fail = (why: string) => new StepvaultError('corrupt', `snapshots/${id} is invalid: ${why}`);
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(plain.toString('utf8'));
  } catch {
    throw fail('not JSON');
  }
  const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (typeof v !== 'object' || v === null || v.version !== 1) throw fail('unknown version');
  if (typeof v.time !== 'string' || Number.isNaN(Date.parse(v.time))) throw fail('bad time');
  if (typeof v.host !== 'string' || typeof v.username !== 'string') throw fail('bad host or username');
  if (!strings(v.paths) || !strings(v.tags)) throw fail('bad paths or tags');
  if (typeof v.tree !== 'string' || !/^[0-9a-f]{64}$/.test(v.tree)) throw fail('bad tree id');
  if (v.parent !== undefined && (typeof v.parent !== 'string' || !/^[0-9a-f]{64}$/.test(v.parent)))
    throw fail('bad parent');
  if (v.original !== undefined && (typeof v.original !== 'string' || !/^[0-9a-f]{64}$/.test(v.original)))
    throw fail('bad original');
  if (
    typeof v.source !== 'object' ||
    v.source === null ||
    typeof (v.source as { type?: unknown }).type !== 'string'
  ) {
    throw fail('bad source');
  }
  if (typeof v.program !== 'string') throw fail('bad program');
  return { ...(v as unknown as Snapshot), id };
}

export interface SnapshotListing {
  snapshots: StoredSnapshot[];
  /** Snapshot files that could not be read, with why. */
  unreadable: { id: string; error: StepvaultError }[];
}

/** Loads every snapshot, newest first. Unreadable ones are reported, not fatal. */
export async function listSnapshots(repo: Repository): Promise<SnapshotListing> {
  const ids: string[] = [];
  for await (const info of repo.backend.list('snapshots')) ids.push(info.name);
  const snapshots: StoredSnapshot[] = [];
  const unreadable: SnapshotListing['unreadable'] = [];
  await forEachConcurrently(ids, 16, async (id) => {
    try {
      snapshots.push(await loadSnapshot(repo, id));
    } catch (e) {
      if (e instanceof StepvaultError && (e.code === 'corrupt' || e.code === 'not-found'))
        unreadable.push({ id, error: e });
      else throw e;
    }
  });
  snapshots.sort(newestFirst);
  return { snapshots, unreadable };
}

/** Resolves "latest" (newest matching the filter) or a unique ID prefix (at least 4 hex digits). */
export function resolveSnapshot(
  snapshots: readonly StoredSnapshot[],
  ref: string,
  filter: SnapshotFilter = {},
): StoredSnapshot {
  if (ref === 'latest') {
    const found = snapshots.filter((s) => matchesFilter(s, filter)).sort(newestFirst)[0];
    if (!found) {
      throw new StepvaultError('not-found', 'no snapshot matches', {
        hint: 'list them with `stepvault snapshots`; --host, --tag and --path narrow "latest"',
      });
    }
    return found;
  }
  if (!/^[0-9a-f]{4,64}$/.test(ref)) {
    throw new StepvaultError('usage', `"${ref}" is not a snapshot ID`, {
      hint: 'give "latest" or at least 4 hex digits of an ID from `stepvault snapshots`',
    });
  }
  const matches = snapshots.filter((s) => s.id.startsWith(ref));
  if (matches.length === 0) throw new StepvaultError('not-found', `no snapshot with ID ${ref}`);
  if (matches.length > 1) {
    throw new StepvaultError('usage', `ID prefix ${ref} matches ${matches.length} snapshots`, {
      hint: 'give more hex digits of the ID',
    });
  }
  return matches[0]!;
}
