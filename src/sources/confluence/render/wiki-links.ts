// Recognises the URLs Confluence Cloud uses for content, so links by id can point at the exported copy:
// `/wiki/spaces/KEY/pages/ID[/title]`, blog posts, folders, whiteboards, databases, smart links,
// `viewpage.action?pageId=ID`, `/wiki/display/KEY/Title`, space overviews and tiny links (`/wiki/x/…`).
// Gateway paths (`/ex/confluence/<cloudId>/wiki/…`) are understood too.

export type WikiTarget =
  | { kind: 'content'; id: string; spaceKey?: string }
  | { kind: 'space'; spaceKey: string }
  | { kind: 'title'; spaceKey: string; title: string };

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const ID = /^\d{1,20}$/;
const CONTENT_KINDS = new Set(['pages', 'folder', 'whiteboard', 'database', 'embed']);

/** What a URL's path and query name on a Confluence site, or undefined for anything else. */
export function wikiTarget(pathname: string, search: URLSearchParams): WikiTarget | undefined {
  let parts = pathname.split('/').filter(Boolean).map(decode);
  if (parts[0] === 'ex' && parts[1] === 'confluence' && parts.length > 2) parts = parts.slice(3);
  if (parts[0] === 'wiki') parts = parts.slice(1);
  const [first, key, kind, ...rest] = parts;
  if (first === 'spaces' && key) {
    if (kind === undefined || kind === 'overview') return { kind: 'space', spaceKey: key };
    if (CONTENT_KINDS.has(kind)) {
      const id = rest[0] === 'edit-v2' ? rest[1] : rest[0];
      return id && ID.test(id) ? { kind: 'content', id, spaceKey: key } : undefined;
    }
    if (kind === 'blog') {
      // /blog/YYYY/MM/DD/ID/title or /blog/ID
      const id = rest.length >= 4 ? rest[3] : rest[0];
      return id && ID.test(id) ? { kind: 'content', id, spaceKey: key } : undefined;
    }
    return undefined;
  }
  if (first === 'pages' && key === 'viewpage.action') {
    const id = search.get('pageId');
    return id && ID.test(id) ? { kind: 'content', id } : undefined;
  }
  if (first === 'display' && key) {
    if (kind === undefined) return { kind: 'space', spaceKey: key };
    return { kind: 'title', spaceKey: key, title: kind.replaceAll('+', ' ') };
  }
  if (first === 'x' && key) {
    const id = tinyLinkId(key);
    return id === undefined ? undefined : { kind: 'content', id };
  }
  return undefined;
}

/**
 * The content id of a tiny link: the id's little-endian bytes in base64, `/` and `+` written as `-` and `_`,
 * trailing `A`s and padding dropped.
 */
export function tinyLinkId(tiny: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,11}$/.test(tiny)) return undefined;
  const base64 = tiny.replaceAll('-', '/').replaceAll('_', '+').padEnd(12, 'A');
  const bytes = Buffer.from(base64, 'base64');
  let id = 0n;
  for (let i = Math.min(bytes.length, 8) - 1; i >= 0; i--) id = (id << 8n) | BigInt(bytes[i]!);
  return id > 0n ? id.toString() : undefined;
}
