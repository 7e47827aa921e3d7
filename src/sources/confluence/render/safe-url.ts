// Which URLs and inline styles may reach an exported page. Links may point anywhere a person can follow
// (http, https, mailto, tel, or a fragment), never at script; inline styles keep colours and alignment only,
// never anything that loads a resource.

/** Characters browsers strip or ignore inside a URL before they look at its scheme. */
const IGNORED =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: they are exactly what is being removed
  /[\u0000-\u0020\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff]/g;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const SAFE_SCHEMES = new Set(['http', 'https', 'mailto', 'tel']);

export type UrlShape =
  | { kind: 'fragment'; fragment: string }
  | { kind: 'absolute'; url: URL }
  | { kind: 'site-relative'; path: string }
  | { kind: 'relative'; path: string }
  | { kind: 'unsafe' };

/** Classifies an href from a body: an unsafe scheme (javascript:, data:, vbscript:, …) is `unsafe`. */
export function classifyUrl(raw: string): UrlShape {
  const compact = raw.replace(IGNORED, '');
  if (compact === '') return { kind: 'unsafe' };
  if (compact.startsWith('#')) return { kind: 'fragment', fragment: compact.slice(1) };
  if (/^[\\/][\\/]/.test(compact)) {
    return parseAbsolute(`https:${raw.trim()}`);
  }
  const scheme = SCHEME.exec(compact)?.[1]?.toLowerCase();
  if (scheme !== undefined) return SAFE_SCHEMES.has(scheme) ? parseAbsolute(raw.trim()) : { kind: 'unsafe' };
  // No scheme, but a colon before any slash would make a browser read one (`javascript&#58;` decoded, etc.).
  const colon = compact.indexOf(':');
  const slash = compact.search(/[/?#]/);
  if (colon >= 0 && (slash < 0 || colon < slash)) return { kind: 'unsafe' };
  const path = raw.trim();
  return path.startsWith('/') ? { kind: 'site-relative', path } : { kind: 'relative', path };
}

function parseAbsolute(text: string): UrlShape {
  if (!URL.canParse(text)) return { kind: 'unsafe' };
  const url = new URL(text);
  const scheme = url.protocol.slice(0, -1);
  return SAFE_SCHEMES.has(scheme) ? { kind: 'absolute', url } : { kind: 'unsafe' };
}

const STYLE_PROPERTIES = new Set([
  'color',
  'background-color',
  'text-align',
  'text-decoration',
  'font-weight',
  'font-style',
  'vertical-align',
  'width',
  'min-width',
  'max-width',
  'white-space',
  'margin-left',
  'padding-left',
]);
const STYLE_VALUE = /^[#a-z0-9%.,()\s-]{1,64}$/i;

/** Keeps the harmless declarations of an inline style, or returns undefined when none is left. */
export function safeStyle(style: string): string | undefined {
  const kept: string[] = [];
  for (const declaration of style.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1).trim();
    if (!STYLE_PROPERTIES.has(property) || !STYLE_VALUE.test(value)) continue;
    if (/url|expression|image|var|attr|env/i.test(value)) continue;
    kept.push(`${property}: ${value}`);
  }
  return kept.length > 0 ? kept.join('; ') : undefined;
}
