// Restores a Confluence snapshot into a Confluence site: every space of the snapshot (or some), one page, or a
// subtree, into a new space, an existing one, or in place (same site and space: changed pages rolled back by a
// new version, trashed ones brought back, purged ones recreated). Per space the phases are: the space and its
// settings; the tree (create or find every item, parents first, siblings in order); attachments; bodies
// rewritten once every new id is known; labels, properties and comments; the trash and restrictions last.
// A journal in the local state directory (journal.ts) makes an interrupted restore resume without
// duplicates; a dry run reads the target, writes nothing and reports what it would do. What Cloud cannot
// preserve is documented in docs/confluence-restore.md.

import { type Clock, systemClock } from '../../../common/clock.ts';
import { StepvaultError } from '../../../common/errors.ts';
import type { Repository } from '../../../repository/repository.ts';
import type { ConfluenceClient } from '../../../sources/confluence/client/client.ts';
import type { ContentRecord, SpaceRecord } from '../../../sources/confluence/layout.ts';
import { InlineResolutionWriter } from '../../../sources/confluence/restore/inline-resolution.ts';
import { creationOrder, selectSubtree } from '../../../sources/confluence/restore/tree-order.ts';
import { ConfluenceSnapshotReader } from '../snapshot-reader.ts';
import { restoreBodies } from './bodies.ts';
import type { RestoreProgress, RestoreSettings, RunState, SpaceRestore } from './context.ts';
import { restoreAttachmentsOfItems, restoreDetails } from './details.ts';
import { finishRestore } from './finish.ts';
import { journalPath, RestoreJournal, readJournal, readSiblingIdMaps } from './journal.ts';
import { type Changed, type NotRestored, type RestoreCounts, RestoreReport } from './report.ts';
import { resolveTargetSpace, restoreSpaceSettings, type SpaceMode } from './space.ts';
import { TargetIndex } from './target-index.ts';
import { restoreTree } from './tree.ts';

export interface RestoreConfluenceRequest {
  /** Snapshot ID, ID prefix or "latest". */
  snapshot: string;
  /** Space keys of the snapshot to restore. @default every space */
  spaces?: string[];
  /** Restore into this existing space of the target (one source space only). */
  targetSpace?: string;
  /** Restore into a new space with this key (and name; default the snapshot's). One source space only. */
  newSpace?: { key: string; name?: string };
  /** Restore this page (or blog post, folder, …) only. */
  page?: string;
  /** With `page`: everything below it too. */
  withDescendants?: boolean;
  /** Same site, same space: roll back, un-trash, recreate. */
  inPlace?: boolean;
  dryRun?: boolean;
  /** Hosts that also mean the original site in absolute links (its own host always does). */
  sourceHosts?: string[];
  /** Origin for rewritten absolute links. @default the target site's, when it differs from the original */
  targetHost?: string;
  /** Items worked on at once. @default 8 */
  concurrency?: number;
}

export interface RestoreConfluenceDeps {
  repo: Repository;
  /** A client of the target site. */
  client: ConfluenceClient;
  /** The target site's URL as given (names the journal; default origin of rewritten links). */
  targetSite: string;
  /** Local state directory for journals; without one a restore resumes by looking things up only. */
  stateDir: string | undefined;
  signal?: AbortSignal;
  clock?: Clock;
  onProgress?: (progress: RestoreProgress) => void;
}

export interface RestoredSpace {
  source: string;
  target: string;
  created: boolean;
  items: number;
  journal: string | undefined;
}

