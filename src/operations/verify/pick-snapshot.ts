// Choosing what a restore test checks: the snapshot (the latest, a random one within a window, or a given ID,
// among those matching host/tag/path filters) and, optionally, a random sample of its files (a percentage, a
// byte budget, or both). Randomness is injected, and `seededRandom` makes a pick repeatable.

import { createHash, randomBytes } from 'node:crypto';
import { StepvaultError } from '../../common/errors.ts';
import { type CalendarDuration, subtractDuration } from '../../domain/duration.ts';
import {
  matchesFilter,
  newestFirst,
  type SnapshotFilter,
  type StoredSnapshot,
} from '../../domain/snapshot.ts';
import { resolveSnapshot } from '../../repository/snapshot/snapshot-store.ts';

export interface SnapshotChoice extends SnapshotFilter {
  /** "latest", "random", or a snapshot ID (prefix). @default "latest" */
  snapshot?: string;
  /** With "latest" or "random": only snapshots taken within this long before now (as `forget --keep-within`). */
  within?: CalendarDuration;
}

/** A uniform number in [0, 1). */
export type Random = () => number;

/** Numbers that depend only on the seed: SHA-256 of the seed and a counter. */
export function seededRandom(seed: string): Random {
  let counter = 0;
  return () => {
    const digest = createHash('sha256').update(seed).update(String(counter++)).digest();
    return digest.readUInt32BE(0) / 0x1_0000_0000;
  };
}

export function unseededRandom(): Random {
  return seededRandom(randomBytes(16).toString('hex'));
}

export function pickSnapshot(
  snapshots: readonly StoredSnapshot[],
  choice: SnapshotChoice,
  now: Date,
  random: Random,
): { snapshot: StoredSnapshot; candidates: number } {
  const ref = choice.snapshot ?? 'latest';
  if (ref !== 'latest' && ref !== 'random')
    return { snapshot: resolveSnapshot(snapshots, ref), candidates: 1 };
  const since = choice.within ? subtractDuration(now, choice.within).getTime() : undefined;
  const candidates = snapshots
    .filter((s) => matchesFilter(s, choice) && (since === undefined || Date.parse(s.time) >= since))
    .sort(newestFirst);
  if (candidates.length === 0) {
    throw new StepvaultError('not-found', 'no snapshot matches', {
      hint: 'list them with `stepvault snapshots`; --within, --host, --tag and --path narrow the choice',
    });
  }
  const snapshot = ref === 'latest' ? candidates[0]! : candidates[Math.floor(random() * candidates.length)]!;
  return { snapshot, candidates: candidates.length };
}

export interface SampleChoice {
  /** Share of the files, in percent (0 < p <= 100). */
  percent?: number;
  /** At most this many bytes of file content. */
  maxBytes?: number;
}

/** A random sample of files: shuffled, then taken while the count and the byte budget allow. */
export function sampleFiles<T extends { size: number }>(
  files: readonly T[],
  sample: SampleChoice,
  random: Random,
): T[] {
  const order = [...files];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const want = sample.percent !== undefined ? Math.ceil((files.length * sample.percent) / 100) : files.length;
  const chosen: T[] = [];
  let bytes = 0;
  for (const file of order) {
    if (chosen.length >= want) break;
    if (sample.maxBytes !== undefined && bytes + file.size > sample.maxBytes) continue;
    chosen.push(file);
    bytes += file.size;
  }
  return chosen;
}
