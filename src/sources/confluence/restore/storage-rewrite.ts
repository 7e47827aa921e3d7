// Rewrites the references inside a storage-format body (XHTML) when content moves to new ids, new space keys or
// another site: page and blog post links by id (absolute on the original site's host, or relative `/wiki/…`),
// `ri:content-id` (ri:page, ri:blog-post, ri:content-entity), `ri:space-key`, macro parameters that name page
// ids or space keys, `data-linked-resource-id`, attachment ids in URLs, and (in ADF) media collections
// `contentId-<id>`. Title-based links (`ri:page ri:content-title`) stay as they are, only their space key follows
// a changed key.
//
// The contract: only ids found in the maps change; an id in an id position that is not in the map is left alone
// and reported in `unresolved` (a forward reference the caller resolves in a later pass, or a link to content
// outside the restore). Absolute links to any host other than the original site's are never touched.

export interface ReferenceMaps {
  /** Old content id -> new content id (pages, blog posts, folders, …). */
  contentIds: ReadonlyMap<string, string>;
  /** Old attachment id (`att…`) -> new attachment id. */
  attachmentIds?: ReadonlyMap<string, string>;
  /** Old space key -> new space key (only keys that change need an entry). */
  spaceKeys?: ReadonlyMap<string, string>;
  /**
   * Hosts (`acme.atlassian.net`, `host:port`; case-insensitive) that mean the original site. Absolute links to
   * them are internal: their ids are rewritten and their origin becomes `targetOrigin`.
   */
  sourceHosts?: readonly string[];
  /** Origin written into internal absolute links (`https://copy.atlassian.net`); unchanged when absent. */
  targetOrigin?: string;
}

export interface RewriteResult {
  body: string;
  /** Content ids found in id positions that the map does not know (each once, in order of appearance). */
  unresolved: string[];
  /** Attachment ids found in links that the map does not know. */
  unresolvedAttachments: string[];
}

/** Macro parameters whose value is a page/content id (or a comma-separated list of them). */
const ID_PARAMETERS = new Set([
  'pageid',
  'page-id',
  'pageids',
  'contentid',
  'content-id',
  'contentids',
  'parentid',
  'parent-id',
  'root',
  'rootpageid',
]);
/** Macro parameters whose value is a space key (or a comma-separated list of them). */
const SPACE_PARAMETERS = new Set(['spacekey', 'space-key', 'spaces', 'space', 'spacekeys']);

const DIGITS = /^\d+$/;

/**
 * A link to a site: scheme, host and `/wiki/…`, or a relative `/wiki/…` that starts a value (after a quote, `>`,
 * whitespace, `(` or `=`, so that the path part of a link to another host is never mistaken for one), up to the
 * end of the attribute or text.
 */
const SITE_URL =
  /(https?:\/\/[A-Za-z0-9.-]+(?::\d+)?)(\/wiki\/[^\s"'<>]*)|(?<=^|["'\s>(=])(\/wiki\/[^\s"'<>]*)/g;

class Rewriter {
  readonly #maps: ReferenceMaps;
  readonly #hosts: Set<string>;
  readonly unresolved: string[] = [];
  readonly unresolvedAttachments: string[] = [];
  readonly #seen = new Set<string>();

  constructor(maps: ReferenceMaps) {
    this.#maps = maps;
    this.#hosts = new Set((maps.sourceHosts ?? []).map((h) => h.toLowerCase()));
  }

  id(old: string): string {
    const mapped = this.#maps.contentIds.get(old);
    if (mapped !== undefined) return mapped;
    if (!this.#seen.has(old)) {
      this.#seen.add(old);
      this.unresolved.push(old);
    }
    return old;
  }

  key(old: string): string {
    return this.#maps.spaceKeys?.get(old) ?? old;
  }

  attachment(old: string): string {
    const mapped = this.#maps.attachmentIds?.get(old);
    if (mapped !== undefined) return mapped;
    if (!this.#seen.has(old)) {
      this.#seen.add(old);
      this.unresolvedAttachments.push(old);
    }
    return old;
  }

