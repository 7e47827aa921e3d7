// The RenderContext of one exported item: the storage renderer asks it where pages, spaces and attachments live
// in the export (answered relative to the item's file) and which hosts are the backed-up site.

import type { ExportedAttachment, RenderContext } from '../../../sources/confluence/render/render-context.ts';
import type { InlineStyles } from './inline-styles.ts';
import { type ExportAttachment, type ExportItem, relativeHref, type SiteModel } from './site-model.ts';

/** Hosts that count as the backed-up site: the site URL's host plus any aliases given. */
export function siteHosts(siteUrl: string, aliases: readonly string[] = []): Set<string> {
  const hosts = new Set(aliases.map((h) => h.toLowerCase()));
  if (URL.canParse(siteUrl)) hosts.add(new URL(siteUrl).hostname.toLowerCase());
  return hosts;
}

export function itemRenderContext(
  model: SiteModel,
  item: ExportItem,
  hosts: ReadonlySet<string>,
  userNames: ReadonlyMap<string, string> = new Map(),
  styles?: InlineStyles,
): RenderContext {
  const from = item.file;
  const toItem = (target: ExportItem) => ({
    href: relativeHref(from, target.file),
    title: target.record.title,
  });
  const toAttachment = (a: ExportAttachment): ExportedAttachment => ({
    href: relativeHref(from, a.file),
    title: a.record.title,
    ...(a.record.mediaType ? { mediaType: a.record.mediaType } : {}),
    ...(a.record.fileSize !== undefined ? { fileSize: a.record.fileSize } : {}),
  });
  const siteUrl = model.site.site;
  return {
    spaceKey: item.spaceKey,
    ...(URL.canParse(siteUrl) ? { siteUrl } : {}),
    isSiteHost: (host) => hosts.has(host.toLowerCase()),
    contentById: (id, spaceKey) => {
      const target = model.byId(id);
      if (!target || (spaceKey !== undefined && target.spaceKey.toLowerCase() !== spaceKey.toLowerCase()))
        return undefined;
      return toItem(target);
    },
    contentByTitle: (spaceKey, title, type) => {
      const target = model.byTitle(spaceKey, title, type);
      return target ? toItem(target) : undefined;
    },
    space: (key) => {
      const space = model.space(key);
      return space ? { href: relativeHref(from, space.file), title: space.record.name } : undefined;
    },
    attachment: (filename, owner) => {
      const holder = owner ? model.byTitle(owner.spaceKey, owner.title, owner.type) : item;
      const found = holder?.attachments.find((a) => a.record.title === filename);
      return found ? toAttachment(found) : undefined;
    },
    attachments: () => item.attachments.map(toAttachment),
    children: () => item.children.map(toItem),
    userName: (accountId) => userNames.get(accountId),
    ...(styles ? { styleClass: (declarations: string) => styles.classFor(declarations) } : {}),
  };
}
