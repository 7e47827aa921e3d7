// Resuming after an interrupted backup: packs that reached storage but no index file (the process died between
// the two) are adopted — their authenticated headers are read and indexed — so their blobs count for
// deduplication instead of being uploaded again.

import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import { openPackHeader, PACK_PREFIX_BYTES } from '../pack/pack-format.ts';
import type { Repository } from '../repository.ts';
import type { IndexedPack } from './index-format.ts';
import { saveIndex } from './index-store.ts';
import type { MasterIndex } from './master-index.ts';

/** Bytes read from a pack's end in one go: enough for the header of any pack of normal size. */
const TAIL_READ = 256 * 1024;

/** Reads just a pack's header (its first bytes and its tail) and returns it as an index entry. */
export async function readPackIndexEntry(repo: Repository, name: string, size: number): Promise<IndexedPack> {
  if (size < PACK_PREFIX_BYTES + 4)
    throw new StepvaultError('corrupt', `pack ${name} is corrupt: it is too short`);
  const guess = Math.min(size, TAIL_READ);
  let tail = await repo.backend.load('data', name, { offset: size - guess, length: guess });
  const need = tail.readUInt32LE(tail.length - 4) + 4;
  if (need > size)
    throw new StepvaultError('corrupt', `pack ${name} is corrupt: header length is out of range`);
  tail =
    need <= guess
      ? tail.subarray(guess - need)
      : await repo.backend.load('data', name, { offset: size - need, length: need });
  const prefix = await repo.backend.load('data', name, { offset: 0, length: PACK_PREFIX_BYTES });
  const { salt, entries } = openPackHeader(repo.keys.encryption, prefix, tail, size, name);
  return { name, salt, size, entries };
}

export interface AdoptResult {
  adopted: number;
  unreadable: string[];
}

export async function adoptUnindexedPacks(repo: Repository, index: MasterIndex): Promise<AdoptResult> {
  const orphans: { name: string; size: number }[] = [];
  for await (const info of repo.backend.list('data')) if (!index.pack(info.name)) orphans.push(info);
  const adopted: IndexedPack[] = [];
  const unreadable: string[] = [];
  await forEachConcurrently(orphans, 8, async ({ name, size }) => {
    try {
      adopted.push(await readPackIndexEntry(repo, name, size));
    } catch (e) {
      if (e instanceof StepvaultError && (e.code === 'corrupt' || e.code === 'not-found'))
        unreadable.push(name);
      else throw e;
    }
  });
  if (adopted.length > 0) {
    const file = await saveIndex(repo, adopted);
    for (const pack of adopted) index.addPack(pack, file);
  }
  return { adopted: adopted.length, unreadable };
}
