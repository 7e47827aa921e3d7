// Warms the page cache for files a backup is about to read (runs in its own thread). Reading many small files
// from a cold cache is bound by the disk's latency, and the pipeline's workers read with blocking calls; this
// thread reads the files queued a little ahead of them, so their reads find the data in memory. It holds no
// data: bytes go to a scratch buffer and are dropped.

import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';

const FLAGS =
  fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | (fs.constants.O_NOATIME ?? 0);
let scratch!: Buffer;

function warm(path: string): void {
  let fd: number;
  try {
    fd = fs.openSync(path, FLAGS);
  } catch {
    try {
      fd = fs.openSync(path, FLAGS & ~(fs.constants.O_NOATIME ?? 0));
    } catch {
      return; // the backup itself will report it
    }
  }
  try {
    while (fs.readSync(fd, scratch, 0, scratch.length, null) === scratch.length);
  } catch {
    // likewise
  } finally {
    fs.closeSync(fd);
  }
}

/** Runs in the worker thread (importing this module has no effects: common/start-worker.ts). */
export function start(): void {
  scratch = Buffer.allocUnsafeSlow(1 << 20);
  parentPort!.on('message', (paths: string[]) => {
    for (const path of paths) warm(path);
  });
}
