// Renders a Confluence storage-format body to safe HTML for the offline export. Pure: everything it needs to
// know about the export comes from a RenderContext. Whatever the input, the output holds only allow-listed
// elements and attributes, escaped text, and links that are relative, fragments, or http(s)/mailto/tel; never
// script, event handlers or anything that loads from the network.

import { headingId } from './anchors.ts';
import { emoticonText } from './emoticons.ts';
import { allowedAttributes, DROPPED, outputElement, VOID_ELEMENTS } from './html-allowlist.ts';
import { escapeText } from './html-escape.ts';
import type { Heading, RenderContext, Walker } from './render-context.ts';
import { renderAcImage, renderAcLink, renderAnchorElement, renderRawImage } from './render-links.ts';
import { renderMacro } from './render-macros.ts';
import {
  childElements,
  firstChild,
  parseStorage,
  type StorageElement,
  type StorageNode,
  textOf,
} from './storage-tree.ts';

export interface RenderedBody {
  html: string;
  /** The body's visible text (for the search index), whitespace collapsed. */
  text: string;
  headings: Heading[];
}

const HEADING = /^h([1-6])$/;

/**
 * Elements of this renderer's output that a browser does not let stay inside `<p>` (it closes the paragraph
 * before them). Matching on the output is reliable: text is always escaped, so `<` starts only our own tags.
 */
const BLOCK_TAG =
  '<(?:div|ul|ol|dl|pre|figure|nav|details|table|blockquote|h[1-6]|p|hr|section|address|fieldset|form|header|footer|main|aside|article|menu)[\\s>]';
const STARTS_BLOCK = new RegExp(`^${BLOCK_TAG}`);
const HOLDS_BLOCK = new RegExp(BLOCK_TAG);

/** Elements of the `ac:` namespace that carry no visible content where they appear on their own. */
const AC_SILENT = new Set([
  'ac:parameter',
  'ac:placeholder',
  'ac:task-id',
  'ac:task-uuid',
  'ac:task-status',
  'ac:adf-attribute',
  'ac:adf-mark',
]);

function collectHeadings(root: StorageElement): Map<StorageElement, Heading> {
  const found = new Map<StorageElement, Heading>();
  const walk = (node: StorageElement): void => {
    for (const child of node.children) {
      if (child.kind !== 'element') continue;
      const level = HEADING.exec(child.name)?.[1];
      if (level) {
        found.set(child, { id: headingId(found.size + 1), level: Number(level), text: textOf(child).trim() });
      } else walk(child);
    }
  };
  walk(root);
  return found;
}

class BodyWalker implements Walker {
  readonly ctx: RenderContext;
  readonly headings: Heading[];
  readonly #headingOf: Map<StorageElement, Heading>;
  readonly #text: string[] = [];

  readonly #styleClass = (declarations: string) => this.ctx.styleClass?.(declarations);

  constructor(ctx: RenderContext, headingOf: Map<StorageElement, Heading>) {
    this.ctx = ctx;
    this.#headingOf = headingOf;
    this.headings = [...headingOf.values()];
  }

  get plainText(): string {
    return this.#text.join(' ').replace(/\s+/g, ' ').trim();
  }

  text(text: string): string {
    this.#text.push(text);
    return escapeText(text);
  }

  children(node: StorageElement): string {
    let out = '';
    for (const child of node.children) out += this.node(child);
    return out;
  }

  node(node: StorageNode): string {
    if (node.kind === 'text') return this.text(node.text);
    const name = node.name;
    if (name.startsWith('ac:') || name.startsWith('ri:')) return this.#confluence(node);
    if (DROPPED.has(name)) return '';
    if (name === 'a') return renderAnchorElement(this, node);
    if (name === 'img') return renderRawImage(this, node);
    if (name === 'time') return this.text(node.attrs.get('datetime') ?? textOf(node));
    const element = outputElement(name);
    if (!element) return this.children(node);
    if (element === 'p') return this.#paragraph(node);
    const heading = this.#headingOf.get(node);
    const id = heading ? ` id="${heading.id}"` : '';
    const open = `<${element}${id}${allowedAttributes(element, node.attrs, this.#styleClass)}>`;
    if (VOID_ELEMENTS.has(element)) return open;
    const inner = `${open}${this.children(node)}</${element}>`;
    return element === 'table' ? `<div class="table-wrap">${inner}</div>` : inner;
  }

  /**
   * A paragraph, split around what renders as a block (a code, panel or other block macro, a list, a table):
   * the text before and after stays in paragraphs with the same attributes, the block comes between them. A run
   * that holds a block deeper down (inside a link or emphasis) becomes a `div.paragraph` instead.
   */
  #paragraph(node: StorageElement): string {
    const attrs = allowedAttributes('p', node.attrs, this.#styleClass);
    const parts = node.children.map((child) => this.node(child));
    if (!parts.some((part) => HOLDS_BLOCK.test(part))) return `<p${attrs}>${parts.join('')}</p>`;
    let out = '';
    let run = '';
    const flush = () => {
      if (run.trim() !== '')
        out += HOLDS_BLOCK.test(run)
          ? `<div class="paragraph"${attrs}>${run}</div>`
          : `<p${attrs}>${run}</p>`;
      run = '';
    };
    for (const part of parts) {
      if (STARTS_BLOCK.test(part)) {
        flush();
        out += part;
      } else run += part;
    }
    flush();
    return out;
  }

  #confluence(el: StorageElement): string {
    switch (el.name) {
      case 'ac:structured-macro':
      case 'ac:macro':
        return renderMacro(this, el);
      case 'ac:link':
        return renderAcLink(this, el);
      case 'ac:image':
        return renderAcImage(this, el);
      case 'ac:emoticon':
        return this.text(emoticonText(el.attrs.get('ac:name'), el.attrs.get('ac:emoji-fallback')));
      case 'ac:task-list':
        return this.#tasks(el);
      case 'ac:inline-comment-marker':
        return `<span class="inline-comment-marker">${this.children(el)}</span>`;
      case 'ac:layout':
      case 'ac:layout-section':
      case 'ac:layout-cell':
        return `<div class="${el.name.slice(3)}">${this.children(el)}</div>`;
      case 'ac:adf-extension': {
        const fallback = firstChild(el, 'ac:adf-fallback');
        return fallback
          ? this.children(fallback)
          : `<div class="macro macro-unknown"><div class="macro-label">Extension</div>${this.children(el)}</div>`;
      }
      case 'ac:plain-text-body':
      case 'ac:plain-text-link-body':
        return this.text(textOf(el));
      default:
        if (AC_SILENT.has(el.name) || el.name.startsWith('ri:')) return '';
        return this.children(el);
    }
  }

  #tasks(el: StorageElement): string {
    const items = childElements(el, 'ac:task').map((task) => {
      const done = textOf(firstChild(task, 'ac:task-status') ?? task).trim() === 'complete';
      const body = firstChild(task, 'ac:task-body');
      const box = `<input type="checkbox" disabled${done ? ' checked' : ''}>`;
      return `<li class="task${done ? ' task-done' : ''}">${box} <span>${body ? this.children(body) : ''}</span></li>`;
    });
    return `<ul class="task-list">${items.join('')}</ul>`;
  }
}

export function renderStorage(xhtml: string, ctx: RenderContext): RenderedBody {
  const root = parseStorage(xhtml);
  const walker = new BodyWalker(ctx, collectHeadings(root));
  const html = walker.children(root);
  return { html, text: walker.plainText, headings: walker.headings };
}