export interface RestoreConfluenceResult {
  snapshotId: string;
  dryRun: boolean;
  spaces: RestoredSpace[];
  counts: RestoreCounts;
  /** What is not in the target afterwards (non-empty: the restore is partial, exit code 3). */
  notRestored: NotRestored[];
  /** What the target held that the restore changed (would change, in a dry run). */
  changed: Changed[];
  /** What was restored but not as it was (archived pages now current, …). */
  warnings: string[];
  durationMs: number;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

function originOf(value: string): string {
  const withScheme = /^https?:\/\//i.test(value) ? value : `https://${value}`;
  try {
    return new URL(withScheme).origin;
  } catch {
    throw new StepvaultError('usage', `--target-host ${JSON.stringify(value)} is not a host name`, {
      hint: 'give the host of the target site, e.g. copy.atlassian.net',
    });
  }
}

interface SpacePlan {
  source: SpaceRecord;
  items: Map<string, ContentRecord>;
  selected: ContentRecord[];
}

function check(request: RestoreConfluenceRequest, sources: number): void {
  const usage = (message: string, hint: string) => new StepvaultError('usage', message, { hint });
  if (request.targetSpace !== undefined && request.newSpace !== undefined)
    throw usage('--target-space and --new-space exclude each other', 'give one of them');
  if (request.inPlace && (request.targetSpace !== undefined || request.newSpace !== undefined))
    throw usage('--in-place restores into the same space', 'leave out --target-space and --new-space');
  if ((request.targetSpace !== undefined || request.newSpace !== undefined) && sources !== 1)
    throw usage(
      `--target-space and --new-space take one source space, the snapshot has ${sources} to restore`,
      'choose it with --space KEY',
    );
  if (request.withDescendants && request.page === undefined)
    throw usage('--with-descendants needs --page ID', 'name the page whose subtree to restore');
}

async function planSpaces(
  reader: ConfluenceSnapshotReader,
  request: RestoreConfluenceRequest,
): Promise<SpacePlan[]> {
  const all = await reader.spaces();
  let spaces = all;
  if (request.spaces && request.spaces.length > 0) {
    const wanted = new Set(request.spaces.map((k) => k.toUpperCase()));
    spaces = all.filter((s) => wanted.has(s.key.toUpperCase()));
    const missing = [...wanted].filter((k) => !spaces.some((s) => s.key.toUpperCase() === k));
    if (missing.length > 0)
      throw new StepvaultError('not-found', `space ${missing.join(', ')} is not in the snapshot`, {
        hint: `the snapshot holds ${all.map((s) => s.key).join(', ') || 'no spaces'}`,
      });
  }
  const plans: SpacePlan[] = [];
  for (const source of spaces) {
    const records = await reader.items(source.key);
    const items = new Map(records.map((r) => [r.id, r]));
    let chosen: ContentRecord[];
    if (request.page !== undefined) {
      if (!items.has(request.page)) continue;
      chosen = selectSubtree(records, request.page, request.withDescendants ?? false);
    } else chosen = records;
    // In place, the trash stays as it is: trashed items of the snapshot are not recreated.
    if (request.inPlace) chosen = chosen.filter((i) => i.status !== 'trashed');
    plans.push({ source, items, selected: creationOrder(chosen).order });
  }
  if (request.page !== undefined && plans.length === 0)
    throw new StepvaultError('not-found', `content ${request.page} is not in the snapshot`, {
      hint: 'give the id of a page, blog post or folder of the snapshot (see `stepvault ls SNAPSHOT`)',
    });
  return plans;
}

/** The key of the target space as the request names it (the journal is per source and target space). */
function targetKeyOf(source: SpaceRecord, request: RestoreConfluenceRequest): string {
  return request.targetSpace ?? request.newSpace?.key ?? source.key;
}

function spaceMode(request: RestoreConfluenceRequest): SpaceMode {
  if (request.inPlace) return { kind: 'in-place' };
  if (request.targetSpace !== undefined) return { kind: 'existing', key: request.targetSpace };
  if (request.newSpace !== undefined)
    return { kind: 'new', key: request.newSpace.key, name: request.newSpace.name };
  return { kind: 'same-key' };
}

/** Where the selected root of a page restore goes when its parent is not restored with it. */
function anchorParent(ctx: SpaceRestore, request: RestoreConfluenceRequest): string | undefined {
  if (request.page === undefined) return undefined;
  const root = ctx.selected[0];
  if (!root || root.parentId === undefined || root.type === 'blogpost') return undefined;
  const mapped = ctx.run.ids.get(root.parentId);
  if (mapped !== undefined) return mapped;
  const same = ctx.index.byId.get(root.parentId);
  if (request.inPlace && same && same.status !== 'trashed') return same.id;
  const parent = ctx.items.get(root.parentId);
  const byTitle = parent ? ctx.index.pageWithTitle(parent.title) : undefined;
  return byTitle?.id ?? ctx.target.homepageId;
}

export async function restoreConfluence(
  request: RestoreConfluenceRequest,
  deps: RestoreConfluenceDeps,
): Promise<RestoreConfluenceResult> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now().getTime();
  const reader = await ConfluenceSnapshotReader.open(deps.repo, request.snapshot);
  const site = await reader.site();
  const plans = await planSpaces(reader, request);
  check(request, plans.length);
  const dryRun = request.dryRun ?? false;
  const snapshotId = reader.snapshot.id;

