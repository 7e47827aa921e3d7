// Test support: runs a CLI command and kills it with SIGKILL — after a delay, or the moment a file event in the
// repository matches (e.g. the first index file appears) — to test crash safety at precise points.

import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface KillOutcome {
  /** True if the process was killed; false if it exited by itself first. */
  killed: boolean;
  code: number | null;
  stderr: string;
}

function waitExit(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  child.stdout?.resume();
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

export async function killAfter(child: ChildProcess, ms: number): Promise<KillOutcome> {
  const exit = waitExit(child);
  let killed = false;
  const timer = setTimeout(() => {
    killed = child.kill('SIGKILL');
  }, ms);
  const { code, stderr } = await exit;
  clearTimeout(timer);
  return { killed: killed && code === null, code, stderr };
}

/**
 * Kills (or sends `signal` to) the child when `matches(relativePath, exists)` first returns true for a file event
 * under `repo`. `killed` then means that the child died of the signal, not that it handled it.
 */
export async function killWhen(
  child: ChildProcess,
  repo: string,
  matches: (rel: string, exists: boolean) => boolean,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<KillOutcome> {
  const exit = waitExit(child);
  let killed = false;
  const watcher = fs.watch(repo, { recursive: true }, (_event, file) => {
    if (killed || !file) return;
    const rel = String(file);
    if (matches(rel, fs.existsSync(path.join(repo, rel)))) killed = child.kill(signal);
  });
  const { code, stderr } = await exit;
  watcher.close();
  return { killed: killed && code === null, code, stderr };
}

/** A small seeded PRNG (mulberry32), so a failing run can be repeated. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
