// Builds a document tree from storage tokens, tolerating what real and hostile bodies contain: an end tag closes
// the nearest open element of its name (and those inside it), a stray end tag is ignored, elements left open
// at the end are closed, void HTML elements never take children. Nesting is capped so that rendering, which
// recurses, stays within the stack however deep the input nests.

import { tokenizeStorage } from './storage-tokens.ts';

export interface StorageElement {
  kind: 'element';
  name: string;
  attrs: Map<string, string>;
  children: StorageNode[];
}

export interface StorageText {
  kind: 'text';
  text: string;
}

export type StorageNode = StorageElement | StorageText;

/** Deeper elements are flattened into their ancestor at this depth. */
export const MAX_DEPTH = 128;

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

export function parseStorage(xhtml: string): StorageElement {
  const root: StorageElement = { kind: 'element', name: '#root', attrs: new Map(), children: [] };
  const stack: StorageElement[] = [root];
  for (const token of tokenizeStorage(xhtml)) {
    const top = stack[stack.length - 1]!;
    if (token.kind === 'text') {
      const last = top.children[top.children.length - 1];
      if (last?.kind === 'text') last.text += token.text;
      else if (token.text) top.children.push({ kind: 'text', text: token.text });
    } else if (token.kind === 'start') {
      const element: StorageElement = { kind: 'element', name: token.name, attrs: token.attrs, children: [] };
      top.children.push(element);
      if (!token.selfClosing && !VOID.has(token.name) && stack.length <= MAX_DEPTH) stack.push(element);
    } else {
      for (let i = stack.length - 1; i > 0; i--) {
        if (stack[i]!.name === token.name) {
          stack.length = i;
          break;
        }
      }
    }
  }
  return root;
}

/** The element children of a node with this name. */
export function childElements(node: StorageElement, name: string): StorageElement[] {
  return node.children.filter((c): c is StorageElement => c.kind === 'element' && c.name === name);
}

export function firstChild(node: StorageElement, name: string): StorageElement | undefined {
  return node.children.find((c): c is StorageElement => c.kind === 'element' && c.name === name);
}

/** All text inside a node, in document order. */
export function textOf(node: StorageNode): string {
  if (node.kind === 'text') return node.text;
  let out = '';
  const walk = (n: StorageElement): void => {
    for (const c of n.children) {
      if (c.kind === 'text') out += c.text;
      else walk(c);
    }
  };
  walk(node);
  return out;
}
