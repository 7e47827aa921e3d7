// Resuming after an interrupted backup: packs that reached storage but no index file (the process died between
// the two) are adopted — their authenticated headers are read and indexed — so their blobs count for
// deduplication instead of being uploaded again.

import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import { openPackHeader, PACK_PREFIX_BYTES } from '../pack/pack-format.ts';
import type { Repository } from '../repository.ts';
import type { IndexedPack } from './index-format.ts';
import { loadMasterIndex, saveIndex } from './index-store.ts';
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

/**
 * For reading despite a damaged index: loads what index files can be read, then reads the headers of packs no
 * index lists — left by a deleted or unreadable index file, or by an interrupted backup — without writing
 * anything. Returns the problems met, for the caller to report.
 */
export async function loadIndexForReading(
  repo: Repository,
): Promise<{ index: MasterIndex; problems: string[] }> {
  const problems: string[] = [];
  const index = await loadMasterIndex(repo, {
    onCorrupt: (name, e) => problems.push(`index ${name}: ${e.message}`),
  });
  const orphans: { name: string; size: number }[] = [];
  for await (const info of repo.backend.list('data')) if (!index.pack(info.name)) orphans.push(info);
  let recovered = 0;
  await forEachConcurrently(orphans, 8, async ({ name, size }) => {
    try {
      index.addPack(await readPackIndexEntry(repo, name, size));
      recovered++;
    } catch (e) {
      problems.push(`pack ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  if (recovered > 0) {
    problems.push(
      `${recovered} packs are in no index (an interrupted backup, or a damaged or deleted index file): their headers were read instead (\`stepvault repair index\` indexes them for good)`,
    );
  }
  return { index, problems };
}
