// `restore-test`: proves that a snapshot can be restored. It picks a snapshot (the latest, a random one within a
// window, or a given one), restores it — whole, or a random sample of its files — into a scratch directory with
// the real restore, and compares every restored file with what the snapshot records (content re-hashed with the
// repository's blob-ID key, size, mode, modification time; symlink targets). For files snapshots it can also
// compare with the live files, to report those that changed since (information, not failure). The scratch
// directory is removed afterwards unless asked to keep it. Works for any snapshot source: every tree is files.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Clock, systemClock } from '../../common/clock.ts';
import { errnoCode, StepvaultError } from '../../common/errors.ts';
import type { TreeNode } from '../../domain/tree-node.ts';
import { BlobReader } from '../../repository/blob-reader.ts';
import { loadIndexForReading } from '../../repository/index/adopt-packs.ts';
import type { Repository } from '../../repository/repository.ts';
import { listSnapshots } from '../../repository/snapshot/snapshot-store.ts';
import { restoreFiles } from '../restore/restore-files.ts';
import { compareRestored, compareWithSource } from './compare-restored.ts';
import {
  pickSnapshot,
  type Random,
  type SampleChoice,
  type SnapshotChoice,
  sampleFiles,
  unseededRandom,
} from './pick-snapshot.ts';

export interface RestoreTestRequest extends SnapshotChoice {
  /** Check only a random sample of the files. */
  sample?: SampleChoice;
  /** Files snapshots only: also compare with the live files at the snapshot's paths. */
  compareSource?: boolean;
  /** Where the scratch directory is made. @default os.tmpdir() */
  scratchParent?: string;
  /** Keep the scratch directory (its path is in the report). */
  keep?: boolean;
  workers?: number;
}

export interface RestoreTestDeps {
  repo: Repository;
  clock?: Clock;
  signal?: AbortSignal;
  /** Draws the random snapshot and sample. @default unseeded */
  random?: Random;
  onProgress?: (progress: RestoreTestProgress) => void;
}

export interface RestoreTestProgress {
  phase: 'restore' | 'compare';
  bytesDone: number;
  totalBytes: number;
}

export interface RestoreTestReport {
  snapshotId: string;
  snapshotTime: string;
  sourceType: string;
  /** How many snapshots the pick chose among. */
  candidates: number;
  sampled: boolean;
  filesInSnapshot: number;
  bytesInSnapshot: number;
  /** Files and symlinks restored and compared. */
  filesChecked: number;
  bytesChecked: number;
  /** Entries that were not restored as the snapshot records them: the test failed. */
  mismatches: { path: string; problem: string }[];
  /** With compareSource: live files that differ from the snapshot (changed since; not a failure). */
  sourceChanges: { path: string; change: string }[];
  /** Damage met that did not stop the restore (e.g. an unreadable index file). */
  warnings: string[];
  /** The scratch directory, when kept. */
  scratch?: string;
  passed: boolean;
  durationMs: number;
}

interface Entry {
  path: string;
  node: TreeNode;
  size: number;
}

