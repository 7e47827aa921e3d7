// `stepvault export html`: writes a static, self-contained site from a Confluence snapshot, for reading while
// Confluence is down. `index.html` lists the spaces; each space has an index with its page tree and blog
// posts; every page, blog post, folder, whiteboard, database and smart link has its own HTML file (body
// rendered from storage format, breadcrumbs, labels, attachments, comments, version info); attachments are
// copied, streamed; `search.html` searches an index shipped as a script. Nothing refers to the network.
//
// Layout of the target (file names from keys and ids only, see site-model.ts):
//   index.html, search.html, assets/site.css, assets/search-index.js,
//   spaces/<KEY>/index.html, spaces/<KEY>/pages/<id>.html, spaces/<KEY>/attachments/<attId>[.<ext>]

import { type Clock, systemClock } from '../../../common/clock.ts';
import { forEachConcurrently } from '../../../common/concurrency.ts';
import { StepvaultError } from '../../../common/errors.ts';
import type { Repository } from '../../../repository/repository.ts';
import type { AttachmentRecord, SpaceRecord } from '../../../sources/confluence/layout.ts';
import { ConfluenceSnapshotReader } from '../snapshot-reader.ts';
import { ExportTarget } from './export-target.ts';
import { STYLESHEET } from './html-layout.ts';
import { siteIndexHtml, spaceIndexHtml } from './index-html.ts';
import { InlineStyles } from './inline-styles.ts';
import { exportItemPage } from './item-page-export.ts';
import { searchPageHtml } from './search-index.ts';
import { SearchIndexWriter } from './search-index-writer.ts';
import { SITE_CSS } from './site-css.ts';
import { buildSiteModel, type ExportItem, type ExportSelection, type SpaceInput } from './site-model.ts';

export interface ExportHtmlOptions extends ExportSelection {
  /** Snapshot ID, ID prefix or "latest" (the newest Confluence snapshot). */
  snapshot: string;
  /** Directory to write; created if missing, must be empty unless `force`. */
  target: string;
  /** Space keys to export (case-insensitive); all when absent or empty. */
  spaces?: string[];
  /** Write into a non-empty target, replacing files of the same names (others are left alone). @default false */
  force?: boolean;
  /** More hosts that are the backed-up site (a custom domain): links by id to them are rewritten. */
  siteHosts?: string[];
  /** Items read and written at once. @default 8 */
  concurrency?: number;
}

export interface ExportHtmlProgress {
  phase: 'reading' | 'attachments' | 'pages' | 'indexes';
  itemsDone: number;
  itemsTotal: number;
  attachmentsDone: number;
  attachmentsTotal: number;
  bytesWritten: number;
}

export interface ExportFailure {
  /** What failed, in words and ids: `space ENG page 123 'Title': attachment att4`. */
  item: string;
  error: string;
}

export interface ExportHtmlResult {
  snapshotId: string;
  target: string;
  spaces: number;
  pages: number;
  blogPosts: number;
  /** Folders, whiteboards, databases and smart links. */
  otherItems: number;
  attachments: number;
  filesWritten: number;
  bytesWritten: number;
  excluded: { trashed: number; drafts: number; other: number };
  /** Items or attachments that could not be read: their pages say so; the export is otherwise complete. */
  failed: ExportFailure[];
  /** Records skipped because their keys or ids cannot name files. */
  skipped: string[];
  durationMs: number;
}

export interface ExportHtmlDeps {
  clock?: Clock;
  signal?: AbortSignal;
  onProgress?: (p: ExportHtmlProgress) => void;
}

export async function exportHtml(
  options: ExportHtmlOptions,
  deps: ExportHtmlDeps & { repo: Repository },
): Promise<ExportHtmlResult> {
  const reader = await ConfluenceSnapshotReader.open(deps.repo, options.snapshot);
  return exportSnapshotHtml(reader, options, deps);
}

function selectSpaces(all: SpaceRecord[], wanted: string[] | undefined, snapshotId: string): SpaceRecord[] {
  if (!wanted || wanted.length === 0) return all;
  const byKey = new Map(all.map((s) => [s.key.toLowerCase(), s]));
  const unknown = wanted.filter((k) => !byKey.has(k.toLowerCase()));
  if (unknown.length > 0)
    throw new StepvaultError(
      'not-found',
      `space ${unknown.join(', ')} is not in snapshot ${snapshotId.slice(0, 8)}`,
      {
        hint: `it holds ${all.map((s) => s.key).join(', ') || 'no spaces'}`,
      },
    );
  return [...new Set(wanted.map((k) => byKey.get(k.toLowerCase())!))];
}

