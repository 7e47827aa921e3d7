// Escaping for the HTML the export writes: text and attribute values never carry markup of their own.

const TEXT = /[&<>]/g;
const ATTRIBUTE = /[&<>"']/g;
const REPLACEMENT: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeText(text: string): string {
  return text.replace(TEXT, (c) => REPLACEMENT[c]!);
}

export function escapeAttribute(value: string): string {
  return value.replace(ATTRIBUTE, (c) => REPLACEMENT[c]!);
}

/**
 * An identifier made of `[A-Za-z0-9_-]` only, one to one with its input (other characters become `_` and their
 * hex code point, `_` itself `_5f`), for element ids and fragments built from names in a body.
 */
export function safeIdentifier(name: string): string {
  let out = '';
  for (const ch of name) {
    out += /^[A-Za-z0-9-]$/.test(ch) ? ch : `_${ch.codePointAt(0)!.toString(16)}`;
  }
  return out;
}
