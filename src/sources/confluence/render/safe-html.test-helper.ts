// Checks that a string of HTML is what the renderer promises: allow-listed elements and attributes only, no
// event handlers, links only to http(s)/mailto/tel, fragments or relative paths, images only from relative
// paths (nothing loads from the network), styles without resources, and text whose only `&` start the
// entities the escaper writes. Returns the problems found (none when safe).

const ELEMENTS = new Set(
  (
    'p div span blockquote pre code strong b em i u s del ins sub sup small mark abbr cite q kbd samp var dfn bdi ' +
    'bdo h1 h2 h3 h4 h5 h6 ul ol li dl dt dd figure figcaption table thead tbody tfoot tr td th caption colgroup ' +
    'col details summary hr br a img input nav'
  ).split(' '),
);
const ATTRIBUTES = new Set(
  (
    'href src alt width class id title style rel colspan rowspan align valign scope start type span dir role ' +
    'aria-label data-language disabled checked'
  ).split(' '),
);
const TAG = /<(\/?)([^\s>/]+)([^>]*)>/g;
const ATTRIBUTE = /\s+([^\s=>]+)(?:="([^"]*)")?/gy;
const ENTITY = /&(?!amp;|lt;|gt;|quot;|#39;)/;

function decode(value: string): string {
  return value
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

function checkUrl(name: string, raw: string, problems: string[]): void {
  const url = decode(raw);
  const scheme = /^\s*([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (name === 'src') {
    if (scheme !== undefined || url.startsWith('//')) problems.push(`image loads from outside: ${url}`);
  } else if (scheme !== undefined && !['http', 'https', 'mailto', 'tel'].includes(scheme)) {
    problems.push(`unsafe link scheme: ${url}`);
  } else if (scheme === undefined && /^\s*[/\\]/.test(url)) {
    problems.push(`root-relative or protocol-relative link: ${url}`);
  }
}

/** `extra` allows more elements and attributes (an exported page's frame uses a few the renderer never writes). */
export function safeHtmlProblems(
  html: string,
  extra: { elements?: string[]; attributes?: string[] } = {},
): string[] {
  const allowedElements = new Set([...ELEMENTS, ...(extra.elements ?? [])]);
  const allowedAttributes = new Set([...ATTRIBUTES, ...(extra.attributes ?? [])]);
  const problems: string[] = [];
  let last = 0;
  for (const match of html.matchAll(TAG)) {
    const text = html.slice(last, match.index);
    if (/[<>]/.test(text)) problems.push(`unescaped markup character in text: ${JSON.stringify(text)}`);
    if (ENTITY.test(text)) problems.push(`unescaped & in text: ${JSON.stringify(text)}`);
    last = match.index + match[0].length;
    const [, , name = '', attributes = ''] = match;
    if (!allowedElements.has(name)) problems.push(`element not allowed: ${name}`);
    ATTRIBUTE.lastIndex = 0;
    let consumed = 0;
    for (let m = ATTRIBUTE.exec(attributes); m; m = ATTRIBUTE.exec(attributes)) {
      consumed = ATTRIBUTE.lastIndex;
      const [, attr = '', value = ''] = m;
      if (!allowedAttributes.has(attr) || attr.startsWith('on'))
        problems.push(`attribute not allowed: ${attr}`);
      if (ENTITY.test(value)) problems.push(`unescaped & in attribute: ${value}`);
      if (attr === 'href' || attr === 'src') checkUrl(attr, value, problems);
      if (attr === 'style' && /url|expression|\\/i.test(value))
        problems.push(`style loads or escapes: ${value}`);
    }
    if (attributes.slice(consumed).trim() !== '') problems.push(`malformed attributes: ${attributes}`);
  }
  const tail = html.slice(last);
  if (/[<>]/.test(tail) || ENTITY.test(tail))
    problems.push(`unescaped text at the end: ${JSON.stringify(tail)}`);
  return problems;
}
