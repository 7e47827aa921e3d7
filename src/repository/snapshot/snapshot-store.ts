// Snapshots in storage: saving and forgetting (both recorded in the snapshot chain), loading (with every field
// checked, as the bytes may be hostile), listing (checked against the chain), and resolving what a user typed
// ("latest", an ID prefix) to one snapshot.

import { type Clock, systemClock } from '../../common/clock.ts';
import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import {
  matchesFilter,
  newestFirst,
  type Snapshot,
  type SnapshotFilter,
  type StoredSnapshot,
} from '../../domain/snapshot.ts';
import { appendChainEntry } from '../chain/chain-append.ts';
import { type ChainState, loadChain } from '../chain/chain-state.ts';
import { type ChainFinding, verifyChain } from '../chain/chain-verify.ts';
import type { Repository } from '../repository.ts';
import { readTombstones, writeTombstone } from '../tombstones.ts';

/**
 * Writes a snapshot and records it in the snapshot chain: the snapshot names the chain's heads before it (`chain`),
 * then a chain entry names the snapshot. Snapshots that are in storage but in no entry (a backup interrupted
 * between the two writes, or a repository older than the chain) are adopted by an entry first. Callers hold the
 * repository lock their operation needs.
 */
export async function saveSnapshot(
  repo: Repository,
  snapshot: Snapshot,
  options: {
    clock?: Clock;
    /** Run at the same time as the reads that come first (each a round trip): may refuse the write by throwing. */
    beforeWrite?: () => Promise<void>;
  } = {},
): Promise<string> {
  const now = () => (options.clock ?? systemClock).now();
  const [loaded, tombstoneNames, stored] = await Promise.all([
    loadChain(repo),
    objectNames(repo, 'tombstones'),
    objectNames(repo, 'snapshots'),
    options.beforeWrite?.(),
  ]);
  let chain = loaded;
  const tombstoned = new Set(tombstoneNames);
  const orphans = stored.filter(
    (name) => !chain.added.has(name) && !chain.forgotten.has(name) && !tombstoned.has(name),
  );
  // The first entry of a repository older than the chain also records the forgets its tombstones tell of, so a
  // forgotten snapshot put back later (with its tombstone deleted) is not taken for a live one.
  if (chain.entries.size === 0 && tombstoned.size > 0) {
    const { valid } = await readTombstones(repo);
    if (valid.size > 0) chain = await appendChainEntry(repo, chain, 'forget', [...valid], { now: now() });
  }
  if (orphans.length > 0) chain = await appendChainEntry(repo, chain, 'adopt', orphans, { now: now() });
  const record: Snapshot = { ...snapshot, chain: chain.heads };
  const id = await repo.saveObject('snapshots', Buffer.from(JSON.stringify(record)));
  await appendChainEntry(repo, chain, 'snapshot', [id], { now: now() });
  repo.clientRecord?.rememberSnapshots([id]);
  return id;
}

/**
 * Forgets snapshots: a chain entry records it, then each is removed and, once removed, gets a tombstone (so a
 * forgotten snapshot present with its tombstone was put back, while one present without was left by an interrupted
 * forget). A snapshot the store refuses to remove (the identity may not delete) stays, forgotten — listings never
 * use it, and `prune` run with the right to delete removes it; such snapshots are returned with why.
 */
export async function forgetSnapshots(
  repo: Repository,
  ids: readonly string[],
  options: { clock?: Clock } = {},
): Promise<{ id: string; error: string }[]> {
  if (ids.length === 0) return [];
  const now = (options.clock ?? systemClock).now();
  await appendChainEntry(repo, await loadChain(repo), 'forget', ids, { now });
  const kept: { id: string; error: string }[] = [];
  await forEachConcurrently(ids, 8, async (id) => {
    try {
      await repo.backend.remove('snapshots', id);
    } catch (e) {
      if (!(e instanceof StepvaultError) || e.retryable) throw e;
      kept.push({ id, error: e.message });
      return;
    }
    await writeTombstone(repo, id, now);
  });
  return kept;
}

