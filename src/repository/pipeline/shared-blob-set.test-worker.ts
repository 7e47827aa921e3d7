// Test helper thread: claims every ID it is given in a shared set and reports how many it won.
import { parentPort, workerData } from 'node:worker_threads';
import { SharedBlobSet } from './shared-blob-set.ts';

const set = new SharedBlobSet(workerData.buffer as SharedArrayBuffer);
const ids = workerData.ids as Uint8Array;
let won = 0;
for (let at = 0; at < ids.length; at += 32) if (set.claim(ids.subarray(at, at + 32)) === 'new') won++;
parentPort!.postMessage(won);
