// `copy`: copies snapshots from a source repository into a destination repository that may have other keys and
// chunker parameters. Under a shared lock on each, it picks the source snapshots (by ID, host, tag, path), skips
// those the destination already holds (a copy records the ID of the snapshot first copied in `original`),
// and copies each remaining one, oldest first: its tree and content (as stored when both repositories compute the
// same blob IDs, re-chunked otherwise; the blobs are read, verified and stored by the pipeline's worker threads),
// then packs and index, then the proof that the destination holds all the snapshot needs (verify-copy.ts), then
// — only if the destination lock is still held — the snapshot with the same metadata. Nothing of the source's
// configuration reaches the destination: it keeps its own keys, chunker and storage policy (e.g. Object Lock).
// An interrupted copy leaves packs the next run adopts instead of uploading them again; a snapshot whose source
// data is damaged, or whose copy cannot be proved, is reported and the others are still copied.

import { type Clock, systemClock } from '../../common/clock.ts';
import { StepvaultError } from '../../common/errors.ts';
import {
  matchesFilter,
  type Snapshot,
  type SnapshotFilter,
  type StoredSnapshot,
  sameSet,
} from '../../domain/snapshot.ts';
import { BlobReader } from '../../repository/blob-reader.ts';
import { adoptUnindexedPacks, loadIndexForReading } from '../../repository/index/adopt-packs.ts';
import { loadMasterIndex } from '../../repository/index/index-store.ts';
import { RepositoryLock } from '../../repository/lock/lock.ts';
import { IngestPool } from '../../repository/pipeline/ingest-pool.ts';
import type { Repository } from '../../repository/repository.ts';
import { RepositoryWriter } from '../../repository/repository-writer.ts';
import { listSnapshots, resolveSnapshot, saveSnapshot } from '../../repository/snapshot/snapshot-store.ts';
import { type CopyMode, contentCopier } from './content-copiers.ts';
import { ByteBudget, SourceBlobs } from './source-blobs.ts';
import { TreeCopier, type TreeCounterpart } from './tree-copier.ts';
import { type CopyVerification, CopyVerifier } from './verify-copy.ts';

export interface CopyRequest extends SnapshotFilter {
  /** Snapshot IDs (prefixes) or "latest"; none means every snapshot that matches the selection. */
  snapshots?: readonly string[];
  /** zstd level for re-chunked content and rewritten trees. @default 3 */
  compressionLevel?: number;
  /** Worker threads. @default the number of CPUs */
  workers?: number;
  /** Data blobs read back from the destination per snapshot before it is committed. @default 8 */
  verifySample?: number;
}

export interface CopyProgress {
  snapshotsDone: number;
  snapshotsTotal: number;
  /** The source snapshot being copied. */
  current: string;
  /** Files whose content was read from the source, and their bytes (in this run). */
  files: number;
  bytes: number;
  /** Plaintext bytes stored in the destination (in this run). */
  bytesStored: number;
}

export interface CopiedSnapshot {
  source: string;
  /** The new snapshot's ID in the destination. */
  copy: string;
  time: string;
  host: string;
  paths: string[];
}

export interface CopyDeps {
  source: Repository;
  destination: Repository;
  clock?: Clock;
  signal?: AbortSignal;
  onProgress?: (progress: CopyProgress) => void;
  /** Called as each snapshot is committed in the destination. */
  onCopied?: (copied: CopiedSnapshot) => void;
}

export interface CopyResult {
  mode: CopyMode;
  /** Source snapshots that matched the selection. */
  selected: number;
  copied: CopiedSnapshot[];
  /** Selected snapshots the destination already holds: the source ID and the destination copy's ID. */
  skipped: { source: string; copy: string }[];
  /** Snapshots that could not be copied (damaged source data); nothing of theirs was committed. */
  failed: { source: string; error: string }[];
  /** Damage met in the source that did not stop the copy (e.g. unreadable snapshots or index files). */
  warnings: string[];
  filesCopied: number;
  bytesCopied: number;
  /** Files and directories taken over from earlier copies without reading them. */
  entriesReused: number;
  /** Plaintext bytes of data blobs stored in the destination. */
  dataAdded: number;
  /** What was written to destination packs (data and trees, compressed and encrypted). */
  dataAddedPacked: number;
  treeBlobs: number;
  packsWritten: number;
  /** Packs an interrupted earlier run had left in the destination, now indexed. */
  adoptedPacks: number;
  /** What was proved present in the destination before the copied snapshots were committed (added up). */
  verified: CopyVerification & { snapshots: number };
  /** Bytes sent to the destination's storage, where its backend counts them (remote storage). */
  bytesUploaded?: number;
  durationMs: number;
}

