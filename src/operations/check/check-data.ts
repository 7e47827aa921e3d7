// `check --read-data`: reads packs back and verifies them in the pack workers — the content hash against the
// name, the header against the index, and every blob (authentication, decompression, keyed ID). A subset can be
// checked: bucket n of t (a stable partition by pack ID), or a random percentage.

import { randomInt } from 'node:crypto';
import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import type { MasterIndex } from '../../repository/index/master-index.ts';
import { ENTRY_BYTES, writeEntry } from '../../repository/pack/pack-format.ts';
import type { PackJobResult } from '../../repository/pipeline/pack-job.ts';
import { PackPool } from '../../repository/pipeline/pack-pool.ts';
import type { Repository } from '../../repository/repository.ts';
import type { CheckIssue } from './check.ts';

export type DataSubset = { kind: 'bucket'; n: number; of: number } | { kind: 'percent'; percent: number };

/** Parses "n/t" (1 <= n <= t) or "x%" (0 < x <= 100). */
export function parseSubset(text: string): DataSubset {
  const bucket = /^(\d+)\/(\d+)$/.exec(text);
  if (bucket) {
    const n = Number(bucket[1]);
    const of = Number(bucket[2]);
    if (n >= 1 && of >= 1 && n <= of) return { kind: 'bucket', n, of };
  }
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent && Number(percent[1]) > 0 && Number(percent[1]) <= 100)
    return { kind: 'percent', percent: Number(percent[1]) };
  throw new StepvaultError('usage', `invalid --read-data-subset "${text}"`, {
    hint: 'give n/t (check bucket n of t, e.g. 2/5) or a percentage (e.g. 10%)',
  });
}

export function selectPacks(names: readonly string[], subset: DataSubset | undefined): string[] {
  if (!subset) return [...names];
  if (subset.kind === 'bucket')
    return names.filter((n) => Number.parseInt(n.slice(0, 8), 16) % subset.of === subset.n - 1);
  const want = Math.ceil((names.length * subset.percent) / 100);
  const pool = [...names];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, want);
}

export async function readData(
  repo: Repository,
  index: MasterIndex,
  stored: ReadonlyMap<string, number>,
  subset: DataSubset | undefined,
  deps: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
): Promise<{
  packs: number;
  bytes: number;
  packErrors: CheckIssue[];
  blobFailures: { id: string; error: string }[];
}> {
  const names = selectPacks(
    [...index.packs()].map((p) => p.name).filter((n) => stored.has(n)),
    subset,
  );
  const errors: CheckIssue[] = [];
  const blobFailures: { id: string; error: string }[] = [];
  let bytes = 0;
  let done = 0;
  // A whole pack in each worker's slot and no more: a pack is fetched while another is verified anyway, and
  // each slot is a pack's size (16 MiB) of memory.
  const pool = new PackPool(repo, { slotsPerWorker: 1 });
  try {
    await forEachConcurrently(names, pool.size * 2, async (name) => {
      deps.signal?.throwIfAborted();
      const pack = index.pack(name)!;
      let source: Awaited<ReturnType<PackPool['source']>>;
      try {
        source = await pool.source(name, 0, stored.get(name) ?? pack.size);
      } catch (e) {
        errors.push({ object: `pack ${name}`, message: e instanceof Error ? e.message : String(e) });
        return;
      }
      const entries = Buffer.allocUnsafe(pack.entries.length * ENTRY_BYTES);
      pack.entries.reduce((at, e) => writeEntry(entries, at, e), 0);
      let result: PackJobResult;
      try {
        result = await pool.run({ type: 'verify', pack: name, source, salt: pack.salt, entries });
      } finally {
        pool.release(source);
      }
      bytes += stored.get(name) ?? pack.size;
      for (const message of result.packErrors) errors.push({ object: `pack ${name}`, message });
      for (const f of result.failures) blobFailures.push({ id: f.id, error: f.error });
      deps.onProgress?.(++done, names.length);
    });
  } finally {
    await pool.close();
  }
  return { packs: names.length, bytes, packErrors: errors, blobFailures };
}
