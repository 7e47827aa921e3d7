// The files restore use case: plans the restore, creates directories and (sparse) files under the target, reads
// every needed pack once while pack workers decrypt, verify and write the blobs in parallel, then makes links and
// special files and applies metadata (directories last, deepest first). A file whose data fails verification is
// removed and reported; everything else is still restored (the result is then partial).

import * as fs from 'node:fs';
import { type Clock, systemClock } from '../../common/clock.ts';
import { forEachConcurrently, Semaphore } from '../../common/concurrency.ts';
import { descriptorShare } from '../../common/descriptor-limit.ts';
import { StepvaultError } from '../../common/errors.ts';
import type { MissingItem, StoredSnapshot } from '../../domain/snapshot.ts';
import { BlobReader } from '../../repository/blob-reader.ts';
import { DEFAULT_CHUNKER } from '../../repository/chunker/fastcdc.ts';
import { loadIndexForReading } from '../../repository/index/adopt-packs.ts';
import type { MasterIndex } from '../../repository/index/master-index.ts';
import type { BlobTarget, PackSource, RestoreBlob, RestoreFile } from '../../repository/pipeline/pack-job.ts';
import { PackPool } from '../../repository/pipeline/pack-pool.ts';
import type { Repository } from '../../repository/repository.ts';
import { listSnapshots, resolveSnapshot } from '../../repository/snapshot/snapshot-store.ts';
import {
  checkName,
  type Identity,
  identityOf,
  type OverwritePolicy,
  RestoreTarget,
} from '../../sources/files/restore-target.ts';
import {
  componentsOf,
  type PackPlan,
  type PlannedEntry,
  planRestore,
  type RestorePlan,
  subtreeAt,
} from './restore-plan.ts';

/** Pack jobs in flight per pack worker (one running, one ready for when it ends). */
const JOBS_PER_WORKER = 2;
/** The most bytes of a pack read at once (see readSpans). */
const READ_SPAN = 4 * 2 ** 20;
/** Room beyond READ_SPAN in each slot: a blob of the chunker's largest size (8 MiB) stored uncompressed and sealed. */
const SPAN_HEADROOM = 2 ** 20;

/** Pack workers for a restore, with a slot for each job in flight: each reads a span, not a whole pack. */
function startPackPool(repo: Repository, workers: number | undefined): PackPool {
  return new PackPool(repo, {
    workers,
    readLimit: Math.max(READ_SPAN, DEFAULT_CHUNKER.max) + SPAN_HEADROOM,
    slotsPerWorker: JOBS_PER_WORKER,
  });
}

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
  const { repo } = deps;
  const [ref, subpath = '/'] = splitSnapshotRef(request.snapshot);
  const [{ index, problems }, listing] = await Promise.all([loadIndexForReading(repo), listSnapshots(repo)]);
  const snapshot = resolveSnapshot(listing.snapshots, ref, { hosts: request.hosts ?? [] });
  // The pack workers start now: they boot on other cores while the plan is made.
  const pool = request.dryRun ? undefined : startPackPool(repo, request.workers);
  try {
    return await restoreSnapshot(request, deps, { snapshot, subpath, index, problems, started, pool });
  } finally {
    await pool?.close();
  }
}

async function restoreSnapshot(
  request: FilesRestoreRequest,
  deps: { repo: Repository; clock?: Clock; signal?: AbortSignal; onProgress?: (p: RestoreProgress) => void },
  found: {
    snapshot: StoredSnapshot;
    subpath: string;
    index: MasterIndex;
    problems: string[];
    started: number;
    pool: PackPool | undefined;
  },
): Promise<RestoreResult> {
  const { repo } = deps;
  const { snapshot, subpath, index, problems, started, pool } = found;
  const clock = deps.clock ?? systemClock;
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
  for (const list of [plan.dirs, plan.files, plan.others]) for (const e of list) checkName(e.node.name);
  target.prepareRoot();
  try {
    await restoreInto(target, plan, reader, pool!, request, deps, result);
  } finally {
    target.close();
  }
  result.durationMs = clock.now().getTime() - started;
  return result;
}

