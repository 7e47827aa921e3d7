// Links and images of a storage body: `<a href>`, `ac:link` to pages, blog posts, spaces, attachments, users and
// URLs, and `ac:image`. Links to content in the export become relative links to the exported file; links that
// leave the export stay as they are, marked external; unsafe URLs are dropped (their text kept). Images load
// only from the export: an image by URL becomes a link, since an exported site fetches nothing from the network.

import { anchorId } from './anchors.ts';
import { escapeAttribute } from './html-escape.ts';
import type { ExportedLink, Walker } from './render-context.ts';
import { classifyUrl } from './safe-url.ts';
import { firstChild, type StorageElement, textOf } from './storage-tree.ts';
import { type WikiTarget, wikiTarget } from './wiki-links.ts';

export interface ResolvedHref {
  href: string;
  external: boolean;
}

function resolveTarget(
  w: Walker,
  target: WikiTarget | undefined,
  trusted: boolean,
): ExportedLink | undefined {
  if (!target) return undefined;
  switch (target.kind) {
    case 'content':
      if (trusted) return w.ctx.contentById(target.id);
      return target.spaceKey === undefined ? undefined : w.ctx.contentById(target.id, target.spaceKey);
    case 'space':
      return trusted ? w.ctx.space(target.spaceKey) : undefined;
    case 'title':
      return trusted ? w.ctx.contentByTitle(target.spaceKey, target.title, 'page') : undefined;
  }
}

function fromUrl(w: Walker, url: URL, trustedHost: boolean): ResolvedHref {
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const host = url.hostname.toLowerCase();
    const trusted = trustedHost || w.ctx.isSiteHost(host);
    // Another *.atlassian.net host counts only when the id and the space key both match an exported item.
    if (trusted || host.endsWith('.atlassian.net')) {
      const found = resolveTarget(w, wikiTarget(url.pathname, url.searchParams), trusted);
      if (found) return { href: found.href + url.hash, external: false };
    }
  }
  return { href: url.href, external: true };
}

/** Where an href from a body should point in the export, or undefined when it must not be a link. */
export function resolveHref(w: Walker, raw: string): ResolvedHref | undefined {
  const shape = classifyUrl(raw);
  switch (shape.kind) {
    case 'unsafe':
      return undefined;
    case 'fragment':
      return { href: `#${shape.fragment}`, external: false };
    case 'absolute':
      return fromUrl(w, shape.url, false);
    case 'site-relative':
    case 'relative': {
      const base = w.ctx.siteUrl;
      if (base && URL.canParse(base)) {
        const url = new URL(shape.path, shape.kind === 'relative' ? new URL('/wiki/', base) : base);
        return url.protocol === 'http:' || url.protocol === 'https:' ? fromUrl(w, url, true) : undefined;
      }
      if (shape.kind === 'relative' || !URL.canParse(shape.path, 'https://site.invalid')) return undefined;
      const url = new URL(shape.path, 'https://site.invalid');
      const found = resolveTarget(w, wikiTarget(url.pathname, url.searchParams), true);
      return found ? { href: found.href + url.hash, external: false } : undefined;
    }
  }
}

export function linkTag(target: ResolvedHref, inner: string, className?: string): string {
  const classes = [className, target.external ? 'external' : undefined].filter(Boolean).join(' ');
  const rel = target.external ? ' rel="noopener noreferrer"' : '';
  return `<a href="${escapeAttribute(target.href)}"${classes ? ` class="${classes}"` : ''}${rel}>${inner}</a>`;
}

/** A plain `<a>` of a body. */
export function renderAnchorElement(w: Walker, el: StorageElement): string {
  const inner = w.children(el);
  const name = el.attrs.get('name') ?? el.attrs.get('id');
  const target = el.attrs.has('href') ? resolveHref(w, el.attrs.get('href')!) : undefined;
  if (!target) {
    const id = name ? ` id="${anchorId(name)}"` : '';
    return `<span class="link${el.attrs.has('href') ? ' link-removed' : ''}"${id}>${inner}</span>`;
  }
  return linkTag(target, inner);
}

