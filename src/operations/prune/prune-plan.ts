// Deciding what prune does: which blobs are still used (reachable from any snapshot), which copy of a duplicate
// blob to keep, and per pack whether to keep it, delete it, or repack its used blobs — repacking the packs with
// the most unused space first until the unused space left is within the limit.

import { parseSize } from '../../common/bytes.ts';
import { StepvaultError } from '../../common/errors.ts';
import type { IndexedPack } from '../../repository/index/index-format.ts';
import type { MasterIndex } from '../../repository/index/master-index.ts';

export type UnusedLimit =
  | { kind: 'percent'; value: number }
  | { kind: 'bytes'; value: number }
  | { kind: 'unlimited' };

export function parseUnusedLimit(text: string): UnusedLimit {
  if (text === 'unlimited') return { kind: 'unlimited' };
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent) {
    const value = Number(percent[1]);
    if (value > 100) throw new StepvaultError('usage', `--max-unused ${text} is more than 100%`);
    return { kind: 'percent', value };
  }
  try {
    return { kind: 'bytes', value: parseSize(text) };
  } catch {
    throw new StepvaultError('usage', `invalid --max-unused "${text}"`, {
      hint: 'give a percentage (5%), a size (1GiB) or "unlimited"',
    });
  }
}

export interface PackDecision {
  pack: IndexedPack;
  /** Blob positions in the pack whose copy is the one kept. */
  needed: number[];
  neededBytes: number;
}

export interface PrunePlan {
  keep: PackDecision[];
  repack: PackDecision[];
  remove: PackDecision[];
  totalBytes: number;
  unusedBytesAfter: number;
  blobsRemoved: number;
}

export function planPrune(index: MasterIndex, used: ReadonlySet<string>, limit: UnusedLimit): PrunePlan {
  const packs = [...index.packs()];
  // Bytes of used blobs in each pack, counting every copy: used to prefer, for a duplicated blob, the copy in
  // the pack that is kept anyway.
  const usedBytes = new Map<string, number>();
  for (const pack of packs) {
    let n = 0;
    for (const e of pack.entries) if (used.has(e.id.toString('hex'))) n += e.length;
    usedBytes.set(pack.name, n);
  }
  const chosen = new Map<string, string>(); // blob id -> pack name holding the kept copy
  for (const id of used) {
    const locations = index.locations(id);
    if (locations.length === 0) continue;
    const best = locations.reduce((a, b) =>
      usedBytes.get(b.pack.name)! / b.pack.size > usedBytes.get(a.pack.name)! / a.pack.size ? b : a,
    );
    chosen.set(id, best.pack.name);
  }
  const decisions: PackDecision[] = packs.map((pack) => {
    const needed: number[] = [];
    let neededBytes = 0;
    const seen = new Set<string>();
    pack.entries.forEach((e, position) => {
      const id = e.id.toString('hex');
      if (chosen.get(id) === pack.name && !seen.has(id)) {
        seen.add(id);
        needed.push(position);
        neededBytes += e.length;
      }
    });
    return { pack, needed, neededBytes };
  });
  const plan: PrunePlan = {
    keep: [],
    repack: [],
    remove: [],
    totalBytes: 0,
    unusedBytesAfter: 0,
    blobsRemoved: 0,
  };
  const partial: PackDecision[] = [];
  for (const d of decisions) {
    plan.totalBytes += d.pack.size;
    plan.blobsRemoved += d.pack.entries.length - d.needed.length;
    if (d.needed.length === 0) plan.remove.push(d);
    else if (d.needed.length === d.pack.entries.length) plan.keep.push(d);
    else partial.push(d);
  }
  const unused = (d: PackDecision) => d.pack.size - d.neededBytes;
  let unusedAfter = partial.reduce((sum, d) => sum + unused(d), 0);
  const keptBytes =
    plan.keep.reduce((s, d) => s + d.pack.size, 0) + partial.reduce((s, d) => s + d.pack.size, 0);
  const allowed =
    limit.kind === 'unlimited'
      ? Number.POSITIVE_INFINITY
      : limit.kind === 'bytes'
        ? limit.value
        : (keptBytes * limit.value) / 100;
  partial.sort((a, b) => unused(b) - unused(a));
  for (const d of partial) {
    if (unusedAfter > allowed) {
      plan.repack.push(d);
      unusedAfter -= unused(d);
    } else plan.keep.push(d);
  }
  plan.unusedBytesAfter = unusedAfter;
  return plan;
}
