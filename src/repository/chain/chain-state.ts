// The snapshot chain as a whole: every entry read (content-named and sealed, so a damaged or swapped one shows),
// its heads (entries no other one names as `prev`), and which snapshots it says were added and forgotten.
// Reading the chain is what every snapshot listing does, so what it finds missing or broken is known everywhere.

import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import type { Repository } from '../repository.ts';
import { decodeChainEntry, type StoredChainEntry } from './chain-entry.ts';

export interface ChainState {
  entries: ReadonlyMap<string, StoredChainEntry>;
  /** Names of the entries no other entry refers to, sorted: the `prev` of the next entry. */
  heads: string[];
  /** The `seq` the next entry gets. */
  nextSeq: number;
  /** Snapshot ID → the entries that added (or adopted) it. */
  added: ReadonlyMap<string, StoredChainEntry[]>;
  /** Snapshot ID → the entry that forgot it. */
  forgotten: ReadonlyMap<string, StoredChainEntry>;
  /** Entries that could not be read or decoded. */
  unreadable: { name: string; error: string }[];
  /** `prev` links to entries that are not there. */
  dangling: { entry: string; missing: string }[];
}

export async function loadChain(repo: Repository): Promise<ChainState> {
  const names: string[] = [];
  for await (const info of repo.backend.list('chain')) names.push(info.name);
  const entries: StoredChainEntry[] = [];
  const unreadable: ChainState['unreadable'] = [];
  await forEachConcurrently(names, 16, async (name) => {
    try {
      entries.push(decodeChainEntry(await repo.loadObject('chain', name), name));
    } catch (e) {
      if (e instanceof StepvaultError && (e.code === 'corrupt' || e.code === 'not-found')) {
        unreadable.push({ name, error: e.message });
      } else throw e;
    }
  });
  return chainState(entries, unreadable);
}

/** Derives the state from entries (pure; also used by tests and after an append). */
export function chainState(
  list: readonly StoredChainEntry[],
  unreadable: ChainState['unreadable'] = [],
): ChainState {
  const entries = new Map(list.map((e) => [e.name, e]));
  const referred = new Set<string>();
  const dangling: ChainState['dangling'] = [];
  const added = new Map<string, StoredChainEntry[]>();
  const forgotten = new Map<string, StoredChainEntry>();
  let nextSeq = 0;
  const unreadableNames = new Set(unreadable.map((u) => u.name));
  for (const entry of entries.values()) {
    nextSeq = Math.max(nextSeq, entry.seq + 1);
    for (const prev of entry.prev) {
      referred.add(prev);
      if (!entries.has(prev) && !unreadableNames.has(prev))
        dangling.push({ entry: entry.name, missing: prev });
    }
    for (const id of entry.snapshots) {
      if (entry.event === 'forget') {
        const earlier = forgotten.get(id);
        if (!earlier || earlier.seq > entry.seq) forgotten.set(id, entry);
      } else added.set(id, [...(added.get(id) ?? []), entry]);
    }
  }
  const heads = [...entries.keys()].filter((name) => !referred.has(name)).sort();
  return { entries, heads, nextSeq, added, forgotten, unreadable, dangling };
}
