// Structured macros (`ac:structured-macro`, and the older `ac:macro`): code blocks, panels, expand, table of
// contents, status lozenges, anchors, Jira issues, file views, attachment and children lists, layout sections.
// Any other macro is shown as a labelled box with its parameters and body, so nothing in a page disappears
// silently.

import { anchorId } from './anchors.ts';
import { escapeAttribute } from './html-escape.ts';
import type { Walker } from './render-context.ts';
import { linkTag, type ResolvedHref, renderResource } from './render-links.ts';
import { childElements, firstChild, type StorageElement, textOf } from './storage-tree.ts';

interface Macro {
  name: string;
  /** Parameter name -> the parameter element (its text is the value; some hold an `ri:` resource). */
  params: Map<string, StorageElement>;
  rich: StorageElement | undefined;
  plain: string | undefined;
}

function macroOf(el: StorageElement): Macro {
  const params = new Map<string, StorageElement>();
  for (const p of childElements(el, 'ac:parameter')) {
    const name = p.attrs.get('ac:name') ?? '';
    if (!params.has(name)) params.set(name, p);
  }
  const plain = firstChild(el, 'ac:plain-text-body');
  return {
    name: (el.attrs.get('ac:name') ?? '').toLowerCase(),
    params,
    rich: firstChild(el, 'ac:rich-text-body'),
    plain: plain ? textOf(plain) : undefined,
  };
}

function param(m: Macro, name: string): string | undefined {
  const p = m.params.get(name);
  return p ? textOf(p).trim() : undefined;
}

function rich(w: Walker, m: Macro): string {
  return m.rich ? w.children(m.rich) : '';
}