  const originalHost = hostOf(site.site);
  const targetHost = hostOf(deps.targetSite);
  if (request.inPlace && originalHost !== targetHost)
    throw new StepvaultError(
      'usage',
      `--in-place restores into the site the snapshot came from (${site.site})`,
      {
        hint: `give --site ${site.site}, or restore into a space of this site without --in-place`,
      },
    );
  const sourceHosts = [originalHost, ...(request.sourceHosts ?? [])]
    .filter((h): h is string => h !== undefined && h !== '')
    .map((h) =>
      h
        .toLowerCase()
        .replace(/^https?:\/\//, '')
        .replace(/\/.*$/, ''),
    );
  const targetOrigin =
    request.targetHost !== undefined
      ? originOf(request.targetHost)
      : targetHost !== undefined && targetHost !== originalHost && targetHost !== 'api.atlassian.com'
        ? new URL(deps.targetSite).origin
        : undefined;
  const settings: RestoreSettings = {
    inPlace: request.inPlace ?? false,
    dryRun,
    sourceHosts,
    targetOrigin,
    concurrency: Math.max(1, request.concurrency ?? 8),
  };

  const report = new RestoreReport();
  const run: RunState = {
    ids: new Map(),
    spaceKeys: new Map(),
    attachmentIds: new Map(),
    planned: new Set(plans.flatMap((p) => p.selected.map((i) => i.id))),
  };
  const spaces: RestoredSpace[] = [];
  const opened: { ctx: SpaceRestore; file: string | undefined }[] = [];
  try {
    // Every space's tree and attachments first, so that the body pass knows the new ids of all spaces.
    for (const plan of plans) {
      const { source } = plan;
      const file = deps.stateDir
        ? journalPath(deps.stateDir, deps.targetSite, snapshotId, source.key, targetKeyOf(source, request))
        : undefined;
      if (file)
        for (const [oldId, newId] of readSiblingIdMaps(file, snapshotId, source.key))
          run.ids.set(oldId, newId);
      const journal = !file
        ? RestoreJournal.inMemory()
        : dryRun
          ? RestoreJournal.inMemory(readJournal(file))
          : RestoreJournal.open(file, { snapshot: snapshotId, site: deps.targetSite, space: source.key });
      let target: Awaited<ReturnType<typeof resolveTargetSpace>>;
      try {
        target = await resolveTargetSpace({
          client: deps.client,
          journal,
          report,
          source,
          mode: spaceMode(request),
          dryRun,
          signal: deps.signal,
        });
      } catch (error) {
        await journal.close();
        throw error;
      }
      if (target.key !== source.key) run.spaceKeys.set(source.key, target.key);
      const ctx: SpaceRestore = {
        reader,
        client: deps.client,
        resolutions: new InlineResolutionWriter(deps.client),
        journal,
        report,
        signal: deps.signal,
        settings,
        run,
        source,
        target,
        items: plan.items,
        selected: plan.selected,
        selectedIds: new Set(plan.selected.map((i) => i.id)),
        index: new TargetIndex(),
        createdNow: new Set(),
        failed: new Set(),
        anchorParentId: undefined,
        progress: (phase, done, total) => deps.onProgress?.({ space: source.key, phase, done, total }),
      };
      opened.push({ ctx, file });
      if (!target.fresh && target.id !== '')
        ctx.index = await TargetIndex.load(deps.client, target.id, deps.signal);
      ctx.anchorParentId = anchorParent(ctx, request);
      if (request.page === undefined || target.fresh)
        await restoreSpaceSettings(ctx, await reader.spaceMeta(source.key));
      await restoreTree(ctx);
      await restoreAttachmentsOfItems(ctx);
    }
    for (const { ctx } of opened) await restoreBodies(ctx);
    for (const { ctx } of opened) await restoreDetails(ctx);
    for (const { ctx } of opened) await finishRestore(ctx);
    for (const { ctx, file } of opened)
      spaces.push({
        source: ctx.source.key,
        target: ctx.target.key,
        created: ctx.target.fresh,
        items: ctx.selected.length - ctx.failed.size,
        journal: file,
      });
  } finally {
    for (const { ctx } of opened) await ctx.journal.close();
  }

  return {
    snapshotId,
    dryRun,
    spaces,
    counts: report.counts,
    notRestored: report.notRestored,
    changed: report.changes,
    warnings: report.warnings(),
    durationMs: clock.now().getTime() - started,
  };
}
