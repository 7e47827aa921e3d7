// Character references in Confluence storage format: numeric ones and every named reference of HTML5 (storage is
// XHTML, but the editor keeps HTML names such as `&nbsp;`, `&rsquo;` or `&aring;`). The names come from the
// `entities` package's copy of the WHATWG table (2,231 entries: 2,125 names with `;`, 106 of them also without).
// A name is decoded only when it ends in `;` and is in the table as a whole; anything else (`&bogus;`, `&notit;`,
// a bare `&amp`) stays literal text. Numeric references are decoded here: code points that are not characters
// become U+FFFD, and 0x80-0x9F keep their code point (no windows-1252 remapping, unlike a browser).

import { decodeHTMLStrict } from 'entities';

const REFERENCE = /&(?:#[xX]([0-9a-fA-F]{1,8});|#([0-9]{1,10});|([A-Za-z][A-Za-z0-9]{1,31});)/g;

function fromCodePoint(code: number): string {
  const valid =
    code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) && code !== 0xfffe && code !== 0xffff;
  return valid ? String.fromCodePoint(code) : '\ufffd';
}

/** The characters `&name;` stands for, or undefined when the name is not in HTML5's table. */
function namedCharacters(reference: string): string | undefined {
  // Strict decoding matches only names followed by `;`, and `reference` is one `&name;` with an alphanumeric name,
  // so any change means the whole reference was one entry of the table.
  const decoded = decodeHTMLStrict(reference);
  return decoded === reference ? undefined : decoded;
}

/** Replaces character references by the characters they name. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (whole, hex?: string, dec?: string) => {
    if (hex !== undefined) return fromCodePoint(Number.parseInt(hex, 16));
    if (dec !== undefined) return fromCodePoint(Number.parseInt(dec, 10));
    return namedCharacters(whole) ?? whole;
  });
}
