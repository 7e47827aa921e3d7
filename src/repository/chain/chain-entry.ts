// An entry of the snapshot chain: a sealed, content-named object (`chain/<sha256>`) that records one event in a
// repository's history — snapshots added, snapshots forgotten, snapshots adopted (written before the chain
// existed, or by a backup interrupted between its snapshot and its entry) — and names the entries that were the
// chain's heads when it was written. Every entry thus fixes everything before it: removing or replacing an entry
// breaks the `prev` link of the next one, and removing the newest one moves the heads back, which clients that
// remember the heads they saw (and Object Lock, where the store has it) notice. Decoding treats bytes as hostile.

import { StepvaultError } from '../../common/errors.ts';

export type ChainEvent = 'snapshot' | 'forget' | 'adopt';

export interface ChainEntry {
  version: 1;
  /** One more than the highest `seq` among `prev` (0 for the first entry). */
  seq: number;
  /** The entries that were heads (referred to by no other entry) when this one was written; sorted. */
  prev: string[];
  time: string;
  host: string;
  event: ChainEvent;
  /** The snapshots the event is about (added, forgotten or adopted); sorted. */
  snapshots: string[];
}

export interface StoredChainEntry extends ChainEntry {
  /** The entry's object name: SHA-256 of its stored bytes. */
  name: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const EVENTS: readonly ChainEvent[] = ['snapshot', 'forget', 'adopt'];

export function encodeChainEntry(entry: ChainEntry): Buffer {
  const { version, seq, prev, time, host, event, snapshots } = entry;
  return Buffer.from(
    JSON.stringify({
      version,
      seq,
      prev: [...prev].sort(),
      time,
      host,
      event,
      snapshots: [...snapshots].sort(),
    }),
  );
}

export function decodeChainEntry(plain: Buffer, name: string): StoredChainEntry {
  const fail = (why: string) => new StepvaultError('corrupt', `chain/${name} is invalid: ${why}`);
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(plain.toString('utf8'));
  } catch {
    throw fail('not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail('not an object');
  if (v.version !== 1) throw fail('unknown version');
  if (!Number.isSafeInteger(v.seq) || (v.seq as number) < 0) throw fail('bad seq');
  const ids = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string' && HEX64.test(s));
  if (!ids(v.prev) || !ids(v.snapshots)) throw fail('bad prev or snapshots');
  if (typeof v.time !== 'string' || Number.isNaN(Date.parse(v.time))) throw fail('bad time');
  if (typeof v.host !== 'string') throw fail('bad host');
  if (!EVENTS.includes(v.event as ChainEvent)) throw fail('unknown event');
  if ((v.prev as string[]).length === 0 && v.seq !== 0)
    throw fail('an entry without predecessors must be the first');
  return {
    version: 1,
    seq: v.seq as number,
    prev: v.prev as string[],
    time: v.time,
    host: v.host,
    event: v.event as ChainEvent,
    snapshots: v.snapshots as string[],
    name,
  };
}