  url(origin: string | undefined, path: string): string {
    let head = origin;
    if (origin !== undefined) {
      const host = origin.replace(/^https?:\/\//, '').toLowerCase();
      if (!this.#hosts.has(host)) return `${origin}${path}`;
      head = this.#maps.targetOrigin ?? origin;
    }
    return `${head ?? ''}${this.path(path)}`;
  }

  path(path: string): string {
    return path
      .replace(
        /^\/wiki\/spaces\/([^/?#&;]+)(\/pages\/(?:edit-v2\/)?(\d+))?(\/blog\/(?:\d{4}\/\d{2}\/\d{2}\/)?(\d+))?/,
        (_m, key: string, pages?: string, pageId?: string, blog?: string, blogId?: string) => {
          // A link to content outside the restore keeps its id, so it keeps its space key too.
          const id = pageId ?? blogId;
          const mapped = id === undefined ? undefined : this.id(id);
          let out = `/wiki/spaces/${id === undefined || mapped !== id ? this.key(key) : key}`;
          if (pages !== undefined && pageId !== undefined)
            out += pages.slice(0, pages.length - pageId.length) + mapped;
          if (blog !== undefined && blogId !== undefined)
            out += blog.slice(0, blog.length - blogId.length) + mapped;
          return out;
        },
      )
      .replace(/^\/wiki\/display\/([^/?#&;]+)/, (_m, key: string) => `/wiki/display/${this.key(key)}`)
      .replace(
        /^\/wiki\/download\/(attachments|thumbnails)\/(\d+)\//,
        (_m, kind: string, id: string) => `/wiki/download/${kind}/${this.id(id)}/`,
      )
      .replace(/([?&;](?:pageId|contentId)=)(\d+)/g, (_m, head: string, id: string) => head + this.id(id))
      .replace(/([?&;]spaceKey=)([^&#;]+)/g, (_m, head: string, key: string) => head + this.key(key))
      .replace(/\b(att\d+)\b/g, (_m, att: string) => this.attachment(att));
  }

  parameter(name: string, value: string): string {
    const lower = name.toLowerCase();
    if (ID_PARAMETERS.has(lower)) {
      const parts = value.split(',');
      if (!parts.every((p) => DIGITS.test(p.trim()))) return value;
      return parts.map((p) => p.replace(p.trim(), this.id(p.trim()))).join(',');
    }
    if (SPACE_PARAMETERS.has(lower)) {
      return value
        .split(',')
        .map((p) => p.replace(p.trim(), this.key(p.trim())))
        .join(',');
    }
    return value;
  }
}

/** Rewrites ids, space keys and site links in a storage body (or any XHTML/JSON text holding such links). */
export function rewriteReferences(body: string, maps: ReferenceMaps): RewriteResult {
  const r = new Rewriter(maps);
  const out = body
    .replace(SITE_URL, (_m, origin?: string, path?: string, relative?: string) =>
      r.url(origin, path ?? relative ?? ''),
    )
    .replace(
      /(\bri:content-id=")(\d+)(")/g,
      (_m, head: string, id: string, tail: string) => head + r.id(id) + tail,
    )
    .replace(
      /(\bri:space-key=")([^"]*)(")/g,
      (_m, head: string, key: string, tail: string) => head + r.key(key) + tail,
    )
    .replace(
      /(\bdata-linked-resource-id=")(\d+)(")/g,
      (_m, head: string, id: string, tail: string) => head + r.id(id) + tail,
    )
    // ADF media nodes name their page's media collection `contentId-<id>`.
    .replace(/(\bcontentId-)(\d+)\b/g, (_m, head: string, id: string) => head + r.id(id))
    .replace(
      /(<ac:parameter\s+ac:name=")([^"]*)(">)([^<]*)(<\/ac:parameter>)/g,
      (_m, head: string, name: string, mid: string, value: string, tail: string) =>
        head + name + mid + r.parameter(name, value) + tail,
    );
  return { body: out, unresolved: r.unresolved, unresolvedAttachments: r.unresolvedAttachments };
}

/** The content ids a body refers to in id positions (links, `ri:content-id`, id parameters). */
export function referencedContentIds(body: string, sourceHosts: readonly string[] = []): string[] {
  return rewriteReferences(body, { contentIds: new Map(), sourceHosts }).unresolved;
}
