// `repair index`: rebuilds the index from the packs themselves. Every pack's authenticated header is read; new
// index files listing all readable packs are written; only then are the old index files removed. Packs whose
// header cannot be read are reported (their blobs are lost; `check` names the files affected).

import { type Clock, systemClock } from '../../common/clock.ts';
import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import { readPackIndexEntry } from '../../repository/index/adopt-packs.ts';
import type { IndexedPack } from '../../repository/index/index-format.ts';
import { saveIndex } from '../../repository/index/index-store.ts';
import { RepositoryLock } from '../../repository/lock/lock.ts';
import type { Repository } from '../../repository/repository.ts';

export interface RepairIndexResult {
  packs: number;
  unreadable: { pack: string; error: string }[];
  indexFilesWritten: number;
  indexFilesRemoved: number;
}

const PACKS_PER_INDEX = 2000;

export async function repairIndex(deps: {
  repo: Repository;
  clock?: Clock;
  signal?: AbortSignal;
}): Promise<RepairIndexResult> {
  const { repo } = deps;
  const lock = await RepositoryLock.acquire(repo, {
    exclusive: true,
    purpose: 'repair index',
    clock: deps.clock ?? systemClock,
  });
  try {
    const oldFiles: string[] = [];
    for await (const info of repo.backend.list('index')) oldFiles.push(info.name);
    const stored: { name: string; size: number }[] = [];
    for await (const info of repo.backend.list('data')) stored.push(info);
    const packs: IndexedPack[] = [];
    const unreadable: RepairIndexResult['unreadable'] = [];
    await forEachConcurrently(stored, 8, async ({ name, size }) => {
      deps.signal?.throwIfAborted();
      try {
        packs.push(await readPackIndexEntry(repo, name, size));
      } catch (e) {
        if (!(e instanceof StepvaultError) || (e.code !== 'corrupt' && e.code !== 'not-found')) throw e;
        unreadable.push({ pack: name, error: e.message });
      }
    });
    packs.sort((a, b) => a.name.localeCompare(b.name));
    const written = new Set<string>();
    for (let i = 0; i < packs.length; i += PACKS_PER_INDEX) {
      written.add(await saveIndex(repo, packs.slice(i, i + PACKS_PER_INDEX)));
    }
    await lock.assertHeld();
    let removed = 0;
    for (const name of oldFiles) {
      if (written.has(name)) continue;
      await repo.backend.remove('index', name).catch(() => {});
      removed++;
    }
    return { packs: packs.length, unreadable, indexFilesWritten: written.size, indexFilesRemoved: removed };
  } finally {
    await lock.release();
  }
}