/** A failure of one entry (it was found replaced, or something is in its place): reported, the restore goes on. */
function entryFailure(e: unknown): string {
  if (e instanceof StepvaultError && e.code === 'conflict') return e.message;
  throw e;
}

async function restoreInto(
  target: RestoreTarget,
  plan: RestorePlan,
  reader: BlobReader,
  pool: PackPool,
  request: FilesRestoreRequest,
  deps: { repo: Repository; signal?: AbortSignal; onProgress?: (p: RestoreProgress) => void },
  result: RestoreResult,
): Promise<void> {
  const { signal } = deps;
  const { failed } = result;
  const display = (entry: PlannedEntry) => `/${componentsOf(entry).join('/')}`;
  if (request.overwrite !== 'always' && !target.isEmpty()) checkConflicts(target, plan);
  const dirsFailed = new Set<PlannedEntry>();
  for (const dir of plan.dirs) {
    try {
      target.mkdir(dir);
    } catch (e) {
      failed.push({ path: display(dir), error: `not restored: ${entryFailure(e)}` });
      dirsFailed.add(dir);
    }
  }
  result.dirsRestored = plan.dirs.length - dirsFailed.size;
  const badFiles = new Map<number, string>(plan.unrestorable);
  /** Files that may be opened again (by another job, a repair, the last pass, a hard link): what they are. */
  const ids = new Map<number, Identity>();
  const linkSources = new Set<number>();
  for (const file of plan.files) if (file.linkTo !== undefined) linkSources.add(file.linkTo);
  const created = new Set<number>();
  /** Files being created on another thread (`openSoon`): a second job waits for that before it opens them. */
  const creating = new Map<number, Promise<number>>();
  /** Files whose metadata is applied (empty ones here, whole ones by their worker). */
  const finished = new Set<number>();
  const files: FileAccess = {
    open(i, whole) {
      const file = plan.files[i]!;
      if (created.has(i)) {
        const id = ids.get(i);
        if (id === undefined) throw new StepvaultError('internal', `${display(file)} cannot be opened again`);
        return target.reopenFile(file.parent, file.node.name, id);
      }
      // Files written by one job get their size from it; others are sized now (several jobs write them).
      const fd = target.createFile(file.parent, file.node.name, whole ? 0 : (file.node.size ?? 0));
      created.add(i);
      if (!whole || linkSources.has(i)) ids.set(i, identityOf(fs.fstatSync(fd, { bigint: true })));
      return fd;
    },
    async openSoon(i, whole) {
      // (no await unless another job is creating it: two jobs must not both see it as not created yet)
      const another = creating.get(i);
      if (another) await another.catch(() => undefined);
      if (created.has(i)) return files.open(i, whole);
      const file = plan.files[i]!;
      created.add(i);
      const creation = target
        .createFileAsync(file.parent, file.node.name, whole ? 0 : (file.node.size ?? 0))
        .then((fd) => {
          if (!whole || linkSources.has(i)) ids.set(i, identityOf(fs.fstatSync(fd, { bigint: true })));
          return fd;
        });
      creating.set(i, creation);
      try {
        return await creation;
      } catch (e) {
        // never made by us: nothing to remove, nothing to open again
        created.delete(i);
        throw e;
      } finally {
        creating.delete(i);
      }
    },
    fail(i, error) {
      badFiles.set(i, error);
    },
    isBad: (i) => badFiles.has(i),
    finishedBy(i, id) {
      if (id) {
        finished.delete(i);
        ids.set(i, id);
      } else finished.add(i);
    },
  };
  // Files are created here, just before the first job that writes into them goes to a worker (one thread
  // creating files is faster than several: creation serialises in the kernel). A file with all its data in one
  // job is then finished (metadata) by that job's worker; the few others are finished at the end.
  plan.files.forEach((file, i) => {
    if (file.linkTo !== undefined || badFiles.has(i) || (file.node.content ?? []).length > 0) return;
    try {
      const fd = files.open(i, true);
      try {
        target.finishFile(fd, file.node);
      } finally {
        fs.closeSync(fd);
      }
      finished.add(i);
    } catch (e) {
      badFiles.set(i, entryFailure(e));
    }
  });

  const progress: RestoreProgress = { bytesDone: 0, totalBytes: plan.totalBytes };
  const failedBlobs = await writeContent(pool, plan, files, signal, (bytes) => {
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
      if (badFiles.has(t.file)) continue;
      if (plain === undefined || t.offset < 0) {
        badFiles.set(t.file, t.offset < 0 ? 'its metadata could not be applied' : error);
        continue;
      }
      try {
        const fd = files.open(t.file, false);
        try {
          fs.writeSync(fd, plain, 0, plain.length, t.offset);
        } finally {
          fs.closeSync(fd);
        }
        repaired.add(t.file);
        finished.delete(t.file);
        progress.bytesDone += plain.length;
      } catch (e) {
        badFiles.set(
          t.file,
          e instanceof StepvaultError && e.code === 'conflict'
            ? e.message
            : `cannot write: ${(e as Error).message}`,
        );
      }
    }
  }
  signal?.throwIfAborted();

  plan.files.forEach((file, i) => {
    const bad = badFiles.get(file.linkTo ?? i);
    if (bad !== undefined) {
      if (file.linkTo === undefined && created.has(i))
        target.removeFailed(file.parent, file.node.name, ids.get(i));
      failed.push({ path: display(file), error: `not restored: ${bad}` });
      return;
    }
    try {
      if (file.linkTo !== undefined) {
        const source = plan.files[file.linkTo]!;
        target.hardLink(source.parent, source.node.name, ids.get(file.linkTo)!, file.parent, file.node.name);
      } else if (!finished.has(i)) {
        const fd = files.open(i, false);
        try {
          target.finishFile(fd, file.node);
        } finally {
          fs.closeSync(fd);
        }
      }
    } catch (e) {
      failed.push({ path: display(file), error: `not restored: ${entryFailure(e)}` });
      return;
    }
    result.filesRestored++;
    result.bytesRestored += file.linkTo === undefined ? (file.node.size ?? 0) : 0;
  });
  for (const other of plan.others) {
    try {
      if (!target.other(other.parent, other.node.name, other.node)) {
        result.skipped.push({ path: display(other), error: `a ${other.node.type} cannot be restored here` });
        continue;
      }
    } catch (e) {
      failed.push({ path: display(other), error: `not restored: ${entryFailure(e)}` });
      continue;
    }
    result.othersRestored++;
  }
  for (let i = plan.dirs.length - 1; i >= 0; i--) {
    const dir = plan.dirs[i]!;
    const broken = target.brokenReason(dir);
    if (broken !== undefined) {
      // Found replaced after it was made: what was in it is reported already, it is not finished.
      if (!dirsFailed.has(dir))
        failed.push({ path: display(dir), error: `metadata not restored: ${broken}` });
      continue;
    }
    try {
      target.finishDir(dir, dir.node);
    } catch (e) {
      failed.push({ path: display(dir), error: `not restored: ${entryFailure(e)}` });
    }
  }
}