export async function copySnapshots(request: CopyRequest, deps: CopyDeps): Promise<CopyResult> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now().getTime();
  const { source, destination, signal } = deps;
  if (source.id === destination.id) {
    throw new StepvaultError('usage', 'the source and the destination are the same repository', {
      hint: 'give another repository with --from-repo (copy goes from --from-repo into --repo)',
    });
  }
  const sourceLock = await RepositoryLock.acquire(source, { exclusive: false, purpose: 'copy', clock });
  let destinationLock: RepositoryLock | undefined;
  const pools: IngestPool[] = [];
  try {
    destinationLock = await RepositoryLock.acquire(destination, { exclusive: false, purpose: 'copy', clock });
    const { index: sourceIndex, problems } = await loadIndexForReading(source);
    const sourceListing = await listSnapshots(source);
    const warnings = [
      ...problems,
      ...sourceListing.unreadable.map((u) => `source snapshot ${u.id}: ${u.error.message}`),
    ];
    const selected = selectSnapshots(sourceListing.snapshots, request);

    const index = await loadMasterIndex(destination);
    const { adopted } = await adoptUnindexedPacks(destination, index);
    const destinationListing = await listSnapshots(destination);
    for (const u of destinationListing.unreadable)
      warnings.push(
        `destination snapshot ${u.id} cannot be read, so it is not known to be a copy: ${u.error.message}`,
      );
    /** Destination snapshots by the ID of the snapshot they are (a copy's original, or their own ID). */
    const held = new Map<string, StoredSnapshot>();
    for (const s of destinationListing.snapshots) held.set(originOf(s), s);

    const sourceReader = new BlobReader(source, sourceIndex);
    const writer = new RepositoryWriter(destination, index, {
      ...(request.compressionLevel !== undefined ? { compressionLevel: request.compressionLevel } : {}),
    });
    // Started after the adoption above: workers skip every blob the destination's index lists.
    const pool = new IngestPool(destination, index, writer, {
      copyFrom: source,
      ...(request.workers !== undefined ? { workers: request.workers } : {}),
      ...(request.compressionLevel !== undefined ? { compressionLevel: request.compressionLevel } : {}),
      queueBytesPerWorker: 16 << 20,
    });
    pools.push(pool);
    const content = contentCopier({
      source: { repo: source, index: sourceIndex, blobs: new SourceBlobs(source, new ByteBudget(64 << 20)) },
      destination: { repo: destination, index },
      pool,
    });
    const verifier = new CopyVerifier(
      destination,
      index,
      new BlobReader(destination, index, { treeCacheSize: 0 }),
      {
        ...(request.verifySample !== undefined ? { sample: request.verifySample } : {}),
      },
    );
    const sentBefore = destination.backend.requestStats?.().bytesSent;
    const progress: CopyProgress = {
      snapshotsDone: 0,
      snapshotsTotal: 0,
      current: '',
      files: 0,
      bytes: 0,
      bytesStored: 0,
    };
    const trees = new TreeCopier({
      source: sourceReader,
      destination: new BlobReader(destination, index),
      writer,
      content,
      concurrency: 32,
      ...(signal ? { signal } : {}),
      onFile: (stats) => {
        progress.files = stats.files;
        progress.bytes = stats.bytes;
        progress.bytesStored = content.stats.bytesStored;
        deps.onProgress?.(progress);
      },
    });

    const result: CopyResult = {
      mode: content.mode,
      selected: selected.length,
      copied: [],
      skipped: [],
      failed: [],
      warnings,
      filesCopied: 0,
      bytesCopied: 0,
      entriesReused: 0,
      dataAdded: 0,
      dataAddedPacked: 0,
      treeBlobs: 0,
      packsWritten: 0,
      adoptedPacks: adopted,
      verified: { snapshots: 0, trees: 0, dataBlobs: 0, packs: 0, sampledBlobs: 0 },
      durationMs: 0,
    };
    const todo: StoredSnapshot[] = [];
    for (const s of selected) {
      const copy = held.get(originOf(s));
      if (copy) result.skipped.push({ source: s.id, copy: copy.id });
      else if (!todo.some((t) => originOf(t) === originOf(s))) todo.push(s);
    }
    progress.snapshotsTotal = todo.length;
    for (const snapshot of todo) {
      signal?.throwIfAborted();
      progress.current = snapshot.id;
      deps.onProgress?.(progress);
      let tree: string;
      try {
        tree = await trees.copy(snapshot.tree, counterpartOf(snapshot, sourceListing.snapshots, held));
        await content.settle(signal);
      } catch (e) {
        await content.settle(signal).catch(() => {}); // nothing of it may still run while the next one copies
        if (!(e instanceof StepvaultError) || (e.code !== 'corrupt' && e.code !== 'not-found')) throw e;
        result.failed.push({ source: snapshot.id, error: e.message });
        progress.snapshotsDone++;
        continue;
      }
      signal?.throwIfAborted();
      await pool.flush();
      await writer.flush();
      signal?.throwIfAborted();
      let verified: CopyVerification;
      try {
        verified = await verifier.verify(tree, signal);
      } catch (e) {
        if (!(e instanceof StepvaultError) || (e.code !== 'corrupt' && e.code !== 'not-found')) throw e;
        result.failed.push({ source: snapshot.id, error: e.message });
        progress.snapshotsDone++;
        continue;
      }
      result.verified.snapshots++;
      result.verified.trees += verified.trees;
      result.verified.dataBlobs += verified.dataBlobs;
      result.verified.packs += verified.packs;
      result.verified.sampledBlobs += verified.sampledBlobs;
      await destinationLock.assertHeld();
      const parent = sourceListing.snapshots.find((p) => p.id === snapshot.parent);
      const record = copyOf(snapshot, tree, parent ? held.get(originOf(parent))?.id : undefined);
      const id = await saveSnapshot(destination, record);
      const copied: CopiedSnapshot = {
        source: snapshot.id,
        copy: id,
        time: snapshot.time,
        host: snapshot.host,
        paths: [...snapshot.paths],
      };
      held.set(originOf(snapshot), { ...record, id });
      result.copied.push(copied);
      progress.snapshotsDone++;
      deps.onCopied?.(copied);
    }
    // What snapshots that failed half-way stored: indexed, so a later run reuses it.
    await pool.flush();
    await writer.flush();
    result.filesCopied = trees.stats.files;
    result.bytesCopied = trees.stats.bytes;
    result.entriesReused = trees.stats.reused;
    result.dataAdded = content.stats.bytesStored;
    result.dataAddedPacked = writer.stats.packBytes;
    result.treeBlobs = writer.stats.treeBlobs;
    result.packsWritten = writer.stats.packs;
    const sentAfter = destination.backend.requestStats?.().bytesSent;
    if (sentBefore !== undefined && sentAfter !== undefined) result.bytesUploaded = sentAfter - sentBefore;
    result.durationMs = clock.now().getTime() - started;
    return result;
  } finally {
    for (const pool of pools) await pool.close();
    await destinationLock?.release();
    await sourceLock.release();
  }
}

