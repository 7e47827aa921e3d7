// Reads what one exported item's page needs from the snapshot (body, metadata, comments, history), renders
// it, and returns the page with its search entry (title, body text and attachment file names). A part that
// cannot be read does not stop the export: the page says so and the failure is reported.

import type {
  AttachmentRecord,
  CommentRecord,
  ContentMeta,
  HistoricalVersion,
} from '../../../sources/confluence/layout.ts';
import { renderStorage } from '../../../sources/confluence/render/render-storage.ts';
import type { ConfluenceSnapshotReader } from '../snapshot-reader.ts';
import type { InlineStyles } from './inline-styles.ts';
import { itemRenderContext, siteHosts } from './item-render-context.ts';
import { pageHtml } from './page-html.ts';
import { type SearchEntry, searchEntry } from './search-index.ts';
import type { ExportItem, SiteModel } from './site-model.ts';

export interface ItemPage {
  html: string;
  search: SearchEntry | undefined;
  failures: { what: string; error: string }[];
}

export interface ItemPageOptions {
  siteHosts: string[];
  missingAttachments: AttachmentRecord[];
  /** Where the body's inline styles become classes of the export's style sheet (dropped without it). */
  styles?: InlineStyles;
  /** Account id -> name, from the snapshot's users directory. */
  userNames?: ReadonlyMap<string, string>;
}

export async function exportItemPage(
  reader: ConfluenceSnapshotReader,
  model: SiteModel,
  item: ExportItem,
  options: ItemPageOptions,
): Promise<ItemPage> {
  const failures: ItemPage['failures'] = [];
  const read = async <T>(what: string, fn: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      failures.push({ what, error: e instanceof Error ? e.message : String(e) });
      return fallback;
    }
  };
  const key = item.spaceKey;
  const id = item.record.id;
  const space = model.space(key)!;
  const hasBody = item.record.type === 'page' || item.record.type === 'blogpost';
  const ctx = itemRenderContext(
    model,
    item,
    siteHosts(model.site.site, options.siteHosts),
    options.userNames,
    options.styles,
  );

  let bodyHtml: string | undefined;
  let text = '';
  if (hasBody) {
    const storage = await read('body', () => reader.body(key, id, 'storage'), null);
    if (storage === null)
      bodyHtml = '<p class="missing">The body of this page could not be read from the backup.</p>';
    else if (storage !== undefined) {
      const rendered = renderStorage(storage, ctx);
      bodyHtml = rendered.html;
      text = rendered.text;
    }
  }
  const meta = await read<ContentMeta | undefined>(
    'labels and properties',
    () => reader.meta(key, id),
    undefined,
  );
  const comments = hasBody ? await read<CommentRecord[]>('comments', () => reader.comments(key, id), []) : [];
  const history = hasBody
    ? await read<HistoricalVersion[]>('history', () => reader.history(key, id), [])
    : [];
  const html = pageHtml({
    item,
    space,
    siteName: URL.canParse(model.site.site) ? new URL(model.site.site).host : model.site.site,
    ctx,
    bodyHtml,
    problems: failures.map((f) => f.what),
    meta,
    comments,
    history,
    missingAttachments: options.missingAttachments,
  });
  const search = searchEntry(
    item.file,
    item.record.title,
    space.record.name || space.key,
    text,
    item.attachments.map((a) => a.record.title),
  );
  return { html, search, failures };
}
