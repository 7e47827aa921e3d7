// Counts the files and bytes a backup will see, in its own thread, so progress can show a percentage and an
// ETA without slowing the backup's main thread. Publishes running totals through a shared Float64Array:
// [files, bytes, done (1 when finished)].

import * as fs from 'node:fs';
import { workerData } from 'node:worker_threads';
import { joinPath } from './directory-reader.ts';
import { ExcludeFilter } from './exclude-filter.ts';

const { paths, excludes, oneFileSystem, totals } = workerData as {
  paths: string[];
  excludes: string[];
  oneFileSystem: boolean;
  totals: SharedArrayBuffer;
};
const out = new Float64Array(totals);
const exclude = new ExcludeFilter(excludes);

function visit(path: string, device: bigint | undefined): void {
  let st: fs.BigIntStats;
  try {
    st = fs.lstatSync(path, { bigint: true });
  } catch {
    return;
  }
  if (st.isFile()) {
    out[0]! += 1;
    out[1]! += Number(st.size);
    return;
  }
  if (!st.isDirectory() || (oneFileSystem && device !== undefined && st.dev !== device)) return;
  let names: string[];
  try {
    names = fs.readdirSync(path);
  } catch {
    return;
  }
  for (const name of names) {
    const child = joinPath(path, name);
    if (exclude.empty || !exclude.excludes(child)) visit(child, device ?? st.dev);
  }
}

for (const path of paths) visit(path, undefined);
out[2] = 1;
