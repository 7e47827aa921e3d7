// The HTML file of one exported item: title, breadcrumbs, status and version, the rendered body (or, for
// folders, whiteboards, databases and smart links, what the backup holds of them), child pages, labels,
// attachments, comments and the older versions kept in the snapshot.

import type {
  AttachmentRecord,
  CommentRecord,
  ContentMeta,
  HistoricalVersion,
} from '../../../sources/confluence/layout.ts';
import { escapeAttribute, escapeText } from '../../../sources/confluence/render/html-escape.ts';
import type { RenderContext } from '../../../sources/confluence/render/render-context.ts';
import { classifyUrl } from '../../../sources/confluence/render/safe-url.ts';
import { commentsHtml } from './comments-html.ts';
import {
  accountHtml,
  sizeText,
  statusBadge,
  timeHtml,
  typeLabel,
  type UserNames,
  versionHtml,
} from './html-format.ts';
import { bdi, type Crumb, layoutHtml, link } from './html-layout.ts';
import { ancestorsOf, type ExportItem, type ExportSpace, relativeHref } from './site-model.ts';

export interface PageParts {
  item: ExportItem;
  space: ExportSpace;
  siteName: string;
  ctx: RenderContext;
  /** The rendered storage body (pages and blog posts), or a note when it could not be read. */
  bodyHtml: string | undefined;
  meta: ContentMeta | undefined;
  comments: CommentRecord[];
  history: HistoricalVersion[];
  /** Attachments whose file is not in the export (not backed up, or unreadable). */
  missingAttachments: AttachmentRecord[];
  /** Parts of the item that could not be read from the snapshot ("comments", "history", …). */
  problems: string[];
}

function rootOf(file: string): string {
  return '../'.repeat(file.split('/').length - 1);
}

export function itemCrumbs(item: ExportItem, space: ExportSpace, root: string): Crumb[] {
  const from = item.file;
  return [
    { href: `${root}index.html`, text: 'Spaces' },
    { href: relativeHref(from, space.file), text: space.record.name || space.key },
    ...ancestorsOf(item).map((a) => ({ href: relativeHref(from, a.file), text: a.record.title })),
    { text: item.record.title },
  ];
}

function section(cls: string, heading: string, inner: string): string {
  return `<section class="${cls}"><h2>${heading}</h2>${inner}</section>`;
}

function otherContentHtml(item: ExportItem): string {
  const r = item.record;
  switch (r.type) {
    case 'folder':
      return '<p class="note">A folder: it holds the pages listed below.</p>';
    case 'whiteboard':
    case 'database':
      return `<p class="note">A ${r.type}: Confluence's API does not export its content, so the backup holds only its title, place in the page tree and version.</p>`;
    case 'embed': {
      const shape = r.embedUrl ? classifyUrl(r.embedUrl) : undefined;
      const target =
        shape?.kind === 'absolute'
          ? `<a href="${escapeAttribute(shape.url.href)}" class="external" rel="noopener noreferrer">${escapeText(shape.url.href)}</a>`
          : escapeText(r.embedUrl ?? '(no URL)');
      return `<p class="note">A smart link to ${target}.</p>`;
    }
    default:
      return '';
  }
}

function attachmentsHtml(p: PageParts): string {
  const rows = p.item.attachments.map((a) => {
    const r = a.record;
    return (
      `<tr><td>${link(relativeHref(p.item.file, a.file), bdi(r.title))}${statusBadge(r.status)}</td>` +
      `<td>${escapeText(r.mediaType ?? '')}</td><td class="num">${sizeText(r.fileSize)}</td>` +
      `<td>${versionHtml(r.version, (id) => p.ctx.userName(id))}</td><td>${escapeText(r.comment ?? '')}</td></tr>`
    );
  });
  const missing = p.missingAttachments.map(
    (r) =>
      `<tr class="missing"><td>${bdi(r.title)}</td><td>${escapeText(r.mediaType ?? '')}</td>` +
      `<td class="num">${sizeText(r.fileSize)}</td><td colspan="2">not in this export (its data is not in the snapshot)</td></tr>`,
  );
  if (rows.length + missing.length === 0) return '';
  const head = '<tr><th>File</th><th>Type</th><th>Size</th><th>Version</th><th>Comment</th></tr>';
  return section(
    'attachments',
    'Attachments',
    `<div class="table-wrap"><table><thead>${head}</thead><tbody>${rows.join('')}${missing.join('')}</tbody></table></div>`,
  );
}

function childrenHtml(item: ExportItem): string {
  if (item.children.length === 0) return '';
  const items = item.children.map(
    (c) =>
      `<li>${link(relativeHref(item.file, c.file), bdi(c.record.title))}${statusBadge(c.record.status)}</li>`,
  );
  return section(
    'children',
    item.record.type === 'folder' ? 'Contents' : 'Child pages',
    `<ul>${items.join('')}</ul>`,
  );
}

function labelsHtml(meta: ContentMeta | undefined): string {
  const labels = meta?.labels ?? [];
  if (labels.length === 0) return '';
  const items = labels.map(
    (l) => `<li class="label">${escapeText(l.prefix === 'global' ? l.name : `${l.prefix}:${l.name}`)}</li>`,
  );
  return section('labels-section', 'Labels', `<ul class="labels">${items.join('')}</ul>`);
}

function historyHtml(history: HistoricalVersion[], names: UserNames): string {
  if (history.length === 0) return '';
  const items = [...history]
    .reverse()
    .map((h) => `<li>${versionHtml(h.version, names)} — <bdi>${escapeText(h.title)}</bdi></li>`);
  return section('history', 'Older versions in the backup', `<ul>${items.join('')}</ul>`);
}

export function pageHtml(p: PageParts): string {
  const r = p.item.record;
  const root = rootOf(p.item.file);
  const created = r.createdAt
    ? `<p class="created">Created ${timeHtml(r.createdAt)}${r.authorId ? ` by ${accountHtml(r.authorId, (id) => p.ctx.userName(id))}` : ''}</p>`
    : '';
  const body =
    r.type === 'page' || r.type === 'blogpost'
      ? `<div class="page-body">${p.bodyHtml ?? '<p class="note">This page has no body in the backup.</p>'}</div>`
      : otherContentHtml(p.item);
  const main =
    `<article class="content content-${escapeAttribute(r.type)}">` +
    `<h1 dir="auto">${escapeText(r.title || '(untitled)')}</h1>` +
    `<p class="badges"><span class="badge badge-type">${escapeText(typeLabel(r.type))}</span>${statusBadge(r.status)}</p>` +
    `<p class="version">Last updated: ${versionHtml(r.version, (id) => p.ctx.userName(id))}</p>${created}` +
    p.problems
      .map(
        (what) =>
          `<p class="missing">${escapeText(`This page's ${what} could not be read from the backup.`)}</p>`,
      )
      .join('') +
    body +
    childrenHtml(p.item) +
    labelsHtml(p.meta) +
    attachmentsHtml(p) +
    commentsHtml(
      p.comments,
      p.ctx,
      p.item.attachments.map((a) => ({ title: a.record.title, comments: a.record.comments })),
    ) +
    historyHtml(p.history, (id) => p.ctx.userName(id)) +
    '</article>';
  return layoutHtml({
    title: `${r.title} · ${p.space.record.name || p.space.key}`,
    root,
    siteName: p.siteName,
    crumbs: itemCrumbs(p.item, p.space, root),
    main,
  });
}
