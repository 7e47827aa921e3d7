// Escaping for the HTML the export writes: text and attribute values never carry markup of their own, and
// control characters HTML does not allow (NUL among them) become U+FFFD.

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
const TEXT = /[&<>\u0000-\u0008\u000b\u000e-\u001f\u007f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
const ATTRIBUTE = /[&<>"'\u0000-\u0008\u000b\u000e-\u001f\u007f]/g;
const REPLACEMENT: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const replace = (c: string): string => REPLACEMENT[c] ?? '\ufffd';

export function escapeText(text: string): string {
  return text.replace(TEXT, replace);
}

export function escapeAttribute(value: string): string {
  return value.replace(ATTRIBUTE, replace);
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
