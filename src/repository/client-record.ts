// What this client remembers of a repository, in its cache directory: the snapshot IDs and the snapshot chain's
// entries it has seen. Both records only grow (chain entries are never removed, and a snapshot that is gone must have
// been forgotten), so what they remember stays evidence however the repository changes later. A snapshot or an
// entry that was seen and is gone means the repository was tampered with or rolled back — something the repository
// alone cannot show when its newest state is what was removed. A cache that cannot be written switches that
// detection off, so it is said (once per record), never ignored.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoCode } from '../common/errors.ts';

const HEX64 = /^[0-9a-f]{64}$/;

export class ClientRecord {
  readonly #dir: string;
  readonly #onWarning: (message: string) => void;
  #warned = false;

  /** `onWarning` is told, once, when the record cannot be kept. */
  constructor(cacheDir: string, repositoryId: string, onWarning: (message: string) => void) {
    this.#dir = path.join(cacheDir, repositoryId);
    this.#onWarning = onWarning;
  }

  #read(file: string): string[] {
    try {
      return fs
        .readFileSync(path.join(this.#dir, file), 'utf8')
        .split('\n')
        .filter((l) => HEX64.test(l));
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') this.#warn(errnoCode(e) ?? String(e));
      return [];
    }
  }

  #warn(why: string): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#onWarning(
      `this client's record of the repository cannot be kept in ${this.#dir} (${why}): snapshots deleted from the repository or a rollback of it will not be noticed (make the cache directory writable, or choose another with --cache-dir)`,
    );
  }

  #append(file: string, lines: readonly string[]): void {
    try {
      fs.mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
      fs.appendFileSync(path.join(this.#dir, file), lines.map((l) => `${l}\n`).join(''), { mode: 0o600 });
    } catch (e) {
      this.#warn(errnoCode(e) ?? String(e));
    }
  }

  snapshots(): Set<string> {
    return new Set(this.#read('known-snapshots'));
  }

  rememberSnapshots(ids: Iterable<string>): void {
    this.#remember('known-snapshots', this.snapshots(), ids);
  }

  /** The names of the chain entries this client has seen. */
  entries(): Set<string> {
    return new Set(this.#read('chain-entries'));
  }

  rememberEntries(names: Iterable<string>): void {
    this.#remember('chain-entries', this.entries(), names);
  }

  #remember(file: string, known: Set<string>, names: Iterable<string>): void {
    const fresh = [...new Set(names)].filter((n) => !known.has(n));
    if (fresh.length > 0) this.#append(file, fresh);
  }
}
