// Conversions between storage format and ADF for bodies that clients write in one representation and read in
// the other. Confluence converts losslessly; the simulator converts block by block and keeps text, headings,
// code, panels, expands, tables, lists, tasks, images and macros by name, which is enough for a client to see a
// plausible body in the representation it did not write. Bodies read in the representation written are exact.

import type { AdfNode } from './render-adf.ts';
import { escapeXml } from './render-storage.ts';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Visible text of a storage fragment: CDATA kept, tags dropped, entities decoded. */
export function storageText(fragment: string): string {
  const withCdata = fragment.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, body: string) => escapeXml(body));
  return decodeEntities(withCdata.replace(/<[^>]*>/g, ''));
}

interface Element {
  name: string;
  attrs: string;
  inner: string;
}

/** Splits a fragment into its top-level elements (text between them becomes a `#text` element). */
function topLevel(fragment: string): Element[] {
  const out: Element[] = [];
  const tag = /<!\[CDATA\[[\s\S]*?\]\]>|<(\/?)([\w:-]+)([^>]*?)(\/?)>/g;
  let depth = 0;
  let start = 0;
  let open: { name: string; attrs: string; innerStart: number } | undefined;
  for (let m = tag.exec(fragment); m !== null; m = tag.exec(fragment)) {
    if (m[2] === undefined) continue; // CDATA
    const [whole, closing, name, attrs = '', selfClosing] = m;
    if (closing) {
      depth--;
      if (depth === 0 && open) {
        out.push({ name: open.name, attrs: open.attrs, inner: fragment.slice(open.innerStart, m.index) });
        open = undefined;
        start = m.index + whole.length;
      }
    } else if (selfClosing) {
      if (depth === 0) {
        pushText(out, fragment.slice(start, m.index));
        out.push({ name, attrs, inner: '' });
        start = m.index + whole.length;
      }
    } else {
      if (depth === 0) {
        pushText(out, fragment.slice(start, m.index));
        open = { name, attrs, innerStart: m.index + whole.length };
      }
      depth++;
    }
  }
  pushText(out, fragment.slice(start));
  return out;
}

function pushText(out: Element[], text: string): void {
  if (text.trim() !== '') out.push({ name: '#text', attrs: '', inner: text });
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`${name}="([^"]*)"`).exec(attrs);
  return m ? decodeEntities(m[1]!) : undefined;
}

function textNode(value: string): AdfNode[] {
  return value === '' ? [] : [{ type: 'text', text: value }];
}

function paragraph(fragment: string): AdfNode {
  return { type: 'paragraph', content: textNode(storageText(fragment)) };
}

function macroParam(inner: string, name: string): string | undefined {
  const m = new RegExp(`<ac:parameter ac:name="${name}">([\\s\\S]*?)</ac:parameter>`).exec(inner);
  return m ? storageText(m[1]!) : undefined;
}

function richBody(inner: string): AdfNode[] {
  const m = /<ac:rich-text-body>([\s\S]*)<\/ac:rich-text-body>/.exec(inner);
  return storageBlocks(m ? m[1]! : '');
}

function macroNode(attrs: string, inner: string): AdfNode {
  const name = attr(attrs, 'ac:name') ?? 'unknown';
  if (name === 'code') {
    const body =
      /<ac:plain-text-body><!\[CDATA\[([\s\S]*?)\]\]><\/ac:plain-text-body>/.exec(inner)?.[1] ?? '';
    return {
      type: 'codeBlock',
      attrs: { language: macroParam(inner, 'language') ?? 'none' },
      content: textNode(body),
    };
  }
  if (name === 'info' || name === 'note' || name === 'warning' || name === 'tip') {
    return {
      type: 'panel',
      attrs: { panelType: name === 'tip' ? 'success' : name },
      content: richBody(inner),
    };
  }
  if (name === 'expand')
    return { type: 'expand', attrs: { title: macroParam(inner, 'title') ?? '' }, content: richBody(inner) };
  return {
    type: 'extension',
    attrs: { extensionType: 'com.atlassian.confluence.macro.core', extensionKey: name },
  };
}

