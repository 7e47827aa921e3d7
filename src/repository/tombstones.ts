// Tombstones: `forget` leaves an authenticated tombstone (tombstones/<snapshot id>) for every snapshot it removes,
// beside the chain entry that records the removal, so a snapshot that is gone with neither was removed behind
// stepvault's back. Repositories made before the snapshot chain have only these.

import * as os from 'node:os';
import { forEachConcurrently } from '../common/concurrency.ts';
import { StepvaultError } from '../common/errors.ts';
import type { Repository } from './repository.ts';

export interface Tombstone {
  snapshot: string;
  time: string;
  host: string;
}

export async function writeTombstone(repo: Repository, snapshot: string, now: Date): Promise<void> {
  const tombstone: Tombstone = { snapshot, time: now.toISOString(), host: os.hostname() };
  try {
    await repo.backend.save(
      'tombstones',
      snapshot,
      repo.sealTombstone(Buffer.from(JSON.stringify(tombstone))),
    );
  } catch (e) {
    if (!(e instanceof StepvaultError && e.code === 'already-exists')) throw e;
  }
}

/** Snapshot IDs with a valid tombstone (one that opens and names the snapshot it is filed under). */
export async function readTombstones(repo: Repository): Promise<{ valid: Set<string>; invalid: string[] }> {
  const names: string[] = [];
  for await (const info of repo.backend.list('tombstones')) names.push(info.name);
  const valid = new Set<string>();
  const invalid: string[] = [];
  await forEachConcurrently(names, 16, async (name) => {
    let tombstone: Tombstone;
    try {
      tombstone = JSON.parse(
        repo.openObject('tombstones', name, await repo.backend.load('tombstones', name)).toString(),
      );
    } catch (e) {
      if (e instanceof StepvaultError && e.code !== 'corrupt' && e.code !== 'not-found') throw e;
      invalid.push(name);
      return;
    }
    if (tombstone?.snapshot === name) valid.add(name);
    else invalid.push(name);
  });
  return { valid, invalid };
}