type ContentType = 'page' | 'blogpost';

function ownerOf(
  w: Walker,
  resource: StorageElement,
): { spaceKey: string; title: string; type: ContentType } | undefined {
  const page = firstChild(resource, 'ri:page') ?? firstChild(resource, 'ri:blog-post');
  const title = page?.attrs.get('ri:content-title');
  if (!page || title === undefined) return undefined;
  return {
    spaceKey: page.attrs.get('ri:space-key') || w.ctx.spaceKey,
    title,
    type: page.name === 'ri:blog-post' ? 'blogpost' : 'page',
  };
}

function missing(w: Walker, kind: string, name: string): string {
  return `<span class="missing" title="${escapeAttribute(`${kind} not in this export`)}">${w.text(name)}</span>`;
}

function mention(w: Walker, user: StorageElement): string {
  const id =
    user.attrs.get('ri:account-id') ?? user.attrs.get('ri:userkey') ?? user.attrs.get('ri:username') ?? '';
  const name = w.ctx.userName(id) ?? (id || 'unknown user');
  return `<span class="mention">${w.text(`@${name}`)}</span>`;
}

/** `ri:page`/`ri:blog-post` that is not exported: a link to the live site when it is known. */
function titleOnSite(w: Walker, spaceKey: string, title: string): ResolvedHref | undefined {
  const base = w.ctx.siteUrl;
  if (!base || !URL.canParse(base)) return undefined;
  const path = `/wiki/display/${encodeURIComponent(spaceKey)}/${encodeURIComponent(title).replaceAll('%20', '+')}`;
  return { href: new URL(path, base).href, external: true };
}

/**
 * A resource (`ri:*`) as a link; `body` is the rendered link text, if the link has one. Used by `ac:link` and by
 * macro parameters that name a page or attachment.
 */
export function renderResource(
  w: Walker,
  resource: StorageElement | undefined,
  body?: string,
  anchor?: string,
): string {
  const fragment = anchor ? `#${anchorId(anchor)}` : '';
  const plain = (text: string) => body ?? w.text(text);
  if (!resource) return anchor ? linkTag({ href: fragment, external: false }, plain(anchor)) : (body ?? '');
  const attr = (name: string) => resource.attrs.get(name);
  switch (resource.name) {
    case 'ri:page':
    case 'ri:blog-post': {
      const type: ContentType = resource.name === 'ri:page' ? 'page' : 'blogpost';
      const key = attr('ri:space-key') || w.ctx.spaceKey;
      const title = attr('ri:content-title') ?? '';
      const byId = attr('ri:content-id');
      const found = (byId ? w.ctx.contentById(byId) : undefined) ?? w.ctx.contentByTitle(key, title, type);
      if (found)
        return linkTag({ href: found.href + fragment, external: false }, plain(title || found.title));
      const live = title ? titleOnSite(w, key, title) : undefined;
      return live ? linkTag(live, plain(title), 'not-exported') : missing(w, 'page', title || byId || 'page');
    }
    case 'ri:content-entity': {
      const found = w.ctx.contentById(attr('ri:content-id') ?? '');
      return found
        ? linkTag({ href: found.href + fragment, external: false }, plain(found.title))
        : missing(w, 'content', attr('ri:content-id') ?? 'content');
    }
    case 'ri:space': {
      const found = w.ctx.space(attr('ri:space-key') ?? '');
      return found
        ? linkTag({ href: found.href, external: false }, plain(found.title))
        : missing(w, 'space', attr('ri:space-key') ?? 'space');
    }
    case 'ri:attachment': {
      const filename = attr('ri:filename') ?? '';
      const found = w.ctx.attachment(filename, ownerOf(w, resource));
      return found
        ? linkTag({ href: found.href, external: false }, plain(filename), 'attachment-link')
        : missing(w, 'attachment', filename || 'attachment');
    }
    case 'ri:user':
      return mention(w, resource);
    case 'ri:url': {
      const value = attr('ri:value') ?? '';
      const target = resolveHref(w, value);
      return target ? linkTag(target, plain(value)) : plain(value);
    }
    default:
      return body ?? w.text(textOf(resource));
  }
}

