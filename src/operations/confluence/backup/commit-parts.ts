// The last step of a fan-out Confluence backup: opens the run's plan and the parts' results (each sealed with the
// repository's key and of this run: fan-out-seal.ts), joins the parts' trees into the one snapshot a backup of the
// whole site would have made — each part's spaces grafted whole, the users directories merged, one site record with
// the run's options and the latest watermark of each listing — and commits it under a shared lock.
//
// Until this commit, no snapshot refers to what the parts wrote, so a prune that ran meanwhile may have removed it.
// Prune removes indexed data only by replacing every index file there was when it started (operations/prune), so
// the commit first proves that every index file of the run's start and every one the parts wrote is still there; if
// one is gone, it refuses (run the backup again) rather than commit a snapshot that may lack data.

import * as os from 'node:os';
import { type Clock, systemClock } from '../../../common/clock.ts';
import { StepvaultError } from '../../../common/errors.ts';
import type { MissingItem } from '../../../domain/snapshot.ts';
import type { TreeNode } from '../../../domain/tree-node.ts';
import { BlobReader } from '../../../repository/blob-reader.ts';
import { ContentWriter } from '../../../repository/content-writer.ts';
import { loadMasterIndex } from '../../../repository/index/index-store.ts';
import { RepositoryLock } from '../../../repository/lock/lock.ts';
import type { Repository } from '../../../repository/repository.ts';
import { RepositoryWriter } from '../../../repository/repository-writer.ts';
import { TreeBuilder } from '../../../repository/tree/tree-builder.ts';
import { earlierOf, laterOf } from '../../../sources/confluence/change-scan.ts';
import {
  encodeRecord,
  LAYOUT_FORMAT,
  NAMES,
  parseRecord,
  paths,
  type SiteRecord,
  type UsersFile,
  usersFileSchema,
  type Watermarks,
} from '../../../sources/confluence/layout.ts';
import { commitSnapshot } from '../../backup/commit-snapshot.ts';
import {
  backupOptionsOf,
  type ConfluenceBackupRequest,
  type ConfluenceBackupResult,
  confluenceSummary,
  normaliseSite,
  sourceOf,
} from './backup-confluence.ts';
import { PART_SEAL, type PartResult } from './backup-part.ts';
import { type ConfluenceCounts, emptyCounts } from './confluence-archiver.ts';
import { type FanOutPlan, INDEX_NAME_PREFIX, openPlan } from './fan-out-plan.ts';
import { opened, type Sealed } from './fan-out-seal.ts';
import { checkClaims, claims, type SpaceClaim } from './space-claims.ts';

export interface CommitPartsRequest extends ConfluenceBackupRequest {
  /** The run's time as the workflow knows it: the plan and every part must be this run's. */
  time: string;
  plan: Sealed<FanOutPlan>;
  parts: readonly Sealed<PartResult>[];
}

export interface CommitPartsDeps {
  repo: Repository;
  clock?: Clock;
  signal?: AbortSignal;
}

const WATERMARKS = ['pages', 'blogposts', 'attachments', 'footerComments', 'inlineComments'] as const;
/** The watermarks of the site-wide listings, walked by every part (the others come from each part's spaces). */
const SITE_WIDE = new Set<string>(['attachments', 'footerComments', 'inlineComments']);

