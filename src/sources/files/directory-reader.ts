// Reading directories for a backup, synchronously (readdirSync/lstatSync run 4x faster than their promise forms
// here, and the main thread does nothing else meanwhile). A listing is just the sorted names (excludes applied);
// each entry is stat'ed only when it is about to be backed up, so a huge directory never holds every entry's
// stat at once. Problems are reported per entry instead of thrown.

import * as fs from 'node:fs';
import { errnoCode } from '../../common/errors.ts';
import { compareNames } from '../../domain/tree-name-order.ts';
import type { ExcludeFilter } from './exclude-filter.ts';

export interface DirectoryEntry {
  name: string;
  path: string;
  stat: fs.BigIntStats;
}

export interface EntryError {
  path: string;
  error: string;
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** The names in a directory, sorted as trees store them, minus excluded ones and names that cannot be stored. */
export function listDirectory(
  dir: string,
  exclude: ExcludeFilter,
): { names: string[]; errors: EntryError[] } {
  let all: string[];
  try {
    all = fs.readdirSync(dir);
  } catch (e) {
    return {
      names: [],
      errors: [{ path: dir, error: `cannot read directory: ${errnoCode(e) ?? String(e)}` }],
    };
  }
  all.sort(compareNames);
  const names: string[] = [];
  const errors: EntryError[] = [];
  let raw: Set<string> | undefined;
  for (const name of all) {
    const path = joinPath(dir, name);
    if (!exclude.empty && exclude.excludes(path)) continue;
    // Node decodes names as UTF-8 and turns invalid bytes into U+FFFD, which a name may also contain for real:
    // only the raw bytes tell the two apart.
    if (name.includes('\uFFFD')) {
      raw ??= rawNames(dir);
      if (!raw.has(Buffer.from(name, 'utf8').toString('hex'))) {
        errors.push({ path, error: 'the file name is not valid UTF-8; it was not backed up' });
        continue;
      }
    }
    names.push(name);
  }
  return { names, errors };
}

function rawNames(dir: string): Set<string> {
  try {
    return new Set(fs.readdirSync(dir, { encoding: 'buffer' }).map((b) => b.toString('hex')));
  } catch {
    return new Set();
  }
}

/** Stats an entry (without following symlinks), or says why it cannot be. */
export function statEntry(dir: string, name: string): DirectoryEntry | EntryError {
  const path = joinPath(dir, name);
  try {
    return { name, path, stat: fs.lstatSync(path, { bigint: true }) };
  } catch (e) {
    return {
      path,
      error:
        errnoCode(e) === 'ENOENT'
          ? 'vanished before it could be read'
          : `cannot lstat: ${errnoCode(e) ?? String(e)}`,
    };
  }
}
