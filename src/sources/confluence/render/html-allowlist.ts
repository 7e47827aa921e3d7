// The plain HTML elements and attributes a storage body may keep in the export. Everything else is either
// unwrapped (its content kept, the element dropped) or, for elements whose content is code or a foreign
// document (script, style, svg, …), dropped with its content. Links and images are handled elsewhere.

import { escapeAttribute } from './html-escape.ts';
import { safeStyle } from './safe-url.ts';

const GLOBAL = ['title', 'style', 'dir'];
const CELL = [...GLOBAL, 'colspan', 'rowspan', 'align', 'valign'];

/** Element -> attributes it may keep. */
const ALLOWED: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ...['p', 'div', 'span', 'blockquote', 'pre', 'code', 'strong', 'b', 'em', 'i', 'u', 's', 'del', 'ins']
    .concat(['sub', 'sup', 'small', 'mark', 'abbr', 'cite', 'q', 'kbd', 'samp', 'var', 'dfn', 'bdi'])
    .concat(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'li', 'dl', 'dt', 'dd', 'figure', 'figcaption'])
    .concat([
      'table',
      'thead',
      'tbody',
      'tfoot',
      'tr',
      'caption',
      'colgroup',
      'details',
      'summary',
      'hr',
      'br',
    ])
    .map((name): [string, readonly string[]] => [name, GLOBAL]),
  ['ol', [...GLOBAL, 'start', 'type']],
  ['td', CELL],
  ['th', [...CELL, 'scope']],
  ['col', [...GLOBAL, 'span', 'width']],
  ['bdo', GLOBAL],
]);

/** Renamed on the way out (obsolete or Confluence-specific spellings). */
const RENAMED: ReadonlyMap<string, string> = new Map([
  ['strike', 's'],
  ['tt', 'code'],
  ['center', 'div'],
  ['font', 'span'],
  ['big', 'span'],
  ['time', 'span'],
]);

/** Dropped together with their content. */
export const DROPPED = new Set([
  'script',
  'style',
  'template',
  'noscript',
  'iframe',
  'frame',
  'frameset',
  'object',
  'applet',
  'embed',
  'svg',
  'math',
  'head',
  'title',
  'textarea',
  'select',
  'button',
  'audio',
  'video',
  'canvas',
  'map',
  'portal',
  'xml',
]);

export const VOID_ELEMENTS = new Set(['br', 'hr', 'col']);

/** The element to write for an input element, or undefined when it is unwrapped. */
export function outputElement(name: string): string | undefined {
  const renamed = RENAMED.get(name) ?? name;
  return ALLOWED.has(renamed) ? renamed : undefined;
}

const NUMBER = /^\d{1,4}$/;
const KEYWORD = /^[A-Za-z-]{1,20}$/;
const DIRECTION = /^(?:ltr|rtl|auto)$/i;

/**
 * The allowed attributes of an element, serialised (with a leading space each). A `style` is never written as
 * one (exported pages forbid inline styles): its harmless declarations go to `styleClass`, whose class the element
 * gets; without it they are dropped.
 */
export function allowedAttributes(
  element: string,
  attrs: ReadonlyMap<string, string>,
  styleClass?: (declarations: string) => string | undefined,
): string {
  const allowed = ALLOWED.get(element) ?? [];
  let out = '';
  for (const name of allowed) {
    const value = attrs.get(name);
    if (value === undefined) continue;
    let kept: string | undefined = value;
    if (name === 'style') {
      const declarations = safeStyle(value);
      const cls = declarations === undefined ? undefined : styleClass?.(declarations);
      if (cls !== undefined) out += ` class="${escapeAttribute(cls)}"`;
      continue;
    } else if (['colspan', 'rowspan', 'start', 'span', 'width'].includes(name))
      kept = NUMBER.test(value) ? value : undefined;
    else if (name === 'dir') kept = DIRECTION.test(value) ? value.toLowerCase() : undefined;
    else if (['align', 'valign', 'scope', 'type'].includes(name))
      kept = KEYWORD.test(value) ? value : undefined;
    if (kept !== undefined) out += ` ${name}="${escapeAttribute(kept)}"`;
  }
  return out;
}