export async function commitConfluenceParts(
  request: CommitPartsRequest,
  deps: CommitPartsDeps,
): Promise<ConfluenceBackupResult> {
  const clock = deps.clock ?? systemClock;
  const plan = openPlan(deps.repo, request.plan, request.time);
  // Each result bound to this plan; exactly one for each of its parts, which backed up what the plan gave it.
  const parts = request.parts.map((sealed, i) => {
    const part = opened(deps.repo, PART_SEAL, sealed, `the result of part ${i + 1}`);
    if (part.plan !== request.plan.seal)
      throw partError(`part ${i + 1} is of another run or plan, not of the run at ${plan.time}`);
    return { ...part, claims: checkClaims(plan.parts[part.index] ?? []) };
  });
  const byIndex = new Set(parts.map((p) => p.index));
  for (const index of plan.parts.keys())
    if (!byIndex.has(index)) throw partError(`no result for part ${index + 1} of ${plan.parts.length}`);
  if (parts.length !== plan.parts.length)
    throw partError(`${parts.length} results for the plan's ${plan.parts.length} parts`);
  const site = normaliseSite(request.site);
  const options = backupOptionsOf(request);
  const repo = deps.repo;
  const lock = await RepositoryLock.acquire(repo, { exclusive: false, purpose: 'backup', clock });
  try {
    await assertIndexFilesKept(repo, plan, parts);
    const index = await loadMasterIndex(repo);
    const blobs = new BlobReader(repo, index);
    const builder = new TreeBuilder();
    const held = new Map<string, { part: number; claim: SpaceClaim; node: TreeNode }[]>();
    const users = new Map<string, UsersFile['users'][number]>();
    for (const [i, part] of parts.entries()) {
      const root = await readDir(blobs, part.tree, `part ${i + 1}`);
      const spacesNode = root.get(NAMES.spaces);
      for (const node of spacesNode
        ? (await readDir(blobs, spacesNode.subtree, `part ${i + 1}`)).values()
        : []) {
        const claim = part.claims.find((c) => c.space === node.name);
        if (!claim || !plan.spaces.includes(node.name))
          throw partError(`part ${i + 1} holds space ${node.name}, which was not given to it`);
        held.set(node.name, [...(held.get(node.name) ?? []), { part: i, claim, node }]);
      }
      const usersNode = root.get(NAMES.users);
      if (usersNode) {
        const text = await readText(blobs, usersNode);
        for (const entry of parseRecord(usersFileSchema, text, `part ${i + 1}: users.json`).users) {
          const known = users.get(entry.accountId);
          if (!known || (known.displayName === undefined && entry.displayName !== undefined))
            users.set(entry.accountId, entry);
        }
      }
    }
    // A space a part found gone is left out whole, even where other parts backed up slices of it before it went,
    // and named among what the site deleted during the backup.
    const gone = new Set(parts.flatMap((p) => p.gone));
    const lost = plan.spaces.filter((key) => !held.has(key) && !gone.has(key));
    if (lost.length > 0) throw partError(`no part backed up space ${lost.join(', ')}`);
    for (const [key, holders] of held) if (!gone.has(key)) await placeSpace(builder, blobs, key, holders);
    const spacesGone = [...gone].sort().map((key) => ({
      path: `space ${key}`,
      reason: 'the site no longer listed it when its part ran (deleted, or hidden from these credentials)',
    }));

    const time = new Date(plan.time);
    const record = siteRecordOf(site, request.cloudId, options, plan.time, parts);
    const writer = new RepositoryWriter(repo, index);
    const content = new ContentWriter(repo, writer, index);
    builder.addDir(paths.spaces());
    builder.addFile(paths.site(), await content.storeBytes(encodeRecord(record)), plan.time);
    const usersFile: UsersFile = {
      users: [...users.keys()].sort().map((id) => users.get(id)!),
    };
    builder.addFile(paths.users(), await content.storeBytes(encodeRecord(usersFile)), plan.time);
    const tree = await builder.write(writer);
    await writer.flush();

    // (a space cut into slices is counted by each of its parts)
    const counts = { ...sumCounts(parts.map((p) => p.counts)), spaces: plan.spaces.length - gone.size };
    const missing = uniqueMissing(parts.flatMap((p) => p.missing.filter((m) => !isInGone(m.path, gone))));
    const deleted = [
      ...spacesGone,
      ...parts.flatMap((p) => p.deleted.filter((d) => !isInGone(d.path, gone))),
    ];
    const summary = confluenceSummary(counts, {
      start: plan.time,
      end: clock.now().toISOString(),
      treeBlobs: parts.reduce((n, p) => n + p.treeBlobs, writer.stats.treeBlobs),
      packBytes: parts.reduce((n, p) => n + p.packBytes, writer.stats.packBytes),
      errors: missing.length,
    });
    const snapshotId = await commitSnapshot(
      repo,
      lock,
      {
        started: time,
        host: request.host ?? os.hostname(),
        paths: [site],
        tags: request.tags,
        parent: plan.parent ?? undefined,
        tree,
        source: sourceOf(site, options),
        summary,
        missing,
      },
      deps.signal,
    );
    return {
      ...(snapshotId ? { snapshotId } : {}),
      ...(plan.parent ? { parent: plan.parent } : {}),
      summary,
      missing,
      deleted,
      site: record,
      dryRun: false,
      adoptedPacks: 0,
    };
  } finally {
    await lock.release();
  }
}

async function assertIndexFilesKept(repo: Repository, plan: FanOutPlan, parts: readonly PartResult[]) {
  const present = new Set<string>();
  for await (const info of repo.backend.list('index')) present.add(info.name.slice(0, INDEX_NAME_PREFIX));
  const needed = [...plan.indexFiles, ...parts.flatMap((p) => p.indexFiles)];
  const gone = needed.filter((name) => !present.has(name.slice(0, INDEX_NAME_PREFIX)));
  if (gone.length > 0)
    throw new StepvaultError(
      'conflict',
      `the repository's index changed while this backup ran (${gone.length} index file${gone.length === 1 ? '' : 's'} it relies on, ${gone[0]!.slice(0, 8)} first, are gone: a prune or an index repair ran), so data the parts wrote or reuse may be gone; no snapshot was written`,
      { hint: 'run the backup again (it reuses what is still there); keep prune out of the backup window' },
    );
}

/**
 * Puts a space into the tree from the parts that hold it: one part's whole space is grafted whole; slices are
 * joined — the space's own records from the first slice's part, every item directory from the part whose slice
 * its id falls in (an item in the wrong part is refused). The slices must cover the space exactly once.
 */
