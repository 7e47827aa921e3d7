// The Confluence backup use case, shaped like the files backup: lock, load the index (adopting packs an
// interrupted backup left), pick the parent (the newest snapshot of the same site, spaces and options),
// decide whether the metadata sweep is due, archive the site through ContentWriter and the tree builder, write
// packs then index, and — only if the lock is still held — the snapshot. Items that could not be read after
// retries are listed in `partial.missing`: the snapshot is committed, marked incomplete. Items listed and then
// confirmed deleted by the site (read alone: 404 or status `deleted`) are left out and listed in `deleted`.

import * as os from 'node:os';
import { type Clock, systemClock } from '../../../common/clock.ts';
import { StepvaultError } from '../../../common/errors.ts';
import { DEFAULT_COMPRESSION_LEVEL } from '../../../domain/compression-level.ts';
import {
  type MissingItem,
  newestFirst,
  type SnapshotSummary,
  type StoredSnapshot,
  sameSet,
} from '../../../domain/snapshot.ts';
import { BlobReader } from '../../../repository/blob-reader.ts';
import { ContentWriter } from '../../../repository/content-writer.ts';
import { adoptUnindexedPacks } from '../../../repository/index/adopt-packs.ts';
import { loadMasterIndex } from '../../../repository/index/index-store.ts';
import { RepositoryLock } from '../../../repository/lock/lock.ts';
import type { Repository } from '../../../repository/repository.ts';
import { RepositoryWriter } from '../../../repository/repository-writer.ts';
import { listSnapshots, resolveSnapshot } from '../../../repository/snapshot/snapshot-store.ts';
import {
  type BackupOptionsRecord,
  LAYOUT_FORMAT,
  type SiteRecord,
} from '../../../sources/confluence/layout.ts';
import type { BackupApi } from '../../../sources/confluence/read-api.ts';
import { DryRunBackend } from '../../../storage/dry-run-backend.ts';
import { commitSnapshot } from '../../backup/commit-snapshot.ts';
import { ConfluenceSnapshotReader } from '../snapshot-reader.ts';
import {
  type ArchiveOutcome,
  ConfluenceArchiver,
  type ConfluenceCounts,
  type ConfluenceProgress,
} from './confluence-archiver.ts';
import type { DeletedItem } from './item-archiver.ts';
import { ParentState } from './parent-state.ts';
import { nextSlice, SWEEP_ALL, type SweepScope } from './sweep-scope.ts';

/**
 * When the metadata sweep runs: every backup, never (carried over), when the last one is this old, or rolling:
 * every backup sweeps the next of `slices` slices of the items (by id), so the whole site is swept every `slices`
 * backups at a fraction of a whole sweep's requests each time.
 */
export type SweepPolicy =
  | { kind: 'always' }
  | { kind: 'never' }
  | { kind: 'every'; ms: number }
  | { kind: 'rolling'; slices: number };

export const DEFAULT_SWEEP_EVERY_MS = 24 * 3600 * 1000;

export interface ConfluenceBackupRequest {
  /** The site URL (or the gateway URL) as the client was configured; recorded without credentials. */
  site: string;
  cloudId?: string;
  /** Space keys; empty or absent: every space the credentials see. */
  spaces?: readonly string[];
  /** @default true */
  includeArchivedSpaces?: boolean;
  /** @default 'latest' */
  history?: 'latest' | 'all';
  /** @default 'latest' */
  attachmentVersions?: 'latest' | 'all';
  /** Pending drafts (unpublished changes) of published pages and blog posts, one request per page. @default false */
  drafts?: boolean;
  /** The client reads with the Admin Key (recorded in the snapshot). @default false */
  adminKey?: boolean;
  /** @default every 24 hours */
  sweep?: SweepPolicy;
  /** Items processed at once. @default 16 */
  concurrency?: number;
  tags?: readonly string[];
  /** @default os.hostname() */
  host?: string;
  /** A snapshot ID (prefix) to reuse unchanged items from; by default the newest matching one. */
  parent?: string;
  /** Reuse nothing: fetch everything. */
  force?: boolean;
  dryRun?: boolean;
  /** zstd level, 0 for none. @default 3 */
  compressionLevel?: number;
}

