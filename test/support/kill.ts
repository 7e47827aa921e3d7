// Test support: runs a CLI command and kills it with SIGKILL the moment its own progress, as file events in the
// repository show it, reaches a chosen point (e.g. the first index file appears, the n-th object is written or
// removed, the packs it stored add up to so many bytes), to test crash safety at points that do not depend on
// how fast the machine is.

import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface KillOutcome {
  /** True if the process was killed; false if it exited by itself first. */
  killed: boolean;
  code: number | null;
  stderr: string;
  /** The lock files (paths relative to the repository) that the run wrote while it was watched. */
  locks: string[];
}

/** Decides from one file event under the repository (path relative to it, whether it exists now) to kill. */
export type KillPoint = (rel: string, exists: boolean) => boolean;

function waitExit(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  child.stdout?.resume();
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

/**
 * Kills (or sends `signal` to) the child when `matches(relativePath, exists)` first returns true for a file event
 * under `repo`. `killed` then means that the child died of the signal, not that it handled it.
 */
export async function killWhen(
  child: ChildProcess,
  repo: string,
  matches: KillPoint,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<KillOutcome> {
  const exit = waitExit(child);
  let killed = false;
  const locks = new Set<string>();
  const watcher = fs.watch(repo, { recursive: true }, (_event, file) => {
    if (!file) return;
    const rel = String(file);
    if (/^locks\/[^/]+$/.test(rel)) locks.add(rel);
    if (!killed && matches(rel, fs.existsSync(path.join(repo, rel)))) killed = child.kill(signal);
  });
  const { code, stderr } = await exit;
  watcher.close();
  return { killed: killed && code === null, code, stderr, locks: [...locks] };
}

/** A file the repository holds or stages: an object, a lock, a temporary file (not a directory). */
const OBJECT_PATH =
  /^(?:(?:tmp|locks|index|snapshots|tombstones|keys|chain)\/[^/]+|data\/[0-9a-f]{2}\/[^/]+)$/;

/**
 * A kill point at the `n`-th distinct file (object, lock or temporary file) that a run creates or removes: the
 * run's own progress. Paths are counted, not events: the kernel merges repeated events of one file when the
 * watcher reads them late, so the number of events depends on the machine's speed; the number of paths does not.
 */
export function atNthPath(n: number): KillPoint {
  const seen = new Set<string>();
  return (rel) => {
    if (OBJECT_PATH.test(rel)) seen.add(rel);
    return seen.size >= n;
  };
}

/** Runs the child to its end and counts the distinct files it creates or removes in `repo` (as `atNthPath`). */
export async function countPaths(
  child: ChildProcess,
  repo: string,
): Promise<{ paths: number; code: number | null; stderr: string }> {
  const exit = waitExit(child);
  const seen = new Set<string>();
  const watcher = fs.watch(repo, { recursive: true }, (_event, file) => {
    if (file && OBJECT_PATH.test(String(file))) seen.add(String(file));
  });
  const { code, stderr } = await exit;
  watcher.close();
  return { paths: seen.size, code, stderr };
}

/**
 * A kill point at the moment the packs that a run stores in `repo`'s data/ add up to `bytes` (each pack counted
 * once, at its final size: packs appear whole, by a link from the staging area).
 */
export function atPackBytes(repo: string, bytes: number): KillPoint {
  const counted = new Set<string>();
  let stored = 0;
  return (rel, exists) => {
    if (exists && /^data\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(rel) && !counted.has(rel)) {
      counted.add(rel);
      stored += fs.statSync(path.join(repo, rel), { throwIfNoEntry: false })?.size ?? 0;
    }
    return counted.size > 0 && stored >= bytes;
  };
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