/** The source snapshots a request names or filters, oldest first, each once. */
export function selectSnapshots(
  snapshots: readonly StoredSnapshot[],
  request: CopyRequest,
): StoredSnapshot[] {
  let chosen: StoredSnapshot[];
  if (request.snapshots?.length) {
    const filter = { hosts: request.hosts ?? [], paths: request.paths ?? [] };
    const byId = new Map<string, StoredSnapshot>();
    for (const ref of request.snapshots) {
      const s = resolveSnapshot(snapshots, ref, {
        ...filter,
        ...(request.tags ? { tags: request.tags } : {}),
      });
      byId.set(s.id, s);
    }
    chosen = [...byId.values()];
  } else {
    chosen = snapshots.filter((s) => matchesFilter(s, request));
  }
  return chosen.sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
}

/** The ID of the snapshot a snapshot is, across copies: the first one copied, or itself. */
function originOf(s: StoredSnapshot): string {
  return s.original ?? s.id;
}

/**
 * The snapshot record of a copy: the same metadata, the tree in the destination, where it came from, and as
 * parent the destination's copy of the source's parent (left out when there is none).
 */
function copyOf(s: StoredSnapshot, tree: string, parentCopy: string | undefined): Snapshot {
  const { id, parent: _parent, original, ...rest } = s;
  return { ...rest, tree, ...(parentCopy ? { parent: parentCopy } : {}), original: original ?? id };
}

/**
 * An earlier copy to walk alongside: a source snapshot of the same type that the destination already holds,
 * preferably of the same host and paths, nearest in time (older first).
 */
function counterpartOf(
  s: StoredSnapshot,
  sourceSnapshots: readonly StoredSnapshot[],
  held: ReadonlyMap<string, StoredSnapshot>,
): TreeCounterpart | undefined {
  let best: { score: number[]; pair: TreeCounterpart } | undefined;
  const time = Date.parse(s.time);
  for (const other of sourceSnapshots) {
    const copy = held.get(originOf(other));
    if (other.id === s.id || !copy || other.source.type !== s.source.type) continue;
    const distance = Date.parse(other.time) - time;
    const score = [
      other.host === s.host && sameSet(other.paths, s.paths) ? 0 : 1,
      distance <= 0 ? 0 : 1,
      Math.abs(distance),
    ];
    if (!best || compareScores(score, best.score) < 0)
      best = { score, pair: { source: other.tree, destination: copy.tree } };
  }
  return best?.pair;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