function resourceOf(el: StorageElement): StorageElement | undefined {
  return el.children.find((c): c is StorageElement => c.kind === 'element' && c.name.startsWith('ri:'));
}

/** `ac:link`. */
export function renderAcLink(w: Walker, el: StorageElement): string {
  const rich = firstChild(el, 'ac:link-body');
  const plainBody = firstChild(el, 'ac:plain-text-link-body');
  const body = rich ? w.children(rich) : plainBody ? w.text(textOf(plainBody)) : undefined;
  const resource = resourceOf(el);
  if (resource?.name === 'ri:user') return mention(w, resource);
  return renderResource(w, resource, body || undefined, el.attrs.get('ac:anchor'));
}

const DIMENSION = /^\d{1,5}(?:\.\d+)?$/;

/** `ac:align` (older editor) and `ac:layout` (newer) -> the export's alignment class; the page's CSP allows no inline style. */
const IMAGE_PLACEMENT: Record<string, string> = {
  left: 'left',
  center: 'center',
  centre: 'center',
  right: 'right',
  'align-start': 'left',
  'align-end': 'right',
  'wrap-left': 'wrap-left',
  'wrap-right': 'wrap-right',
  wide: 'center',
  'full-width': 'center',
};

function imageClass(el: StorageElement): string {
  const align = el.attrs.get('ac:align')?.toLowerCase();
  const layout = el.attrs.get('ac:layout')?.toLowerCase();
  const placement =
    (layout && Object.hasOwn(IMAGE_PLACEMENT, layout) ? IMAGE_PLACEMENT[layout] : undefined) ??
    (align && Object.hasOwn(IMAGE_PLACEMENT, align) ? IMAGE_PLACEMENT[align] : undefined);
  return placement ? `image image-${placement}` : 'image';
}

/** `ac:image` with an attachment (shown) or a URL (a link: nothing is fetched from the network). */
export function renderAcImage(w: Walker, el: StorageElement): string {
  const resource = resourceOf(el);
  const caption = firstChild(el, 'ac:caption');
  const captionHtml = caption ? `<span class="caption">${w.children(caption)}</span>` : '';
  if (resource?.name === 'ri:attachment') {
    const filename = resource.attrs.get('ri:filename') ?? '';
    const found = w.ctx.attachment(filename, ownerOf(w, resource));
    if (!found) return missing(w, 'image', `[image: ${filename}]`);
    const alt = el.attrs.get('ac:alt') ?? filename;
    const width = el.attrs.get('ac:width');
    const size = width && DIMENSION.test(width) ? ` width="${Math.round(Number(width))}"` : '';
    const img = `<img src="${escapeAttribute(found.href)}" alt="${escapeAttribute(alt)}"${size}>`;
    return `<span class="${imageClass(el)}">${img}${captionHtml}</span>`;
  }
  if (resource?.name === 'ri:url') {
    const value = resource.attrs.get('ri:value') ?? '';
    const target = resolveHref(w, value);
    const text = w.text(`[image: ${value}]`);
    return `<span class="${imageClass(el)}">${target ? linkTag(target, text, 'image-link') : text}${captionHtml}</span>`;
  }
  return missing(w, 'image', '[image]');
}

/** A raw `<img>` in a body: never loaded, shown as a link to where it points. */
export function renderRawImage(w: Walker, el: StorageElement): string {
  const src = el.attrs.get('src') ?? '';
  const target = resolveHref(w, src);
  const label = w.text(`[image: ${el.attrs.get('alt') || src}]`);
  return target ? linkTag(target, label, 'image-link') : label;
}
