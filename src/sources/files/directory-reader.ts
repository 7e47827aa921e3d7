// Reading directories for a backup, synchronously (readdirSync/lstatSync run 4x faster than their promise forms
// here, and the main thread does nothing else meanwhile): entries sorted by name, with bigint lstat, excludes
// applied, and per-entry errors reported instead of thrown.

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

export function readDirectory(
  dir: string,
  exclude: ExcludeFilter,
): { entries: DirectoryEntry[]; errors: EntryError[] } {
  const errors: EntryError[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    return {
      entries: [],
      errors: [{ path: dir, error: `cannot read directory: ${errnoCode(e) ?? String(e)}` }],
    };
  }
  names.sort(compareNames);
  const entries: DirectoryEntry[] = [];
  for (const name of names) {
    const path = joinPath(dir, name);
    if (!exclude.empty && exclude.excludes(path)) continue;
    if (name.includes('\uFFFD')) {
      errors.push({ path, error: 'the file name is not valid UTF-8; it was not backed up' });
      continue;
    }
    try {
      entries.push({ name, path, stat: fs.lstatSync(path, { bigint: true }) });
    } catch (e) {
      errors.push({ path, error: `cannot lstat: ${errnoCode(e) ?? String(e)}` });
    }
  }
  return { entries, errors };
}