const PANEL_LABELS: Record<string, string> = { info: 'Info', note: 'Note', warning: 'Warning', tip: 'Tip' };
const STATUS_COLOURS = new Set(['grey', 'red', 'yellow', 'green', 'blue', 'purple']);
const LANGUAGE = /^[A-Za-z0-9+#_.-]{1,32}$/;
const FILE_VIEWERS = new Set(['view-file', 'viewpdf', 'viewdoc', 'viewxls', 'viewppt', 'multimedia']);

const FIRST_LINE = /^\d{1,7}$/;

/**
 * The line numbers of a code block with `linenumbers=true` (from `firstline`, default 1): a separate, hidden
 * column beside the code, so copying the code copies no numbers and the page needs no inline style.
 */
function lineNumbers(m: Macro, text: string): string | undefined {
  if (param(m, 'linenumbers')?.toLowerCase() !== 'true') return undefined;
  const first = param(m, 'firstline') ?? '';
  const start = FIRST_LINE.test(first) ? Number(first) : 1;
  const lines = text.replace(/(?:\r\n|\r|\n)$/, '').split(/\r\n|\r|\n/).length;
  const numbers = Array.from({ length: lines }, (_, i) => String(start + i)).join('\n');
  return `<pre class="line-numbers" aria-hidden="true">${numbers}</pre>`;
}

function code(w: Walker, m: Macro): string {
  const language = param(m, 'language');
  const title = param(m, 'title');
  const lang = language && LANGUAGE.test(language) ? ` data-language="${escapeAttribute(language)}"` : '';
  const caption = title ? `<figcaption>${w.text(title)}</figcaption>` : '';
  const text = m.plain ?? '';
  const pre = `<pre><code${lang}>${w.text(text)}</code></pre>`;
  const numbers = lineNumbers(m, text);
  return numbers
    ? `<figure class="code-block code-numbered">${caption}<div class="code-lines">${numbers}${pre}</div></figure>`
    : `<figure class="code-block">${caption}${pre}</figure>`;
}

function panel(w: Walker, m: Macro): string {
  const title = param(m, 'title');
  const kind = PANEL_LABELS[m.name] ? m.name : 'panel';
  const label = PANEL_LABELS[m.name] ? `<span class="panel-kind">${PANEL_LABELS[m.name]}</span>` : '';
  const heading =
    label || title ? `<div class="panel-title">${label}${title ? w.text(title) : ''}</div>` : '';
  return `<div class="panel panel-${kind}" role="note">${heading}<div class="panel-body">${rich(w, m)}</div></div>`;
}

function toc(w: Walker, m: Macro): string {
  const level = (name: string, fallback: number) => {
    const value = Number(param(m, name));
    return Number.isInteger(value) && value >= 1 && value <= 6 ? value : fallback;
  };
  const min = level('minLevel', 1);
  const max = level('maxLevel', 6);
  const items = w.headings
    .filter((h) => h.level >= min && h.level <= max)
    .map((h) => `<li class="toc-level-${h.level - min + 1}"><a href="#${h.id}">${w.text(h.text)}</a></li>`);
  return items.length > 0 ? `<nav class="toc" aria-label="Contents"><ul>${items.join('')}</ul></nav>` : '';
}

function status(w: Walker, m: Macro): string {
  const colour = (param(m, 'colour') ?? param(m, 'color') ?? 'grey').toLowerCase();
  const cls = STATUS_COLOURS.has(colour) ? colour : 'grey';
  return `<span class="status status-${cls}">${w.text(param(m, 'title') || colour)}</span>`;
}

function anchor(m: Macro): string {
  const name = param(m, '') ?? [...m.params.values()].map((p) => textOf(p).trim())[0] ?? '';
  return name ? `<span class="anchor" id="${anchorId(name)}"></span>` : '';
}

function fileView(w: Walker, m: Macro): string {
  const p = m.params.get('name');
  const resource = p ? firstChild(p, 'ri:attachment') : undefined;
  if (resource) return `<span class="file-view">📎 ${renderResource(w, resource)}</span>`;
  return unknown(w, m);
}

const ISSUE_KEY = /^[A-Za-z][A-Za-z0-9_]{0,99}-\d{1,12}$/;

/** Where the site's Jira lives: a Cloud site serves Jira and Confluence from the same host. */
function jiraUrl(w: Walker, path: string): ResolvedHref | undefined {
  const site = w.ctx.siteUrl;
  if (!site || !URL.canParse(site)) return undefined;
  const url = new URL(path, new URL(site).origin);
  return url.protocol === 'https:' || url.protocol === 'http:'
    ? { href: url.href, external: true }
    : undefined;
}

/** The jira macro: one issue (by `key`) or a list of issues (by `jqlQuery`), linked to the site's Jira. */
function jira(w: Walker, m: Macro): string {
  const key = param(m, 'key');
  if (key && ISSUE_KEY.test(key)) {
    const target = jiraUrl(w, `/browse/${encodeURIComponent(key.toUpperCase())}`);
    const text = w.text(key);
    return `<span class="jira-issue">${target ? linkTag(target, text) : text}</span>`;
  }
  const jql = param(m, 'jqlQuery');
  if (jql) {
    const target = jiraUrl(w, `/issues/?jql=${encodeURIComponent(jql)}`);
    const text = w.text(jql);
    return `<span class="jira-issues">Jira issues: ${target ? linkTag(target, text) : text}</span>`;
  }
  return unknown(w, m);
}

function linkList(w: Walker, kind: string, links: { href: string; title: string }[]): string {
  if (links.length === 0) return `<p class="macro-empty">${w.text(`(no ${kind})`)}</p>`;
  const items = links.map((l) => `<li>${linkTag({ href: l.href, external: false }, w.text(l.title))}</li>`);
  return `<ul class="macro-list macro-${kind}">${items.join('')}</ul>`;
}

function parameterValue(w: Walker, p: StorageElement): string {
  const resource = p.children.find(
    (c): c is StorageElement => c.kind === 'element' && c.name.startsWith('ri:'),
  );
  return resource ? renderResource(w, resource) : w.text(textOf(p).trim());
}

function unknown(w: Walker, m: Macro): string {
  const label = `<div class="macro-label">Macro <code>${w.text(m.name || '(unnamed)')}</code></div>`;
  const params = [...m.params].map(
    ([name, p]) => `<dt>${w.text(name || '(default)')}</dt><dd>${parameterValue(w, p)}</dd>`,
  );
  const list = params.length > 0 ? `<dl class="macro-parameters">${params.join('')}</dl>` : '';
  const body = m.rich ? `<div class="macro-body">${rich(w, m)}</div>` : '';
  const plain = m.plain !== undefined ? `<pre class="macro-body">${w.text(m.plain)}</pre>` : '';
  return `<div class="macro macro-unknown">${label}${list}${body}${plain}</div>`;
}

export function renderMacro(w: Walker, el: StorageElement): string {
  const m = macroOf(el);
  switch (m.name) {
    case 'code':
    case 'noformat':
      return code(w, m);
    case 'info':
    case 'note':
    case 'warning':
    case 'tip':
    case 'panel':
      return panel(w, m);
    case 'expand': {
      const title = param(m, 'title') || 'Click here to expand…';
      return `<details class="expand"><summary>${w.text(title)}</summary><div class="expand-body">${rich(w, m)}</div></details>`;
    }
    case 'toc':
      return toc(w, m);
    case 'jira':
      return jira(w, m);
    case 'status':
      return status(w, m);
    case 'anchor':
      return anchor(m);
    case 'attachments':
      return linkList(w, 'attachments', w.ctx.attachments());
    case 'children':
      return linkList(w, 'children', w.ctx.children());
    case 'excerpt':
    case 'details':
    case 'section':
    case 'column':
      return `<div class="macro-${m.name}">${rich(w, m)}</div>`;
    default:
      return FILE_VIEWERS.has(m.name) ? fileView(w, m) : unknown(w, m);
  }
}
