// The files restore use case: plans the restore, creates directories and (sparse) files under the target, reads
// every needed pack once while pack workers decrypt, verify and write the blobs in parallel, then makes links and
// special files and applies metadata (directories last, deepest first). A file whose data fails verification is
// removed and reported; everything else is still restored (the result is then partial).

import * as fs from 'node:fs';
import { type Clock, systemClock } from '../../common/clock.ts';
import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import type { MissingItem } from '../../domain/snapshot.ts';
import { BlobReader } from '../../repository/blob-reader.ts';
import { loadIndexForReading } from '../../repository/index/adopt-packs.ts';
import type { PackSource, RestoreFile } from '../../repository/pipeline/pack-job.ts';
import { PackPool } from '../../repository/pipeline/pack-pool.ts';
import type { Repository } from '../../repository/repository.ts';
import { listSnapshots, resolveSnapshot } from '../../repository/snapshot/snapshot-store.ts';
import { type OverwritePolicy, RestoreTarget } from '../../sources/files/restore-target.ts';
import { componentsOf, type PackPlan, planRestore, type RestorePlan, subtreeAt } from './restore-plan.ts';

export interface FilesRestoreRequest {
  /** "latest", an ID prefix, optionally followed by ":/path/in/snapshot" to restore only that directory. */
  snapshot: string;
  target: string;
  includes?: readonly string[];
  excludes?: readonly string[];
  /** Restores only the files, links and special files this accepts (by path in the snapshot, "/a/b"). */
  select?: (path: string) => boolean;
  overwrite?: OverwritePolicy;
  hosts?: readonly string[];
  workers?: number;
  dryRun?: boolean;
}

export interface RestoreProgress {
  bytesDone: number;
  totalBytes: number;
}

export interface RestoreResult {
  snapshotId: string;
  filesRestored: number;
  dirsRestored: number;
  othersRestored: number;
  bytesRestored: number;
  failed: MissingItem[];
  skipped: MissingItem[];
  /** Damage met on the way that did not stop the restore (e.g. an unreadable index file). */
  warnings: string[];
  durationMs: number;
}