/** How jobs get their files: each open call gives a descriptor the job then owns. */
interface FileAccess {
  /** A descriptor of file `i`: created now (exclusively) the first time, else reopened and checked. */
  open(i: number, whole: boolean): number;
  /** `open`, creating on a thread of Node's pool: the calling thread goes on meanwhile. */
  openSoon(i: number, whole: boolean): Promise<number>;
  fail(i: number, error: string): void;
  isBad(i: number): boolean;
  /** A job's worker finished the file (metadata applied), or, with an identity, failed it. */
  finishedBy(i: number, failedWith?: Identity): void;
}

type FailedBlobs = Map<string, { error: string; targets: { file: number; offset: number }[] }>;

/**
 * Has the pack workers restore every pack, a few jobs in flight per worker; returns the blobs that failed. A pack
 * whose blobs go to many files is split into several jobs, so that the descriptors the jobs in flight hold stay
 * bounded.
 */
async function writeContent(
  pool: PackPool,
  plan: RestorePlan,
  files: FileAccess,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
): Promise<FailedBlobs> {
  const failures: FailedBlobs = new Map();
  if (plan.packs.length === 0) return failures;
  const inFlight = pool.size * JOBS_PER_WORKER;
  const jobs = new Semaphore(inFlight);
  // The jobs in flight hold at most a quarter of the descriptor limit (at most 1,024) open among them.
  const filesPerJob = Math.max(16, Math.floor(descriptorShare(1 / 4, 64, 1024) / inFlight));
  const fail = (id: string, error: string, targets: BlobTarget[]) => {
    const known = failures.get(id);
    failures.set(id, { error, targets: [...(known?.targets ?? []), ...targets] });
  };
  await forEachConcurrently(plan.packs.flatMap(readSpans), inFlight, async (pack: PackPlan) => {
    signal?.throwIfAborted();
    const first = pack.blobs[0]!;
    const last = pack.blobs[pack.blobs.length - 1]!;
    const base = first.offset;
    const length = last.offset + last.length - base;
    let source: PackSource;
    try {
      source = await pool.source(pack.pack, base, length);
    } catch (e) {
      if (!(e instanceof StepvaultError) || (e.code !== 'not-found' && e.code !== 'corrupt')) throw e;
      for (const blob of pack.blobs) fail(blob.id, e.message, blob.targets);
      return;
    }
    const parts = splitByFiles(pack.blobs, filesPerJob);
    // The source is released once every part's job has settled: until then a worker may be reading it.
    const settled = await Promise.allSettled(
      parts.map(async (part) => {
        await jobs.acquire();
        try {
          signal?.throwIfAborted();
          const job = await openFiles(plan, pack, part, files);
          if (job.blobs.length === 0) return;
          const partBase = job.blobs[0]!.offset;
          const end = job.blobs[job.blobs.length - 1]!.offset + job.blobs[job.blobs.length - 1]!.length;
          const result = await pool.run({
            type: 'restore',
            pack: pack.pack,
            salt: pack.salt,
            // Each of several parts gets a view of its bytes (of the shared slot, or copied when the bytes are
            // not shared); a single job takes them all.
            source:
              parts.length > 1 && 'bytes' in source
                ? { bytes: source.bytes.subarray(partBase - base, end - base) }
                : source,
            base: parts.length > 1 ? partBase : base,
            blobs: job.blobs,
            files: job.files,
          });
          // The job has ended: its descriptors are free to close. (Not when it failed: a worker that stopped
          // fails every job, and other workers may still be writing through theirs.)
          for (const f of Object.values(job.files)) fs.closeSync(f.fd);
          onBytes(result.bytes);
          for (const f of result.failedFiles ?? []) files.finishedBy(f.file, f);
          for (const f of result.failures) {
            const blob = job.blobs.find((b) => b.id === f.id);
            const targets = blob
              ? blob.targets.filter((t) => f.files.includes(t.file))
              : f.files.map((file) => ({ file, offset: -1 }));
            fail(f.id, f.error, targets);
          }
        } finally {
          jobs.release();
        }
      }),
    );
    pool.release(source);
    for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
  });
  return failures;
}