export interface ConfluenceBackupDeps {
  repo: Repository;
  api: BackupApi;
  clock?: Clock;
  signal?: AbortSignal;
  onProgress?: (progress: ConfluenceProgress) => void;
}

export interface ConfluenceSummary extends SnapshotSummary {
  confluence: ConfluenceCounts;
}

export interface ConfluenceBackupResult {
  /** Absent in a dry run. */
  snapshotId?: string;
  parent?: string;
  summary: ConfluenceSummary;
  missing: MissingItem[];
  /** Listed, then confirmed deleted by the site before they could be read: not in the snapshot. */
  deleted: DeletedItem[];
  site: SiteRecord;
  dryRun: boolean;
  adoptedPacks: number;
}

/** The options a request asks for, as site.json records them (defaults filled in, space keys sorted). */
export function backupOptionsOf(request: ConfluenceBackupRequest): BackupOptionsRecord {
  return {
    spaces: [...new Set(request.spaces ?? [])].sort(),
    includeArchivedSpaces: request.includeArchivedSpaces ?? true,
    statuses: ['current', 'archived', 'trashed'],
    history: request.history ?? 'latest',
    attachmentVersions: request.attachmentVersions ?? 'latest',
    drafts: request.drafts ?? false,
    adminKey: request.adminKey ?? false,
  };
}

/** The snapshot summary of a Confluence backup: the files summary's fields from its counts, and the counts. */
export function confluenceSummary(
  c: ConfluenceCounts,
  run: { start: string; end: string; treeBlobs: number; packBytes: number; errors: number },
): ConfluenceSummary {
  return {
    backupStart: run.start,
    backupEnd: run.end,
    filesNew: c.itemsNew,
    filesChanged: Math.max(0, c.itemsFetched - c.itemsNew),
    filesUnmodified: c.itemsReused,
    dirsNew: 0,
    dirsChanged: 0,
    dirsUnmodified: 0,
    dataBlobs: 0,
    treeBlobs: run.treeBlobs,
    dataAdded: c.dataAdded,
    dataAddedPacked: run.packBytes,
    totalFilesProcessed: c.items,
    totalBytesProcessed: c.bytesStored,
    errors: run.errors,
    confluence: c,
  };
}

/** What identifies comparable backups: same site, same spaces filter, same options. */
export function sourceOf(site: string, options: BackupOptionsRecord) {
  return {
    type: 'confluence',
    format: LAYOUT_FORMAT,
    site,
    spaces: [...options.spaces],
    includeArchivedSpaces: options.includeArchivedSpaces,
    history: options.history,
    attachmentVersions: options.attachmentVersions,
    drafts: options.drafts,
  };
}

export function matchesSource(s: StoredSnapshot, source: ReturnType<typeof sourceOf>): boolean {
  const x = s.source as Record<string, unknown>;
  return (
    x.type === 'confluence' &&
    x.format === source.format &&
    x.site === source.site &&
    Array.isArray(x.spaces) &&
    sameSet(x.spaces as string[], source.spaces) &&
    x.includeArchivedSpaces === source.includeArchivedSpaces &&
    x.history === source.history &&
    x.attachmentVersions === source.attachmentVersions &&
    x.drafts === source.drafts
  );
}

