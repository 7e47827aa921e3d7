// Test support for rgw.ts: the daemons' processes — whether a pid is still one of a cluster's daemons (its
// command line names the cluster's ceph.conf, so a reused pid is never killed), killing them, their memory, and
// the two ways a test process takes its daemons with it: an exit handler, and a reaper (a detached shell holding
// a pipe from this process) for when this process dies of a signal and runs no exit handler.

import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type * as net from 'node:net';

/** How often readiness and exits are polled. */
export const POLL_MS = 100;

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `pid` is a running daemon of the cluster whose ceph.conf is `conf` (a reused pid is not ours). */
export function isAlive(pid: number, conf: string): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0').includes(conf) && !isGone(pid);
  } catch {
    return false;
  }
}

/** No such process, or one that has exited (a zombie, or being torn down). */
function isGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

export async function killAndWait(pids: number[], conf: string): Promise<void> {
  const ours = pids.filter((pid) => isAlive(pid, conf));
  for (const pid of ours) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  while (!ours.every(isGone)) await delay(POLL_MS);
}

/** A cluster whose daemons die with this process. */
export interface AttachedCluster {
  pids(): number[];
  dir: string;
}

const attached = new Set<AttachedCluster>();
let exitHandlerInstalled = false;

export function attachToThisProcess(cluster: AttachedCluster): void {
  attached.add(cluster);
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const { pids, dir } of attached) {
      for (const pid of pids()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
      // a daemon still dying may leave a file behind: the reaper removes the directory again
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {}
    }
  });
}

export function detachFromThisProcess(cluster: AttachedCluster): void {
  attached.delete(cluster);
}

/**
 * A detached shell that reads daemon pids from a pipe and, when the pipe closes without a final `done` (this
 * process died), kills those daemons and removes the directory.
 */
export function startReaper(dir: string, conf: string): ChildProcess {
  const script = [
    'pids=',
    'while read -r pid; do',
    '  [ "$pid" = done ] && exit 0',
    '  pids="$pids $pid"',
    'done',
    'for pid in $pids; do',
    '  grep -qF -- "$1" "/proc/$pid/cmdline" 2>/dev/null && kill -9 "$pid"',
    'done',
    'rm -rf -- "$2" 2>/dev/null || { sleep 1; rm -rf -- "$2"; }',
  ].join('\n');
  const reaper = spawn('sh', ['-c', script, 'rgw-reaper', conf, dir], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  reaper.unref();
  (reaper.stdin as unknown as net.Socket).unref();
  return reaper;
}

/** Resident memory of a process in bytes (0 once it is gone). */
export function residentBytes(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kib ? Number(kib) * 1024 : 0;
  } catch {
    return 0;
  }
}
