// The frame every exported page shares: doctype, a Content-Security-Policy that allows nothing from the network
// (styles, images and scripts from the export's own files only; scripts only where a page has one), the style
// sheet, a header with the site name and a search box, and breadcrumbs.

import { createHash } from 'node:crypto';
import { escapeAttribute, escapeText } from '../../../sources/confluence/render/html-escape.ts';

export const STYLESHEET = 'assets/site.css';
export const SEARCH_PAGE = 'search.html';

export interface Crumb {
  /** Relative href, or undefined for the current page. */
  href?: string;
  text: string;
}

export interface LayoutOptions {
  title: string;
  /** Relative path from the page to the export root, ending in "/" (or "" at the root). */
  root: string;
  /** Name shown in the header (the site's host). */
  siteName: string;
  crumbs: Crumb[];
  main: string;
  /** Script files (relative hrefs) loaded before the inline script. */
  scripts?: string[];
  inlineScript?: string;
}

/** Text in `<bdi>`, so right-to-left titles do not reorder what surrounds them. */
export function bdi(text: string): string {
  return `<bdi>${escapeText(text)}</bdi>`;
}

export function link(href: string, inner: string, className?: string): string {
  return `<a href="${escapeAttribute(href)}"${className ? ` class="${className}"` : ''}>${inner}</a>`;
}

function policy(inlineScript: string | undefined, scripts: boolean): string {
  // 'self' covers the export served over HTTP; `file:` covers browsers that give every local file its own origin.
  const local = `'self' file:`;
  const hash = inlineScript ? ` 'sha256-${createHash('sha256').update(inlineScript).digest('base64')}'` : '';
  const script = scripts || inlineScript ? `${scripts ? local : ''}${hash}`.trim() : `'none'`;
  return [
    `default-src 'none'`,
    `img-src ${local}`,
    `style-src ${local}`,
    `script-src ${script}`,
    `form-action ${local}`,
    `base-uri 'none'`,
  ].join('; ');
}

export function layoutHtml(o: LayoutOptions): string {
  const crumbs = o.crumbs
    .map((c) =>
      c.href === undefined ? `<span aria-current="page">${bdi(c.text)}</span>` : link(c.href, bdi(c.text)),
    )
    .join('<span class="sep" aria-hidden="true"> › </span>');
  const scripts = (o.scripts ?? []).map((s) => `<script src="${escapeAttribute(s)}"></script>`).join('');
  const inline = o.inlineScript ? `<script>${o.inlineScript}</script>` : '';
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(policy(o.inlineScript, scripts !== ''))}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeText(o.title)}</title>
<link rel="stylesheet" href="${escapeAttribute(`${o.root}${STYLESHEET}`)}">
</head>
<body>
<header class="site-header">
${link(`${o.root}index.html`, escapeText(o.siteName), 'site-name')}
<form class="search-form" action="${escapeAttribute(`${o.root}${SEARCH_PAGE}`)}" method="get" role="search">
<input type="search" name="q" placeholder="Search this export" aria-label="Search this export">
</form>
</header>
<nav class="breadcrumbs" aria-label="Breadcrumbs">${crumbs}</nav>
<main>
${o.main}
</main>
${scripts}${inline}
</body>
</html>
`;
}
