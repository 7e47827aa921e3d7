// Starts the scan thread (scan-worker.ts) and reads its running totals.

import * as path from 'node:path';
import { startWorker } from '../../common/start-worker.ts';
// Imported here so that the thread finds it compiled (common/start-worker.ts).
import './scan-worker.ts';

export interface ScanTotals {
  files: number;
  bytes: number;
  done: boolean;
}

export function startScan(paths: readonly string[], excludes: readonly string[], oneFileSystem: boolean) {
  const totals = new SharedArrayBuffer(3 * 8);
  const view = new Float64Array(totals);
  const worker = startWorker(new URL('./scan-worker.ts', import.meta.url), {
    workerData: { paths: paths.map((p) => path.resolve(p)), excludes: [...excludes], oneFileSystem, totals },
  });
  worker.unref();
  worker.on('error', () => {}); // totals are only an estimate
  return {
    totals: (): ScanTotals => ({ files: view[0]!, bytes: view[1]!, done: view[2] === 1 }),
    stop: () => void worker.terminate(),
  };
}