export async function restoreFiles(
  request: FilesRestoreRequest,
  deps: { repo: Repository; clock?: Clock; signal?: AbortSignal; onProgress?: (p: RestoreProgress) => void },
): Promise<RestoreResult> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now().getTime();
  const { repo, signal } = deps;
  const [ref, subpath = '/'] = splitSnapshotRef(request.snapshot);
  const { index, problems } = await loadIndexForReading(repo);
  const snapshot = resolveSnapshot((await listSnapshots(repo)).snapshots, ref, {
    hosts: request.hosts ?? [],
  });
  const reader = new BlobReader(repo, index);
  const root = await subtreeAt(reader, snapshot.tree, subpath);
  const plan = await planRestore(reader, root, subpath, {
    ...(request.includes ? { includes: request.includes } : {}),
    ...(request.excludes ? { excludes: request.excludes } : {}),
    ...(request.select ? { select: request.select } : {}),
  });
  const target = new RestoreTarget(request.target, request.overwrite ?? 'never');
  const failed: MissingItem[] = plan.brokenTrees.map((b) => ({
    path: b.path,
    error: `not restored: ${b.error}`,
  }));
  const result: RestoreResult = {
    snapshotId: snapshot.id,
    filesRestored: 0,
    dirsRestored: 0,
    othersRestored: 0,
    bytesRestored: 0,
    failed,
    skipped: [],
    warnings: problems,
    durationMs: 0,
  };
  if (request.dryRun) {
    result.filesRestored = plan.files.length - plan.unrestorable.size;
    result.dirsRestored = plan.dirs.length;
    result.othersRestored = plan.others.length;
    result.bytesRestored = plan.totalBytes;
    for (const [i, why] of plan.unrestorable)
      failed.push({ path: `/${componentsOf(plan.files[i]!).join('/')}`, error: why });
    return result;
  }
  target.prepareRoot();
  if (request.overwrite !== 'always' && !target.isEmpty()) checkConflicts(target, plan);
  for (const dir of plan.dirs) target.mkdir(target.resolve(componentsOf(dir)));
  result.dirsRestored = plan.dirs.length;
  // Target paths are worked out when needed: a list of them all would hold a large restore's longest strings.
  const pathOf = (i: number): string => target.resolve(componentsOf(plan.files[i]!));
  const badFiles = new Map<number, string>(plan.unrestorable);
  // Files are created here, just before the first pack that writes into them goes to a worker (one thread
  // creating files is faster than several: creation serialises in the kernel). A file with all its data in one
  // pack is then finished (metadata) by that pack's worker; the few others are finished at the end.
  const ownedByWorker = (i: number) => plan.files[i]!.pack !== undefined && !badFiles.has(i);
  const created = new Set<number>();
  const create = (i: number): void => {
    if (created.has(i)) return;
    created.add(i);
    const path = pathOf(i);
    if (request.overwrite === 'always' && target.existing(path)) target.removeExisting(path);
    // Files written by one worker get their size from it; others are sized now (several workers write them).
    const file = plan.files[i]!;
    target.createFile(path, file.pack === undefined ? (file.node.size ?? 0) : 0);
  };
  plan.files.forEach((file, i) => {
    if (file.linkTo === undefined && !badFiles.has(i) && (file.node.content ?? []).length === 0) create(i);
  });

  const progress: RestoreProgress = { bytesDone: 0, totalBytes: plan.totalBytes };
  const failedBlobs = await writeContent(repo, plan, pathOf, create, request.workers, signal, (bytes) => {
    progress.bytesDone += bytes;
    deps.onProgress?.(progress);
  });
  // A damaged copy may have a good duplicate in another pack: try every copy before giving up on a file.
  const repaired = new Set<number>();
  for (const [id, { error, targets }] of failedBlobs) {
    let plain: Buffer | undefined;
    try {
      plain = id ? await reader.read(id) : undefined;
    } catch {
      // no good copy
    }
    for (const t of targets) {
      if (plain === undefined) {
        badFiles.set(t.file, error);
        continue;
      }
      try {
        writeAt(pathOf(t.file), plain, t.offset, plan.files[t.file]!.node.size ?? 0);
        repaired.add(t.file);
        progress.bytesDone += plain.length;
      } catch (e) {
        badFiles.set(t.file, `cannot write: ${(e as Error).message}`);
      }
    }
  }
  signal?.throwIfAborted();

  plan.files.forEach((file, i) => {
    const bad = badFiles.get(file.linkTo ?? i);
    const components = componentsOf(file);
    const display = `/${components.join('/')}`;
    const path = target.resolve(components);
    if (bad !== undefined) {
      if (file.linkTo === undefined) target.removeFailed(path);
      failed.push({ path: display, error: `not restored: ${bad}` });
      return;
    }
    if (file.linkTo !== undefined) target.hardLink(pathOf(file.linkTo), path);
    else if (!ownedByWorker(i) || repaired.has(i)) target.applyMetadata(path, file.node);
    result.filesRestored++;
    result.bytesRestored += file.linkTo === undefined ? (file.node.size ?? 0) : 0;
  });
  for (const other of plan.others) {
    const components = componentsOf(other);
    const full = target.resolve(components);
    if (other.node.type === 'symlink') target.symlink(full, other.node.target!);
    else if (!target.special(full, other.node)) {
      result.skipped.push({
        path: `/${components.join('/')}`,
        error: `a ${other.node.type} cannot be restored here`,
      });
      continue;
    }
    target.applyMetadata(full, other.node);
    result.othersRestored++;
  }
  for (let i = plan.dirs.length - 1; i >= 0; i--) {
    const dir = plan.dirs[i]!;
    target.applyMetadata(target.resolve(componentsOf(dir)), dir.node);
  }
  result.durationMs = clock.now().getTime() - started;
  return result;
}

type FailedBlobs = Map<string, { error: string; targets: { file: number; offset: number }[] }>;