export async function backupConfluence(
  request: ConfluenceBackupRequest,
  deps: ConfluenceBackupDeps,
): Promise<ConfluenceBackupResult> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const site = normaliseSite(request.site);
  const options = backupOptionsOf(request);
  const source = sourceOf(site, options);
  const dryRun = request.dryRun ?? false;
  const repo = dryRun ? deps.repo.withBackend(new DryRunBackend(deps.repo.backend)) : deps.repo;
  const lock = dryRun
    ? undefined
    : await RepositoryLock.acquire(repo, { exclusive: false, purpose: 'backup', clock });
  try {
    const index = await loadMasterIndex(repo);
    const { adopted } = dryRun ? { adopted: 0 } : await adoptUnindexedPacks(repo, index);
    const { snapshots } = await listSnapshots(repo);
    let parentSnapshot: StoredSnapshot | undefined;
    if (request.parent) {
      parentSnapshot = resolveSnapshot(snapshots, request.parent);
      if (!matchesSource(parentSnapshot, source)) {
        throw new StepvaultError(
          'usage',
          `snapshot ${parentSnapshot.id.slice(0, 8)} is not a backup of the same Confluence site, spaces and options`,
          {
            hint: 'leave out --parent to use the newest matching one',
          },
        );
      }
    } else if (!request.force) {
      parentSnapshot = snapshots.filter((s) => matchesSource(s, source)).sort(newestFirst)[0];
    }
    const blobs = new BlobReader(repo, index);
    const parent = parentSnapshot
      ? await ParentState.open(ConfluenceSnapshotReader.from(blobs, parentSnapshot))
      : undefined;
    const sweep = sweepScopeOf(
      request.sweep ?? { kind: 'every', ms: DEFAULT_SWEEP_EVERY_MS },
      parent,
      started,
    );

    const level = request.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL;
    const writer = new RepositoryWriter(repo, index, { compressionLevel: level });
    const content = new ContentWriter(repo, writer, index);
    const archiver = new ConfluenceArchiver(
      { site, cloudId: request.cloudId, options, sweep, concurrency: request.concurrency },
      {
        api: deps.api,
        content,
        writer,
        parent,
        now: () => clock.now(),
        signal: deps.signal,
        onProgress: deps.onProgress,
      },
    );
    let outcome: ArchiveOutcome;
    try {
      outcome = await archiver.archive();
    } finally {
      parent?.close();
    }
    deps.signal?.throwIfAborted();
    await writer.flush();
    const c = outcome.counts;
    const summary = confluenceSummary(c, {
      start: started.toISOString(),
      end: clock.now().toISOString(),
      treeBlobs: writer.stats.treeBlobs,
      packBytes: writer.stats.packBytes,
      errors: outcome.missing.length,
    });
    const snapshotId = await commitSnapshot(
      repo,
      lock,
      {
        started,
        host: request.host ?? os.hostname(),
        paths: [site],
        tags: request.tags,
        parent: parentSnapshot?.id,
        tree: outcome.tree,
        source,
        summary,
        missing: outcome.missing,
      },
      deps.signal,
    );
    return {
      ...(snapshotId ? { snapshotId } : {}),
      ...(parentSnapshot ? { parent: parentSnapshot.id } : {}),
      summary,
      missing: outcome.missing,
      deleted: outcome.deleted,
      site: outcome.site,
      dryRun,
      adoptedPacks: adopted,
    };
  } finally {
    await lock?.release();
  }
}

/** What the metadata sweep covers in this backup (the whole site without a parent: nothing to carry over). */
export function sweepScopeOf(policy: SweepPolicy, parent: ParentState | undefined, now: Date): SweepScope {
  if (!parent) return SWEEP_ALL;
  switch (policy.kind) {
    case 'always':
      return SWEEP_ALL;
    case 'never':
      return { kind: 'none' };
    case 'rolling':
      return nextSlice(parent.site, policy.slices);
    case 'every': {
      const last = parent.site.lastSweep;
      return last === undefined || now.getTime() - Date.parse(last) >= policy.ms
        ? SWEEP_ALL
        : { kind: 'none' };
    }
  }
}

/** The site URL without credentials, query, fragment or a trailing `/wiki` or `/`. */
export function normaliseSite(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not echoed whole: a mistyped URL may still carry credentials before an "@".
    const shown = raw.includes('@')
      ? `${raw.slice(0, raw.indexOf('://') + 3)}…${raw.slice(raw.lastIndexOf('@'))}`
      : raw;
    throw new StepvaultError('usage', `"${shown}" is not a URL`, {
      hint: 'give the site as https://<site>.atlassian.net (or the api.atlassian.com gateway URL)',
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new StepvaultError('usage', `the site URL must be http(s), got ${url.protocol}`);
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url
    .toString()
    .replace(/\/+$/, '')
    .replace(/\/wiki$/, '');
}