/**
 * The parts of a pack read at once (each a ranged read into a slot of the pack pool): consecutive blobs spanning
 * at most READ_SPAN bytes, or one longer blob alone. Reads of a few MiB keep the slots — all of a restore's
 * buffers for downloads — small, and cost a remote store no more than whole packs would (object stores serve
 * ranges of this size at full speed).
 */
function readSpans(pack: PackPlan): PackPlan[] {
  const spans: PackPlan[] = [];
  let blobs: RestoreBlob[] = [];
  for (const blob of pack.blobs) {
    if (blobs.length > 0 && blob.offset + blob.length - blobs[0]!.offset > READ_SPAN) {
      spans.push({ ...pack, blobs });
      blobs = [];
    }
    blobs.push(blob);
  }
  if (blobs.length > 0) spans.push({ ...pack, blobs });
  return spans;
}

/** Splits a pack's blobs (in offset order) into parts that each write into at most `limit` files. */
export function splitByFiles(blobs: readonly RestoreBlob[], limit: number): RestoreBlob[][] {
  const parts: RestoreBlob[][] = [];
  let part: RestoreBlob[] = [];
  let files = new Set<number>();
  for (const blob of blobs) {
    let targets: BlobTarget[] = [];
    for (const t of blob.targets) {
      if (!files.has(t.file) && files.size >= limit) {
        if (targets.length > 0) part.push({ ...blob, targets });
        parts.push(part);
        part = [];
        files = new Set();
        targets = [];
      }
      files.add(t.file);
      targets.push(t);
    }
    if (targets.length > 0) part.push(targets.length === blob.targets.length ? blob : { ...blob, targets });
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/**
 * Opens (creating them the first time, all at once on other threads) the files a job writes, right before it goes
 * to a worker; a file that cannot be opened is failed and left out of the job. A file whose every blob is in the
 * job is "whole": its worker finishes it.
 */
async function openFiles(
  plan: RestorePlan,
  pack: PackPlan,
  blobs: RestoreBlob[],
  access: FileAccess,
): Promise<{ blobs: RestoreBlob[]; files: Record<number, RestoreFile> }> {
  const counts = new Map<number, number>();
  for (const blob of blobs) for (const t of blob.targets) counts.set(t.file, (counts.get(t.file) ?? 0) + 1);
  const files: Record<number, RestoreFile> = {};
  let left = false;
  const opened = await Promise.allSettled(
    [...counts].map(async ([i, count]) => {
      const file = plan.files[i]!;
      if (access.isBad(i)) {
        left = true;
        return;
      }
      const whole = file.pack === pack.pack && count === (file.node.content ?? []).length;
      let fd: number;
      try {
        fd = await access.openSoon(i, whole);
      } catch (e) {
        access.fail(i, entryFailure(e));
        left = true;
        return;
      }
      const { type, mode, uid, gid, mtime } = file.node;
      files[i] = {
        fd,
        size: file.node.size ?? 0,
        ...(whole ? { whole: { type, mode, uid, gid, mtime } } : {}),
      };
      if (whole) access.finishedBy(i);
    }),
  );
  const error = opened.find((o) => o.status === 'rejected');
  if (error) {
    for (const f of Object.values(files)) fs.closeSync(f.fd);
    throw error.reason;
  }
  if (!left) return { blobs, files };
  const kept: RestoreBlob[] = [];
  for (const blob of blobs) {
    const targets = blob.targets.filter((t) => files[t.file] !== undefined);
    if (targets.length > 0) kept.push(targets.length === blob.targets.length ? blob : { ...blob, targets });
  }
  return { blobs: kept, files };
}

/** Refuses, before writing anything, to restore over entries that exist in a non-empty target. */
function checkConflicts(target: RestoreTarget, plan: RestorePlan): void {
  const conflicts: string[] = [];
  for (const entry of [...plan.files, ...plan.others]) {
    const components = componentsOf(entry);
    if (target.existing(components)) conflicts.push(target.resolve(components));
    if (conflicts.length >= 5) break;
  }
  for (const dir of plan.dirs) {
    const components = componentsOf(dir);
    const st = target.existing(components);
    if (st && !st.isDirectory()) conflicts.push(target.resolve(components));
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
