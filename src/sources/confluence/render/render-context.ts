// What the storage renderer needs to know about the export it renders into, as functions the site writer
// provides: where a page, space, attachment or user lives in the export (hrefs relative to the page being
// rendered), and which hosts are the backed-up site. The renderer itself stays pure.

import type { StorageElement } from './storage-tree.ts';

export interface ExportedLink {
  href: string;
  title: string;
}

export interface ExportedAttachment {
  href: string;
  title: string;
  mediaType?: string;
  fileSize?: number;
}

export interface RenderContext {
  /** Key of the space the rendered page belongs to: links without a space key mean this space. */
  spaceKey: string;
  /** The site's URL (`https://acme.atlassian.net`): site-relative links that leave the export point there. */
  siteUrl?: string;
  /** Whether a host is the backed-up site (so a link by id to it may be rewritten to the exported page). */
  isSiteHost(host: string): boolean;
  /**
   * The exported page, blog post or other item with this id; `spaceKey` (from a link to another host) must then
   * match the item's space.
   */
  contentById(id: string, spaceKey?: string): ExportedLink | undefined;
  contentByTitle(spaceKey: string, title: string, type: 'page' | 'blogpost'): ExportedLink | undefined;
  space(spaceKey: string): ExportedLink | undefined;
  /** An attachment of the rendered page, or of the page named by `owner`. */
  attachment(
    filename: string,
    owner?: { spaceKey: string; title: string; type: 'page' | 'blogpost' },
  ): ExportedAttachment | undefined;
  /** The rendered page's attachments and children (for the `attachments` and `children` macros). */
  attachments(): ExportedAttachment[];
  children(): ExportedLink[];
  userName(accountId: string): string | undefined;
  /**
   * The class of a style-sheet rule with these declarations (inline styles, which exported pages forbid); without
   * it, inline styles are dropped.
   */
  styleClass?(declarations: string): string;
}

/** A heading of the rendered body, for the table of contents. */
export interface Heading {
  id: string;
  level: number;
  text: string;
}

/** The renderer as macro and link renderers see it: they render bodies through it. */
export interface Walker {
  readonly ctx: RenderContext;
  readonly headings: readonly Heading[];
  /** Renders a node's children. */
  children(node: StorageElement): string;
  /** Escapes text for the page and records it for the search index. */
  text(text: string): string;
}