/** Removes snapshots that are forgotten but still present (`SnapshotListing.forgotten`), each with its tombstone. */
export async function removeForgotten(
  repo: Repository,
  ids: readonly string[],
  now: Date = new Date(),
): Promise<void> {
  await forEachConcurrently(ids, 8, async (id) => {
    await repo.backend.remove('snapshots', id);
    await writeTombstone(repo, id, now);
  });
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
  if (
    v.chain !== undefined &&
    !(Array.isArray(v.chain) && v.chain.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h)))
  )
    throw fail('bad chain');
  return { ...(v as unknown as Snapshot), id };
}

export interface SnapshotListing {
  /** Snapshots in storage that are readable and not forgotten, newest first: the ones commands use. */
  snapshots: StoredSnapshot[];
  /** Snapshot files that could not be read, with why. */
  unreadable: { id: string; error: StepvaultError }[];
  /**
   * Snapshots in storage although forgotten (by a chain entry or a tombstone): left by an interrupted `forget`, or
   * put back by someone. Never used; `forget` and `prune` remove them.
   */
  forgotten: string[];
  /** What the snapshot chain, the tombstones and this client's record say: errors are tampering or a rollback. */
  findings: ChainFinding[];
  chain: ChainState;
}

/**
 * Loads every snapshot, newest first, and checks the set against the snapshot chain, the tombstones and what this
 * client saw before (`repo.clientRecord`, which then remembers what it saw: it only grows, so nothing it remembers
 * stops being evidence). Unreadable snapshots are reported, not fatal. A listing that runs while a backup or a
 * forget writes can see the snapshots and the chain at different moments: what looks wrong is read again (twice at
 * most), and only what is still wrong is reported.
 */
export async function listSnapshots(repo: Repository): Promise<SnapshotListing> {
  let listing = await readListing(repo);
  for (let again = 0; again < 2 && listing.findings.some((f) => f.severity === 'error'); again++) {
    const next = await readListing(repo);
    const still = new Set(next.findings.map((f) => `${f.object} ${f.message}`));
    listing = {
      ...next,
      findings: next.findings.filter((f) => f.severity === 'note' || still.has(`${f.object} ${f.message}`)),
    };
  }
  if (listing.findings.some((f) => f.severity === 'error')) repo.onFindings?.(listing.findings);
  repo.clientRecord?.rememberSnapshots(listing.present);
  repo.clientRecord?.rememberEntries(listing.chain.entries.keys());
  const { present: _, ...result } = listing;
  return result;
}

async function objectNames(repo: Repository, type: 'tombstones' | 'snapshots'): Promise<string[]> {
  const names: string[] = [];
  for await (const info of repo.backend.list(type)) names.push(info.name);
  return names;
}

async function readListing(repo: Repository): Promise<SnapshotListing & { present: string[] }> {
  const [ids, chain, tombstones] = await Promise.all([
    objectNames(repo, 'snapshots'),
    loadChain(repo),
    readTombstones(repo),
  ]);
  const snapshots: StoredSnapshot[] = [];
  const unreadable: SnapshotListing['unreadable'] = [];
  const isForgotten = (id: string) => chain.forgotten.has(id) || tombstones.valid.has(id);
  const forgotten = ids.filter(isForgotten);
  await forEachConcurrently(
    ids.filter((id) => !isForgotten(id)),
    16,
    async (id) => {
      try {
        snapshots.push(await loadSnapshot(repo, id));
      } catch (e) {
        if (e instanceof StepvaultError && (e.code === 'corrupt' || e.code === 'not-found'))
          unreadable.push({ id, error: e });
        else throw e;
      }
    },
  );
  snapshots.sort(newestFirst);
  const record = repo.clientRecord;
  const findings: ChainFinding[] = [
    ...tombstones.invalid.map((name) => ({
      object: `tombstones/${name}`,
      message: 'is not a valid tombstone (modified or forged)',
      severity: 'error' as const,
    })),
    // A snapshot that cannot be read is never used: "latest" then means an older one, which is worth saying.
    ...unreadable.map((u) => ({
      object: `snapshot ${u.id}`,
      message: `cannot be read: ${u.error.message}`,
      severity: 'error' as const,
    })),
    ...verifyChain({
      state: chain,
      present: new Set(ids),
      tombstoned: tombstones.valid,
      snapshotHeads: new Map(snapshots.map((s) => [s.id, s.chain ?? []])),
      ...(record ? { remembered: { entries: record.entries(), snapshots: record.snapshots() } } : {}),
    }),
  ];
  return { snapshots, unreadable, forgotten, findings, chain, present: ids };
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
