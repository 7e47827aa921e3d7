// What every phase of a Confluence restore shares for one space: the snapshot reader, the target client, the
// journal, the id maps (shared by all spaces of the run, so links across spaces are rewritten), the items to
// restore in creation order, what the target already held, and the report. Also the body a restore writes for
// an item: the stored storage body (ADF only when there is none) with references rewritten and the markers of
// inline comments that will be recreated unwrapped.

import { StepvaultError } from '../../../common/errors.ts';
import type { ConfluenceClient } from '../../../sources/confluence/client/client.ts';
import type { BodyWrite, LabelOwnerKind } from '../../../sources/confluence/client/client-types.ts';
import { httpStatusOf } from '../../../sources/confluence/client/http-errors.ts';
import type { ContentRecord, LabelRecord, SpaceRecord } from '../../../sources/confluence/layout.ts';
import { keepMarkers } from '../../../sources/confluence/restore/inline-anchors.ts';
import type { InlineResolutionWriter } from '../../../sources/confluence/restore/inline-resolution.ts';
import { rewriteReferences } from '../../../sources/confluence/restore/storage-rewrite.ts';
import type { ConfluenceSnapshotReader } from '../snapshot-reader.ts';
import type { RestoreJournal } from './journal.ts';
import { describeItem, type RestoreReport } from './report.ts';
import type { TargetIndex } from './target-index.ts';

export interface RestoreSettings {
  inPlace: boolean;
  dryRun: boolean;
  /** Hosts that mean the original site in absolute links, and the origin written instead. */
  sourceHosts: string[];
  targetOrigin: string | undefined;
  /** Requests the restore keeps in flight (the client's limiter decides the actual pace). */
  concurrency: number;
}

export interface TargetSpace {
  key: string;
  id: string;
  homepageId: string | undefined;
  /** Created by this run: nothing in it but its homepage, so no lookups are needed. */
  fresh: boolean;
}

export type Phase = 'space' | 'tree' | 'order' | 'bodies' | 'details' | 'finish';

export interface RestoreProgress {
  space: string;
  phase: Phase;
  done: number;
  total: number;
}

/** Run-wide state, shared by the spaces of one restore. */
export interface RunState {
  /** Old content id -> new content id, every space of the run (and earlier runs of the same snapshot). */
  ids: Map<string, string>;
  /** Old space key -> new space key. */
  spaceKeys: Map<string, string>;
  /** Old attachment id -> new attachment id. */
  attachmentIds: Map<string, string>;
  /** Old ids of every item this run restores (those not yet in `ids` are forward references). */
  planned: Set<string>;
}

export interface SpaceRestore {
  reader: ConfluenceSnapshotReader;
  client: ConfluenceClient;
  /** Sets inline comments' resolution states; without it they come back open (a warning). */
  resolutions: InlineResolutionWriter;
  journal: RestoreJournal;
  report: RestoreReport;
  signal: AbortSignal | undefined;
  settings: RestoreSettings;
  run: RunState;
  source: SpaceRecord;
  target: TargetSpace;
  /** Every item of the source space, by id (all types and statuses). */
  items: Map<string, ContentRecord>;
  /** The items to restore, parents before children. */
  selected: ContentRecord[];
  selectedIds: Set<string>;
  /** The target's pages and blog posts as they were before this run's writes. */
  index: TargetIndex;
  /** Old ids of items this run created (their target state is known: nothing hangs off them yet). */
  createdNow: Set<string>;
  /** Old ids whose item could not be restored (their children and details are skipped). */
  failed: Set<string>;
  /** Where a selected item whose parent is not restored goes (page mode): a target id, or undefined. */
  anchorParentId: string | undefined;
  progress(phase: Phase, done: number, total: number): void;
}

/** The status an item gets in the target: archived content comes back current (see docs). */
export function restoredStatus(item: ContentRecord): 'current' | 'draft' | 'trashed' {
  if (item.status === 'draft') return 'draft';
  if (item.status === 'trashed') return 'trashed';
  return 'current';
}

