// Reading and writing index files: loads every index into a MasterIndex, writes new ones.

import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import type { Repository } from '../repository.ts';
import { decodeIndex, encodeIndex, type IndexedPack } from './index-format.ts';
import { MasterIndex } from './master-index.ts';

export interface LoadIndexOptions {
  /** Called for an index file that cannot be read; without it, a bad index file is an error. */
  onCorrupt?: (name: string, error: StepvaultError) => void;
  concurrency?: number;
}

export async function loadMasterIndex(
  repo: Repository,
  options: LoadIndexOptions = {},
): Promise<MasterIndex> {
  const index = new MasterIndex();
  const names: string[] = [];
  for await (const info of repo.backend.list('index')) names.push(info.name);
  await forEachConcurrently(names, options.concurrency ?? 8, async (name) => {
    let packs: IndexedPack[];
    try {
      packs = decodeIndex(await repo.loadObject('index', name), `index/${name}`);
    } catch (e) {
      if (
        options.onCorrupt &&
        e instanceof StepvaultError &&
        (e.code === 'corrupt' || e.code === 'not-found')
      ) {
        options.onCorrupt(name, e);
        return;
      }
      throw e;
    }
    for (const pack of packs) index.addPack(pack, name);
  });
  return index;
}

export async function saveIndex(repo: Repository, packs: readonly IndexedPack[]): Promise<string> {
  return repo.saveObject('index', encodeIndex(packs));
}