function storageBlocks(fragment: string): AdfNode[] {
  return topLevel(fragment).map((el): AdfNode => {
    const heading = /^h([1-6])$/.exec(el.name);
    if (heading)
      return {
        type: 'heading',
        attrs: { level: Number(heading[1]) },
        content: textNode(storageText(el.inner)),
      };
    switch (el.name) {
      case 'ac:structured-macro':
        return macroNode(el.attrs, el.inner);
      case 'table':
        return {
          type: 'table',
          content: [...el.inner.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => ({
            type: 'tableRow',
            content: [...row[1]!.matchAll(/<(th|td)[^>]*>([\s\S]*?)<\/\1>/g)].map((cell) => ({
              type: cell[1] === 'th' ? 'tableHeader' : 'tableCell',
              content: [paragraph(cell[2]!)],
            })),
          })),
        };
      case 'ul':
      case 'ol':
        return {
          type: el.name === 'ul' ? 'bulletList' : 'orderedList',
          content: [...el.inner.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((li) => ({
            type: 'listItem',
            content: [paragraph(li[1]!)],
          })),
        };
      case 'ac:task-list':
        return {
          type: 'taskList',
          attrs: { localId: 'tasks' },
          content: [...el.inner.matchAll(/<ac:task>([\s\S]*?)<\/ac:task>/g)].map((task, i) => ({
            type: 'taskItem',
            attrs: { localId: String(i + 1), state: task[1]!.includes('>complete<') ? 'DONE' : 'TODO' },
            content: textNode(
              storageText(/<ac:task-body>([\s\S]*?)<\/ac:task-body>/.exec(task[1]!)?.[1] ?? ''),
            ),
          })),
        };
      case 'ac:image': {
        const filename = attr(el.inner, 'ri:filename') ?? attr(el.inner, 'ri:value') ?? 'image';
        return {
          type: 'mediaSingle',
          attrs: { layout: 'center' },
          content: [{ type: 'media', attrs: { type: 'file', id: filename, collection: '', alt: filename } }],
        };
      }
      default:
        return paragraph(el.name === '#text' ? el.inner : el.inner);
    }
  });
}

/** ADF document (as JSON text) for a storage-format body. */
export function storageToAdf(storage: string): string {
  return JSON.stringify({ type: 'doc', version: 1, content: storageBlocks(storage) });
}

function marksWrap(node: AdfNode, inner: string): string {
  const marks = Array.isArray(node.marks) ? (node.marks as AdfNode[]) : [];
  return marks.reduce((acc, mark) => {
    switch (mark.type) {
      case 'strong':
      case 'em':
      case 'code':
        return `<${mark.type}>${acc}</${mark.type}>`;
      case 'link':
        return `<a href="${escapeXml(String(mark.attrs?.href ?? ''))}">${acc}</a>`;
      case 'annotation':
        return `<ac:inline-comment-marker ac:ref="${escapeXml(String(mark.attrs?.id ?? ''))}">${acc}</ac:inline-comment-marker>`;
      default:
        return acc;
    }
  }, inner);
}

function children(node: AdfNode): string {
  return (node.content ?? []).map(adfNodeToStorage).join('');
}

function adfNodeToStorage(node: AdfNode): string {
  const a = node.attrs ?? {};
  switch (node.type) {
    case 'text':
      return marksWrap(node, escapeXml(String(node.text ?? '')));
    case 'paragraph':
      return `<p>${children(node)}</p>`;
    case 'heading':
      return `<h${Number(a.level ?? 1)}>${children(node)}</h${Number(a.level ?? 1)}>`;
    case 'hardBreak':
      return '<br />';
    case 'rule':
      return '<hr />';
    case 'codeBlock': {
      const code = (node.content ?? []).map((t) => String(t.text ?? '')).join('');
      return `<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">${escapeXml(String(a.language ?? 'none'))}</ac:parameter><ac:plain-text-body><![CDATA[${code.replaceAll(']]>', ']]]]><![CDATA[>')}]]></ac:plain-text-body></ac:structured-macro>`;
    }
    case 'panel': {
      const type = String(a.panelType ?? 'info');
      return `<ac:structured-macro ac:name="${type === 'success' ? 'tip' : type === 'error' ? 'warning' : type}"><ac:rich-text-body>${children(node)}</ac:rich-text-body></ac:structured-macro>`;
    }
    case 'expand':
      return `<ac:structured-macro ac:name="expand"><ac:parameter ac:name="title">${escapeXml(String(a.title ?? ''))}</ac:parameter><ac:rich-text-body>${children(node)}</ac:rich-text-body></ac:structured-macro>`;
    case 'table':
      return `<table><tbody>${children(node)}</tbody></table>`;
    case 'tableRow':
      return `<tr>${children(node)}</tr>`;
    case 'tableHeader':
      return `<th>${children(node)}</th>`;
    case 'tableCell':
      return `<td>${children(node)}</td>`;
    case 'bulletList':
      return `<ul>${children(node)}</ul>`;
    case 'orderedList':
      return `<ol>${children(node)}</ol>`;
    case 'listItem':
      return `<li>${children(node)}</li>`;
    case 'taskList':
      return `<ac:task-list>${children(node)}</ac:task-list>`;
    case 'taskItem':
      return `<ac:task><ac:task-status>${a.state === 'DONE' ? 'complete' : 'incomplete'}</ac:task-status><ac:task-body>${children(node)}</ac:task-body></ac:task>`;
    case 'mediaSingle':
      return children(node);
    case 'media':
    case 'mediaInline':
      return `<ac:image><ri:attachment ri:filename="${escapeXml(String(a.alt ?? a.id ?? ''))}" /></ac:image>`;
    case 'mention':
      return `<ac:link><ri:user ri:account-id="${escapeXml(String(a.id ?? ''))}" /></ac:link>`;
    case 'status':
      return `<ac:structured-macro ac:name="status"><ac:parameter ac:name="title">${escapeXml(String(a.text ?? ''))}</ac:parameter></ac:structured-macro>`;
    case 'inlineCard':
      return `<a href="${escapeXml(String(a.url ?? ''))}">${escapeXml(String(a.url ?? ''))}</a>`;
    case 'extension':
    case 'bodiedExtension':
    case 'inlineExtension':
      return `<ac:structured-macro ac:name="${escapeXml(String(a.extensionKey ?? 'unknown'))}" />`;
    default:
      return children(node);
  }
}

/** Storage format for an ADF document given as JSON text; invalid JSON yields undefined. */
export function adfToStorage(adf: string): string | undefined {
  try {
    const doc = JSON.parse(adf) as AdfNode;
    if (typeof doc !== 'object' || doc === null || doc.type !== 'doc') return undefined;
    return children(doc);
  } catch {
    return undefined;
  }
}
