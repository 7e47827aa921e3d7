// Detecting deleted or rolled-back snapshots. Each client remembers, in its cache directory, the snapshot IDs it
// has seen in a repository; `forget` leaves an authenticated tombstone (tombstones/<snapshot id>) for every
// snapshot it removes. A snapshot that was seen, is gone, and has no valid tombstone was removed behind
// stepvault's back — or the storage was rolled back to an older state.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StepvaultError } from '../common/errors.ts';
import type { Repository } from './repository.ts';

export interface Tombstone {
  snapshot: string;
  time: string;
  host: string;
}

export class KnownSnapshots {
  readonly #file: string | undefined;

  /** `cacheDir` undefined disables the record (e.g. --no-cache). */
  constructor(cacheDir: string | undefined, repositoryId: string) {
    this.#file = cacheDir ? path.join(cacheDir, repositoryId, 'known-snapshots') : undefined;
  }

  read(): Set<string> {
    if (!this.#file) return new Set();
    try {
      return new Set(
        fs
          .readFileSync(this.#file, 'utf8')
          .split('\n')
          .filter((l) => /^[0-9a-f]{64}$/.test(l)),
      );
    } catch {
      return new Set();
    }
  }

  /** Adds IDs to the record (best effort: a read-only cache only weakens detection). */
  remember(ids: Iterable<string>): void {
    if (!this.#file) return;
    const known = this.read();
    const fresh = [...ids].filter((id) => !known.has(id));
    if (fresh.length === 0) return;
    try {
      fs.mkdirSync(path.dirname(this.#file), { recursive: true, mode: 0o700 });
      fs.appendFileSync(this.#file, `${fresh.join('\n')}\n`, { mode: 0o600 });
    } catch {
      // ignored: see above
    }
  }
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
  const valid = new Set<string>();
  const invalid: string[] = [];
  for await (const info of repo.backend.list('tombstones')) {
    try {
      const t = JSON.parse(
        repo.openObject('tombstones', info.name, await repo.backend.load('tombstones', info.name)).toString(),
      ) as Tombstone;
      if (t.snapshot === info.name) valid.add(info.name);
      else invalid.push(info.name);
    } catch {
      invalid.push(info.name);
    }
  }
  return { valid, invalid };
}
