// Counts the files and bytes a backup will see, in its own thread, so progress can show a percentage and an
// ETA without slowing the backup's main thread. Publishes running totals through a shared Float64Array:
// [files, bytes, done (1 when finished)].

import * as fs from 'node:fs';
import { workerData } from 'node:worker_threads';
import { joinPath } from './directory-reader.ts';
import { ExcludeFilter } from './exclude-filter.ts';

interface ScanSettings {
  paths: string[];
  excludes: string[];
  oneFileSystem: boolean;
  totals: SharedArrayBuffer;
}

/** Runs in the worker thread (importing this module has no effects: common/start-worker.ts). */
export function start(): void {
  const settings = workerData as ScanSettings;
  const out = new Float64Array(settings.totals);
  for (const path of settings.paths)
    visit(settings, out, new ExcludeFilter(settings.excludes), path, undefined);
  out[2] = 1;
}

function visit(
  settings: ScanSettings,
  out: Float64Array,
  exclude: ExcludeFilter,
  path: string,
  device: bigint | undefined,
): void {
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
  if (!st.isDirectory() || (settings.oneFileSystem && device !== undefined && st.dev !== device)) return;
  let names: string[];
  try {
    names = fs.readdirSync(path);
  } catch {
    return;
  }
  for (const name of names) {
    const child = joinPath(path, name);
    if (exclude.empty || !exclude.excludes(child)) visit(settings, out, exclude, child, device ?? st.dev);
  }
}