export async function restoreTest(
  request: RestoreTestRequest,
  deps: RestoreTestDeps,
): Promise<RestoreTestReport> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now().getTime();
  const { repo, signal } = deps;
  const random = deps.random ?? unseededRandom();
  const { snapshots } = await listSnapshots(repo);
  const { snapshot, candidates } = pickSnapshot(snapshots, request, clock.now(), random);
  if (request.compareSource && snapshot.source.type !== 'files') {
    throw new StepvaultError(
      'usage',
      `--compare-source needs a files snapshot, ${snapshot.id.slice(0, 8)} is ${snapshot.source.type}`,
      {
        hint: 'leave out --compare-source, or pick a files snapshot (--host, --path)',
      },
    );
  }
  const { index } = await loadIndexForReading(repo);
  const reader = new BlobReader(repo, index);
  const entries: Entry[] = [];
  /** Directories whose tree cannot be read, with why: what is below them cannot be restored. */
  const broken = new Map<string, string>();
  let bytesInSnapshot = 0;
  let filesInSnapshot = 0;
  const walk = async (tree: string, base: string): Promise<void> => {
    signal?.throwIfAborted();
    let nodes: TreeNode[];
    try {
      nodes = await reader.readTree(tree);
    } catch (e) {
      if (!(e instanceof StepvaultError)) throw e;
      broken.set(base || '/', e.message);
      return;
    }
    for (const node of nodes) {
      const p = `${base}/${node.name}`;
      if (node.type === 'dir' && node.subtree) await walk(node.subtree, p);
      else if (node.type === 'file') {
        filesInSnapshot++;
        bytesInSnapshot += node.size ?? 0;
        entries.push({ path: p, node, size: node.size ?? 0 });
      } else if (node.type === 'symlink' && !request.sample) entries.push({ path: p, node, size: 0 });
    }
  };
  await walk(snapshot.tree, '');
  const checked = request.sample ? sampleFiles(entries, request.sample, random) : entries;
  const chosen = request.sample ? new Set(checked.map((e) => e.path)) : undefined;

  fs.mkdirSync(request.scratchParent ?? os.tmpdir(), { recursive: true });
  const scratch = fs.mkdtempSync(path.join(request.scratchParent ?? os.tmpdir(), 'stepvault-restore-test-'));
  const report: RestoreTestReport = {
    snapshotId: snapshot.id,
    snapshotTime: snapshot.time,
    sourceType: snapshot.source.type,
    candidates,
    sampled: request.sample !== undefined,
    filesInSnapshot,
    bytesInSnapshot,
    filesChecked: 0,
    bytesChecked: 0,
    mismatches: [],
    sourceChanges: [],
    warnings: [],
    passed: false,
    durationMs: 0,
  };
  try {
    const target = path.join(scratch, 'restored');
    const restored = await restoreFiles(
      {
        snapshot: snapshot.id,
        target,
        ...(chosen ? { select: (p: string) => chosen.has(p) } : {}),
        ...(request.workers ? { workers: request.workers } : {}),
      },
      {
        repo,
        clock,
        ...(signal ? { signal } : {}),
        onProgress: (p) =>
          deps.onProgress?.({ phase: 'restore', bytesDone: p.bytesDone, totalBytes: p.totalBytes }),
      },
    );
    report.warnings.push(...restored.warnings);
    const failed = new Map(restored.failed.map((f) => [f.path, f.error]));
    const checkedPaths = new Set(checked.map((e) => e.path));
    for (const [p, error] of failed)
      if (!checkedPaths.has(p)) report.mismatches.push({ path: p, problem: error });
    for (const [p, error] of broken)
      if (!failed.has(p)) report.mismatches.push({ path: p, problem: `cannot be read: ${error}` });
    const totalBytes = checked.reduce((sum, e) => sum + e.size, 0);
    for (const entry of checked) {
      signal?.throwIfAborted();
      const restoredPath = path.join(target, ...entry.path.split('/').filter(Boolean));
      const problem =
        failed.get(entry.path) ??
        compare(() => compareRestored(restoredPath, entry.node, index, repo.keys.blobMacKey));
      report.filesChecked++;
      report.bytesChecked += entry.size;
      deps.onProgress?.({ phase: 'compare', bytesDone: report.bytesChecked, totalBytes });
      if (problem) {
        report.mismatches.push({ path: entry.path, problem });
        continue;
      }
      if (request.compareSource && entry.node.type === 'file') {
        const change = compareWithSource(restoredPath, entry.path);
        if (change) report.sourceChanges.push({ path: entry.path, change });
      }
    }
  } finally {
    if (request.keep) report.scratch = scratch;
    else removeScratch(scratch);
  }
  report.passed = report.mismatches.length === 0;
  report.durationMs = clock.now().getTime() - started;
  return report;
}

function compare(check: () => string | undefined): string | undefined {
  try {
    return check();
  } catch (e) {
    return `cannot be read after the restore: ${errnoCode(e) ?? String(e)}`;
  }
}

/** Removes the scratch directory, first making writable any restored directory whose mode forbids it. */
function removeScratch(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    return;
  } catch (e) {
    if (errnoCode(e) !== 'EACCES' && errnoCode(e) !== 'EPERM') throw e;
  }
  const open = (d: string): void => {
    fs.chmodSync(d, 0o700);
    for (const entry of fs.readdirSync(d, { withFileTypes: true }))
      if (entry.isDirectory()) open(path.join(d, entry.name));
  };
  open(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}
