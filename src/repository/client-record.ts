// What this client remembers of a repository, in its cache directory: the snapshot IDs it has seen and the heads of
// the snapshot chain it last saw. A snapshot that was seen and is gone without being forgotten, or a head that is
// gone, means the repository was tampered with or rolled back — something the repository alone cannot show when
// its newest state is what was removed. A cache that cannot be written switches that detection off, so it is said
// (once per record), never ignored.

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

  #write(file: string, lines: readonly string[], append: boolean): void {
    try {
      fs.mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
      const full = path.join(this.#dir, file);
      if (append) fs.appendFileSync(full, lines.map((l) => `${l}\n`).join(''), { mode: 0o600 });
      else {
        const temp = `${full}.${process.pid}.tmp`;
        fs.writeFileSync(temp, lines.map((l) => `${l}\n`).join(''), { mode: 0o600 });
        fs.renameSync(temp, full);
      }
    } catch (e) {
      this.#warn(errnoCode(e) ?? String(e));
    }
  }

  snapshots(): Set<string> {
    return new Set(this.#read('known-snapshots'));
  }

  rememberSnapshots(ids: Iterable<string>): void {
    const known = this.snapshots();
    const fresh = [...new Set(ids)].filter((id) => !known.has(id));
    if (fresh.length > 0) this.#write('known-snapshots', fresh, true);
  }

  /** The chain heads seen last (every entry before them is fixed by them). */
  heads(): string[] {
    return this.#read('chain-heads');
  }

  rememberHeads(heads: readonly string[]): void {
    if (heads.length > 0) this.#write('chain-heads', [...heads].sort(), false);
  }
}