export async function exportSnapshotHtml(
  reader: ConfluenceSnapshotReader,
  options: ExportHtmlOptions,
  deps: ExportHtmlDeps = {},
): Promise<ExportHtmlResult> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now().getTime();
  const signal = deps.signal;
  const concurrency = options.concurrency ?? 8;
  const snapshotId = reader.snapshot.id;
  const site = await reader.site();
  const chosen = selectSpaces(await reader.spaces(), options.spaces, snapshotId);
  const target = await ExportTarget.open(options.target, options.force ?? false);
  const failed: ExportFailure[] = [];
  const progress: ExportHtmlProgress = {
    phase: 'reading',
    itemsDone: 0,
    itemsTotal: 0,
    attachmentsDone: 0,
    attachmentsTotal: 0,
    bytesWritten: 0,
  };
  const report = () => deps.onProgress?.({ ...progress, bytesWritten: target.bytesWritten });
  // The title in JSON quotes: control characters in it cannot reach a terminal.
  const describe = (item: ExportItem) =>
    `space ${item.spaceKey} ${item.record.type} ${item.record.id} ${JSON.stringify(item.record.title)}`;

  // 1. Records: spaces, items, attachments (small; bodies and binaries are read later, one item at a time).
  const inputs: SpaceInput[] = [];
  const skippedSpaces: string[] = [];
  for (const record of chosen) {
    signal?.throwIfAborted();
    let items: Awaited<ReturnType<typeof reader.items>>;
    try {
      items = await reader.items(record.key);
    } catch (e) {
      skippedSpaces.push(
        `space ${JSON.stringify(record.key)}: ${e instanceof Error ? e.message : String(e)}`,
      );
      continue;
    }
    const attachments = new Map<string, AttachmentRecord[]>();
    await forEachConcurrently(
      items.filter((i) => i.type === 'page' || i.type === 'blogpost'),
      16,
      async (item) => {
        try {
          attachments.set(item.id, await reader.attachments(record.key, item.id));
        } catch (e) {
          failed.push({
            item: `space ${record.key} ${item.type} ${item.id}: attachments`,
            error: message(e),
          });
        }
      },
    );
    inputs.push({ record, items, attachments });
    progress.itemsTotal += items.length;
    report();
  }
  const selection: ExportSelection = {
    includeTrashed: options.includeTrashed ?? false,
    includeDrafts: options.includeDrafts ?? false,
  };
  const model = buildSiteModel(site, inputs, selection);
  const items = model.spaces.flatMap((s) => s.items);
  progress.itemsTotal = items.length;
  progress.attachmentsTotal = items.reduce((n, i) => n + i.attachments.length, 0);

  // 2. Attachments first, so that pages link only to files that exist.
  progress.phase = 'attachments';
  const missing = new Map<ExportItem, AttachmentRecord[]>();
  await forEachConcurrently(items, concurrency, async (item) => {
    const kept = [];
    for (const attachment of item.attachments) {
      signal?.throwIfAborted();
      const miss = () => missing.set(item, [...(missing.get(item) ?? []), attachment.record]);
      if (attachment.record.versions.length === 0) {
        miss(); // the backup kept its record only, no bytes: shown as not in the export, not an error
      } else {
        try {
          await target.writeStream(
            attachment.file,
            reader.attachmentData(item.spaceKey, item.record.id, attachment.record.id),
          );
          kept.push(attachment);
        } catch (e) {
          if (
            e instanceof StepvaultError &&
            ['interrupted', 'unsafe-path', 'conflict', 'io'].includes(e.code)
          )
            throw e;
          failed.push({ item: `${describe(item)}: attachment ${attachment.record.id}`, error: message(e) });
          miss();
        }
      }
      progress.attachmentsDone++;
      report();
    }
    item.attachments = kept;
  });

  // 3. One page per item; search entries collected on the way.
  progress.phase = 'pages';
  const hosts = [...(options.siteHosts ?? [])];
  using search = new SearchIndexWriter();
  const positions = new Map(items.map((item, at) => [item, at]));
  const styles = new InlineStyles();
  const userNames = new Map<string, string>();
  for (const user of await reader.users())
    if (user.displayName) userNames.set(user.accountId, user.displayName);
  await forEachConcurrently(items, concurrency, async (item) => {
    signal?.throwIfAborted();
    const page = await exportItemPage(reader, model, item, {
      siteHosts: hosts,
      missingAttachments: missing.get(item) ?? [],
      styles,
      userNames,
    });
    for (const f of page.failures) failed.push({ item: `${describe(item)}: ${f.what}`, error: f.error });
    await target.writeFile(item.file, page.html);
    if (page.search) search.add(positions.get(item)!, page.search);
    progress.itemsDone++;
    report();
  });

  // 4. Indexes, search and assets.
  progress.phase = 'indexes';
  report();
  const siteName = siteNameOf(site.site);
  await target.writeFile('index.html', siteIndexHtml(model, reader.snapshot, siteName, selection));
  for (const space of model.spaces) await target.writeFile(space.file, spaceIndexHtml(space, siteName));
  await search.write(target);
  await target.writeFile('search.html', searchPageHtml(siteName));
  await target.writeFile(
    STYLESHEET,
    `${SITE_CSS}\n/* The inline styles of the bodies (inline-styles.ts) */\n${styles.css()}`,
  );

  const count = (type: string) => items.filter((i) => i.record.type === type).length;
  const sum = (k: 'trashed' | 'drafts' | 'other') => model.spaces.reduce((n, s) => n + s.excluded[k], 0);
  return {
    snapshotId,
    target: target.root,
    spaces: model.spaces.length,
    pages: count('page'),
    blogPosts: count('blogpost'),
    otherItems: items.length - count('page') - count('blogpost'),
    attachments: items.reduce((n, i) => n + i.attachments.length, 0),
    filesWritten: target.filesWritten,
    bytesWritten: target.bytesWritten,
    excluded: { trashed: sum('trashed'), drafts: sum('drafts'), other: sum('other') },
    failed,
    skipped: [...skippedSpaces, ...model.skipped],
    durationMs: clock.now().getTime() - started,
  };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The name the export shows for its site: the site URL's host. */
export function siteNameOf(siteUrl: string): string {
  return URL.canParse(siteUrl) ? new URL(siteUrl).host : siteUrl || 'Confluence';
}
