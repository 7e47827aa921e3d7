// A tolerant tokenizer for Confluence storage format (XHTML with `ac:` and `ri:` elements). It never throws:
// whatever is not a well-formed tag, comment, CDATA section or declaration is text, as a browser would treat it.
// Element and attribute names are lowercased; text and attribute values come out decoded (character
// references resolved, NUL replaced by U+FFFD). Linear in the input's length.

import { decodeEntities } from './html-entities.ts';

export type StorageToken =
  | { kind: 'text'; text: string }
  | { kind: 'start'; name: string; attrs: Map<string, string>; selfClosing: boolean }
  | { kind: 'end'; name: string };

const NAME = /[A-Za-z][A-Za-z0-9:_.-]*/y;
const END_TAG = /<\/([A-Za-z][A-Za-z0-9:_.-]*)\s*>/y;
const ATTR_NAME = /[^\s/>="'<]+/y;
const UNQUOTED = /[^\s>]*/y;
const SPACE = /\s*/y;

function clean(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\ufffd') : text;
}

function skipSpace(s: string, i: number): number {
  SPACE.lastIndex = i;
  SPACE.exec(s);
  return SPACE.lastIndex;
}

/** Reads a start tag's attributes from `i` (just after the name); undefined when the input ends first. */
function readAttributes(
  s: string,
  i: number,
): { attrs: Map<string, string>; selfClosing: boolean; end: number } | undefined {
  const attrs = new Map<string, string>();
  for (;;) {
    i = skipSpace(s, i);
    if (i >= s.length) return undefined;
    const c = s[i];
    if (c === '>') return { attrs, selfClosing: false, end: i + 1 };
    if (c === '/') {
      if (s[i + 1] === '>') return { attrs, selfClosing: true, end: i + 2 };
      i++;
      continue;
    }
    ATTR_NAME.lastIndex = i;
    const name = ATTR_NAME.exec(s)?.[0];
    if (name === undefined) {
      i++; // a stray quote, `=` or `<`: skip it
      continue;
    }
    i = skipSpace(s, i + name.length);
    let value = '';
    if (s[i] === '=') {
      i = skipSpace(s, i + 1);
      const quote = s[i];
      if (quote === '"' || quote === "'") {
        const close = s.indexOf(quote, i + 1);
        if (close < 0) return undefined;
        value = s.slice(i + 1, close);
        i = close + 1;
      } else {
        UNQUOTED.lastIndex = i;
        value = UNQUOTED.exec(s)?.[0] ?? '';
        i += value.length;
      }
    }
    const key = name.toLowerCase();
    if (!attrs.has(key)) attrs.set(key, clean(decodeEntities(value)));
  }
}

export function* tokenizeStorage(s: string): Generator<StorageToken> {
  let i = 0;
  const n = s.length;
  while (i < n) {
    const lt = s.indexOf('<', i);
    if (lt < 0) {
      yield { kind: 'text', text: clean(decodeEntities(s.slice(i))) };
      return;
    }
    if (lt > i) yield { kind: 'text', text: clean(decodeEntities(s.slice(i, lt))) };
    if (s.startsWith('<!--', lt)) {
      const close = s.indexOf('-->', lt + 4);
      i = close < 0 ? n : close + 3;
      continue;
    }
    if (s.startsWith('<![CDATA[', lt)) {
      const close = s.indexOf(']]>', lt + 9);
      yield { kind: 'text', text: clean(s.slice(lt + 9, close < 0 ? n : close)) };
      i = close < 0 ? n : close + 3;
      continue;
    }
    const next = s[lt + 1];
    if (next === '!' || next === '?') {
      const close = s.indexOf('>', lt);
      i = close < 0 ? n : close + 1;
      continue;
    }
    if (next === '/') {
      END_TAG.lastIndex = lt;
      const end = END_TAG.exec(s);
      if (end) {
        yield { kind: 'end', name: end[1]!.toLowerCase() };
        i = END_TAG.lastIndex;
      } else {
        yield { kind: 'text', text: '<' };
        i = lt + 1;
      }
      continue;
    }
    NAME.lastIndex = lt + 1;
    const name = NAME.exec(s)?.[0];
    if (name === undefined) {
      yield { kind: 'text', text: '<' };
      i = lt + 1;
      continue;
    }
    const rest = readAttributes(s, lt + 1 + name.length);
    if (!rest) {
      // An unterminated tag: the rest of the input is text (rescanning it tag by tag would be quadratic).
      yield { kind: 'text', text: clean(decodeEntities(s.slice(lt))) };
      return;
    }
    yield { kind: 'start', name: name.toLowerCase(), attrs: rest.attrs, selfClosing: rest.selfClosing };
    i = rest.end;
  }
}
