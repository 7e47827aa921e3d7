// Writing entries of the snapshot chain. An entry names the heads its writer saw, so concurrent writers make the
// chain fork for a while; the next writer names every head and joins them again.

import * as os from 'node:os';
import type { Repository } from '../repository.ts';
import { type ChainEvent, encodeChainEntry, type StoredChainEntry } from './chain-entry.ts';
import { type ChainState, chainState } from './chain-state.ts';

export interface AppendOptions {
  now: Date;
  host?: string;
}

/** Writes one entry after `state`'s heads; returns the state with it (its only head). */
export async function appendChainEntry(
  repo: Repository,
  state: ChainState,
  event: ChainEvent,
  snapshots: readonly string[],
  options: AppendOptions,
): Promise<ChainState> {
  const entry = {
    version: 1 as const,
    seq: state.nextSeq,
    prev: [...state.heads],
    time: options.now.toISOString(),
    host: options.host ?? os.hostname(),
    event,
    snapshots: [...snapshots].sort(),
  };
  const name = await repo.saveObject('chain', encodeChainEntry(entry));
  const stored: StoredChainEntry = { ...entry, prev: [...entry.prev].sort(), name };
  const next = chainState([...state.entries.values(), stored], state.unreadable);
  repo.clientRecord?.rememberEntries([name]);
  return next;
}