/** Has the pack workers restore every pack (a few in flight per worker); returns the blobs that failed. */
async function writeContent(
  repo: Repository,
  plan: RestorePlan,
  pathOf: (file: number) => string,
  create: (file: number) => void,
  workers: number | undefined,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
): Promise<FailedBlobs> {
  const failures: FailedBlobs = new Map();
  if (plan.packs.length === 0) return failures;
  const pool = new PackPool(repo, workers);
  try {
    await forEachConcurrently(plan.packs, pool.size * 2, async (pack: PackPlan) => {
      signal?.throwIfAborted();
      const first = pack.blobs[0]!;
      const last = pack.blobs[pack.blobs.length - 1]!;
      const base = first.offset;
      const length = last.offset + last.length - base;
      const files: Record<number, RestoreFile> = {};
      for (const blob of pack.blobs) {
        for (const t of blob.targets) {
          const file = plan.files[t.file]!;
          if (files[t.file]) continue;
          create(t.file);
          const { type, mode, uid, gid, mtime } = file.node;
          files[t.file] = {
            path: pathOf(t.file),
            size: file.node.size ?? 0,
            ...(file.pack === pack.pack ? { whole: { type, mode, uid, gid, mtime } } : {}),
          };
        }
      }
      let source: PackSource;
      try {
        source = await pool.source(pack.pack, base, length);
      } catch (e) {
        if (!(e instanceof StepvaultError) || (e.code !== 'not-found' && e.code !== 'corrupt')) throw e;
        for (const blob of pack.blobs) failures.set(blob.id, { error: e.message, targets: blob.targets });
        return;
      }
      const result = await pool.run({
        type: 'restore',
        pack: pack.pack,
        salt: pack.salt,
        source,
        base,
        blobs: pack.blobs,
        files,
      });
      onBytes(result.bytes);
      for (const f of result.failures) {
        const blob = pack.blobs.find((b) => b.id === f.id);
        const targets = blob
          ? blob.targets.filter((t) => f.files.includes(t.file))
          : f.files.map((file) => ({ file, offset: -1 }));
        const known = failures.get(f.id);
        failures.set(f.id, { error: f.error, targets: [...(known?.targets ?? []), ...targets] });
      }
    });
  } finally {
    await pool.close();
  }
  return failures;
}

/** Writes a blob's bytes into a file at an offset, creating the file (at full size) if a worker never got to. */
function writeAt(file: string, data: Buffer, offset: number, size: number): void {
  if (offset < 0) throw new Error('its metadata could not be applied');
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    fd = fs.openSync(
      file,
      fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW | fs.constants.O_CREAT | fs.constants.O_EXCL,
      0o600,
    );
    fs.ftruncateSync(fd, size);
  }
  try {
    fs.writeSync(fd, data, 0, data.length, offset);
  } finally {
    fs.closeSync(fd);
  }
}

/** Refuses, before writing anything, to restore over entries that exist in a non-empty target. */
function checkConflicts(target: RestoreTarget, plan: RestorePlan): void {
  const conflicts: string[] = [];
  for (const entry of [...plan.files, ...plan.others]) {
    const full = target.resolve(componentsOf(entry));
    if (target.existing(full)) conflicts.push(full);
    if (conflicts.length >= 5) break;
  }
  for (const dir of plan.dirs) {
    const full = target.resolve(componentsOf(dir));
    const st = target.existing(full);
    if (st && !st.isDirectory()) conflicts.push(full);
  }
  if (conflicts.length > 0) {
    throw new StepvaultError(
      'conflict',
      `the target already contains ${conflicts.slice(0, 5).join(', ')}${conflicts.length > 5 ? ' …' : ''}`,
      {
        hint: 'restore into an empty directory, or pass --overwrite always to replace existing files (nothing was written)',
      },
    );
  }
}

export function splitSnapshotRef(ref: string): [string, string?] {
  const colon = ref.indexOf(':');
  if (colon < 0) return [ref];
  const sub = ref.slice(colon + 1);
  return [ref.slice(0, colon), sub.startsWith('/') ? sub : `/${sub}`];
}