async function placeSpace(
  builder: TreeBuilder,
  blobs: BlobReader,
  key: string,
  holders: { part: number; claim: SpaceClaim; node: TreeNode }[],
): Promise<void> {
  const of = holders[0]!.claim.of;
  const taken = new Map<number, number>();
  for (const { part, claim } of holders) {
    if (claim.of !== of)
      throw partError(`space ${key} is cut into ${of} slices in one part and ${claim.of} in another`);
    for (const index of claim.indices) {
      if (taken.has(index))
        throw partError(`space ${key} is in part ${taken.get(index)! + 1} and in part ${part + 1}`);
      taken.set(index, part);
    }
  }
  if (taken.size !== of)
    throw partError(`no part backed up all of space ${key} (${taken.size} of ${of} slices)`);
  if (holders.length === 1) {
    builder.graft(paths.spaceDir(key), holders[0]!.node);
    return;
  }
  const first = holders.find((h) => h.claim.indices.includes(0))!;
  for (const [name, node] of await readDir(blobs, first.node.subtree, `space ${key}`))
    if (name !== NAMES.content) builder.graft(`${paths.spaceDir(key)}/${name}`, node);
  builder.addDir(paths.contentDir(key));
  for (const { part, claim, node } of holders) {
    const content = (await readDir(blobs, node.subtree, `space ${key}`)).get(NAMES.content);
    for (const [id, item] of content ? await readDir(blobs, content.subtree, `space ${key}`) : []) {
      if (!claims(claim, id))
        throw partError(`part ${part + 1} holds item ${id} of space ${key}, outside its slices`);
      builder.graft(paths.itemDir(key, id), item);
    }
  }
}

/** Whether a named item (`space KEY …`) is of a space that went. */
function isInGone(path: string, gone: ReadonlySet<string>): boolean {
  return gone.has(/^space (\S+)/.exec(path)?.[1] ?? '');
}

async function readDir(blobs: BlobReader, tree: string | undefined, where: string) {
  if (!tree) throw partError(`${where}: a directory without a subtree`);
  return new Map((await blobs.readTree(tree)).map((n) => [n.name, n] as const));
}

async function readText(blobs: BlobReader, node: TreeNode): Promise<string> {
  const chunks: Buffer[] = [];
  for (const blob of node.content ?? []) chunks.push(await blobs.read(blob));
  return Buffer.concat(chunks).toString('utf8');
}

function partError(message: string): StepvaultError {
  return new StepvaultError('corrupt', `the parts of this backup do not fit together: ${message}`, {
    hint: 'run the backup again; no snapshot was written',
  });
}

/** The run's site record: its options, the latest watermark of each listing, the parts' (equal) sweep state. */
function siteRecordOf(
  site: string,
  cloudId: string | undefined,
  options: SiteRecord['options'],
  time: string,
  parts: readonly PartResult[],
): SiteRecord {
  // (a part whose spaces had all gone walked nothing)
  const walked = parts.flatMap((p) => (p.site ? [p.site] : []));
  const watermarks: Watermarks = {};
  for (const key of WATERMARKS) {
    let value: string | undefined;
    for (const [i, part] of walked.entries()) {
      const mark = part.watermarks[key];
      // Each part walks the site-wide listings on its own, at its own time, keeping only its containers' changes:
      // a change another part's items had after the earliest walk may be seen only by a later part, which drops
      // it, so the next run must walk back to the earliest. Pages and blog posts are listed whole per space.
      if (SITE_WIDE.has(key))
        value =
          i === 0 ? mark : mark === undefined || value === undefined ? undefined : earlierOf(value, mark);
      else value = laterOf(value, mark);
    }
    if (value !== undefined) watermarks[key] = value;
  }
  const first = walked[0];
  for (const part of walked)
    if (
      part.swept !== first?.swept ||
      part.lastSweep !== first.lastSweep ||
      JSON.stringify(part.sweepSlice) !== JSON.stringify(first.sweepSlice)
    )
      throw partError('the parts disagree on the metadata sweep (they were given different plans)');
  return {
    format: LAYOUT_FORMAT,
    site,
    ...(cloudId ? { cloudId } : {}),
    time,
    options,
    watermarks,
    ...(first?.lastSweep !== undefined ? { lastSweep: first.lastSweep } : {}),
    swept: first?.swept ?? false,
    ...(first?.sweepSlice !== undefined ? { sweepSlice: first.sweepSlice } : {}),
  };
}

function sumCounts(all: readonly ConfluenceCounts[]): ConfluenceCounts {
  const total = emptyCounts();
  for (const c of all) {
    for (const key of Object.keys(total) as (keyof ConfluenceCounts)[]) {
      if (key === 'sweep') continue;
      (total[key] as number) += c[key] as number;
    }
    total.sweep.ran ||= c.sweep.ran;
    total.sweep.requests += c.sweep.requests;
    total.sweep.seconds += c.sweep.seconds;
    total.sweep.fallbacks.push(...c.sweep.fallbacks);
  }
  total.sweep.fallbacks = [...new Set(total.sweep.fallbacks)].sort();
  return total;
}

/** The parts each name a users directory they could not complete: named once. */
function uniqueMissing(all: readonly MissingItem[]): MissingItem[] {
  const seen = new Set<string>();
  return all.filter((m) => {
    const key = `${m.path}\n${m.error}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
