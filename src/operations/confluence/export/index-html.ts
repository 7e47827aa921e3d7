// The export's index pages: `index.html` lists the spaces and says what was included (archived content
// always, trashed content and drafts only when asked); each space's index shows its page tree (hierarchy, in
// position order) and its blog posts, newest first.

import type { StoredSnapshot } from '../../../domain/snapshot.ts';
import { escapeText } from '../../../sources/confluence/render/html-escape.ts';
import { statusBadge, timeHtml, typeLabel } from './html-format.ts';
import { bdi, layoutHtml, link } from './html-layout.ts';
import type { ExportSelection } from './site-model.ts';
import { type ExportItem, type ExportSpace, relativeHref, type SiteModel } from './site-model.ts';

function itemEntry(from: string, item: ExportItem): string {
  const r = item.record;
  const kind =
    r.type === 'page' ? '' : `<span class="badge badge-type">${escapeText(typeLabel(r.type))}</span> `;
  return `<li>${kind}${link(relativeHref(from, item.file), bdi(r.title || '(untitled)'))}${statusBadge(r.status)}`;
}

/** The page tree as nested lists, built without recursion (trees can be deep). */
export function treeHtml(from: string, roots: ExportItem[]): string {
  if (roots.length === 0) return '<p class="note">No pages.</p>';
  const out: string[] = ['<ul class="tree">'];
  const stack: { list: ExportItem[]; index: number }[] = [{ list: roots, index: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.index >= frame.list.length) {
      stack.pop();
      out.push(stack.length > 0 ? '</ul></li>' : '</ul>');
      continue;
    }
    const item = frame.list[frame.index++]!;
    out.push(itemEntry(from, item));
    if (item.children.length > 0) {
      out.push('<ul>');
      stack.push({ list: item.children, index: 0 });
    } else out.push('</li>');
  }
  return out.join('');
}

function inclusionNote(spaces: ExportSpace[], selection: ExportSelection): string {
  const sum = (f: (s: ExportSpace) => number) => spaces.reduce((n, s) => n + f(s), 0);
  const trashed = sum((s) => s.excluded.trashed);
  const drafts = sum((s) => s.excluded.drafts);
  const other = sum((s) => s.excluded.other);
  const lines = [
    'Archived spaces and content are included and marked <span class="badge badge-archived">Archived</span>.',
  ];
  lines.push(
    selection.includeTrashed
      ? 'Content in the trash is included and marked <span class="badge badge-trashed">In the trash</span>.'
      : `Content in the trash is not included${trashed > 0 ? ` (${trashed} items; export with --include-trashed to add them)` : ''}.`,
  );
  lines.push(
    selection.includeDrafts
      ? 'Drafts are included and marked <span class="badge badge-draft">Draft</span>.'
      : `Unpublished drafts are not included${drafts > 0 ? ` (${drafts} items; export with --include-drafts to add them)` : ''}.`,
  );
  if (other > 0) lines.push(`${other} items with another status are not included.`);
  return `<div class="inclusion note">${lines.map((l) => `<p>${l}</p>`).join('')}</div>`;
}

export function siteIndexHtml(
  model: SiteModel,
  snapshot: StoredSnapshot,
  siteName: string,
  selection: ExportSelection,
): string {
  const rows = model.spaces.map((s) => {
    const pages = s.items.filter((i) => i.record.type !== 'blogpost').length;
    const attachments = s.items.reduce((n, i) => n + i.attachments.length, 0);
    return (
      `<tr><td>${link(s.file, bdi(s.record.name || s.key))}${statusBadge(s.record.status)}</td>` +
      `<td><code>${escapeText(s.key)}</code></td><td class="num">${pages}</td><td class="num">${s.blogPosts.length}</td>` +
      `<td class="num">${attachments}</td><td dir="auto">${escapeText(s.record.description)}</td></tr>`
    );
  });
  const table =
    rows.length > 0
      ? `<div class="table-wrap"><table class="spaces"><thead><tr><th>Space</th><th>Key</th><th>Pages</th><th>Blog posts</th><th>Attachments</th><th>Description</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
      : '<p class="note">This export holds no spaces.</p>';
  const main =
    `<h1>${escapeText(siteName)}</h1>` +
    `<p class="snapshot">An offline copy of <code>${escapeText(model.site.site)}</code> from snapshot <code>${escapeText(snapshot.id.slice(0, 8))}</code>, backed up ${timeHtml(model.site.time)}.${snapshot.partial ? ' <span class="badge badge-partial">Partial backup: some items could not be read</span>' : ''}</p>` +
    inclusionNote(model.spaces, selection) +
    table;
  return layoutHtml({
    title: `${siteName} · Confluence export`,
    root: '',
    siteName,
    crumbs: [{ text: 'Spaces' }],
    main,
  });
}

export function spaceIndexHtml(space: ExportSpace, siteName: string): string {
  const from = space.file;
  const root = '../../';
  const homepage = space.roots.find((r) => r.record.id === space.record.homepageId);
  const blog =
    space.blogPosts.length > 0
      ? `<section class="blog"><h2>Blog posts</h2><ul>${space.blogPosts
          .map(
            (b) =>
              `<li>${timeHtml(b.record.createdAt)} ${link(relativeHref(from, b.file), bdi(b.record.title))}${statusBadge(b.record.status)}</li>`,
          )
          .join('')}</ul></section>`
      : '';
  const excluded = space.excluded.trashed + space.excluded.drafts + space.excluded.other;
  const main =
    `<h1 dir="auto">${escapeText(space.record.name || space.key)}${statusBadge(space.record.status)}</h1>` +
    `<p class="space-key">Space key <code>${escapeText(space.key)}</code></p>` +
    (space.record.description
      ? `<p class="description" dir="auto">${escapeText(space.record.description)}</p>`
      : '') +
    (homepage
      ? `<p>Home page: ${link(relativeHref(from, homepage.file), bdi(homepage.record.title))}</p>`
      : '') +
    `<section class="page-tree"><h2>Pages</h2>${treeHtml(from, space.roots)}</section>` +
    blog +
    (excluded > 0
      ? `<p class="note">${excluded} items of this space are not in this export (see the index).</p>`
      : '');
  return layoutHtml({
    title: `${space.record.name || space.key} · ${siteName}`,
    root,
    siteName,
    crumbs: [{ href: `${root}index.html`, text: 'Spaces' }, { text: space.record.name || space.key }],
    main,
  });
}