/** Rewrites ids, keys and links of any stored text (bodies, comment bodies) with what is known now. */
export function rewrite(ctx: SpaceRestore, text: string): { text: string; pending: boolean } {
  const { body, unresolved, unresolvedAttachments } = rewriteReferences(text, {
    contentIds: ctx.run.ids,
    attachmentIds: ctx.run.attachmentIds,
    spaceKeys: ctx.run.spaceKeys,
    sourceHosts: ctx.settings.sourceHosts,
    ...(ctx.settings.targetOrigin !== undefined ? { targetOrigin: ctx.settings.targetOrigin } : {}),
  });
  // Attachments are uploaded after the tree: any attachment id not mapped yet may still be.
  const pending = unresolved.some((id) => ctx.run.planned.has(id)) || unresolvedAttachments.length > 0;
  return { text: body, pending };
}

export interface DesiredBody {
  /** What to write. */
  write: BodyWrite;
  /** The storage body with every inline marker (to compute comment anchors), when the item has storage. */
  withMarkers: string | undefined;
  /** Some reference points at an item that is not created yet. */
  pending: boolean;
}

/** The body to write for a page or blog post; markers whose refs are in `keep` stay, others are unwrapped. */
export async function desiredBody(
  ctx: SpaceRestore,
  item: ContentRecord,
  /** Markers kept in the body written, by the snapshot's ref, with the ref they have in the target. */
  keep: ReadonlyMap<string, string> = new Map(),
): Promise<DesiredBody> {
  const storage = await ctx.reader.body(ctx.source.key, item.id, 'storage');
  if (storage !== undefined) {
    const { text, pending } = rewrite(ctx, storage);
    return {
      write: { representation: 'storage', value: keepMarkers(text, keep) },
      withMarkers: text,
      pending,
    };
  }
  const adf = await ctx.reader.body(ctx.source.key, item.id, 'adf');
  if (adf !== undefined) {
    const { text, pending } = rewrite(ctx, adf);
    return { write: { representation: 'atlas_doc_format', value: text }, withMarkers: undefined, pending };
  }
  return { write: { representation: 'storage', value: '' }, withMarkers: '', pending: false };
}

/**
 * Errors that end the whole restore rather than one item: interruption, rejected credentials, bugs. A refusal
 * of one write (403 on restricted content, 400, 404, 409) only costs that item.
 */
export function isFatal(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return true;
  if (!(error instanceof StepvaultError)) return true;
  if (error.code === 'interrupted' || error.code === 'internal') return true;
  const status = httpStatusOf(error);
  return status === 401 || (error.code === 'config' && status !== 403);
}

/** Runs one step of one item: a failure that is not fatal is reported and returns undefined. */
export async function attempt<T>(
  ctx: SpaceRestore,
  what: string,
  step: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    if (isFatal(error, ctx.signal)) throw error;
    ctx.report.failed(ctx.source.key, what, error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

export function itemName(item: ContentRecord): string {
  return describeItem(item);
}

/** The client kind of a page or blog post. */
export function documentKind(item: ContentRecord): 'page' | 'blogpost' | undefined {
  return item.type === 'page' || item.type === 'blogpost' ? item.type : undefined;
}

/**
 * Adds the labels an item (or attachment) lacks. `listAs`: read the labels it has first (it existed before);
 * otherwise it has none. Adding a label it has would change nothing, so a repeated step is harmless.
 */
export async function restoreLabels(
  ctx: SpaceRestore,
  id: string,
  stored: readonly LabelRecord[],
  listAs: LabelOwnerKind | undefined,
): Promise<void> {
  const have = new Set<string>();
  const call = ctx.signal ? { signal: ctx.signal } : {};
  if (listAs)
    for await (const l of ctx.client.listLabels(listAs, id, call))
      have.add(`${l.prefix ?? 'global'}:${l.name}`);
  const labels = stored.filter((l) => l.prefix !== 'system' && !have.has(`${l.prefix}:${l.name}`));
  ctx.report.counts.labels += labels.length;
  if (ctx.settings.dryRun || labels.length === 0) return;
  await ctx.client.addLabels(
    id,
    labels.map((l) => ({ name: l.name, prefix: l.prefix as 'global' | 'my' | 'team' })),
    call,
  );
}
