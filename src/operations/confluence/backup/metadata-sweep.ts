// The metadata sweep of a Confluence backup: what has no change feed (labels, properties, restrictions, space
// permissions, comments and attachments that may have been deleted) read for the whole site. Labels and
// restrictions come many items per request from CQL searches with expansions; only what those do not tell in full
// is read item by item, so the sweep costs about one request per item (the properties) plus a few per space.

import { forEachConcurrently } from '../../../common/concurrency.ts';
import type { StoredContent } from '../../../repository/content-writer.ts';
import { versionOf } from '../../../sources/confluence/client/dedupe.ts';
import type { Attachment, Label, Space } from '../../../sources/confluence/client/records.ts';
import { fetchMeta, type KnownMeta } from '../../../sources/confluence/item-details.ts';
import {
  encodeRecord,
  type LabelRecord,
  type SpaceLook,
  type SpaceMeta,
  type TemplateRecord,
  type Watermarks,
} from '../../../sources/confluence/layout.ts';
import { searchSpaceMeta } from '../../../sources/confluence/meta-sweep-search.ts';
import {
  type ApiComment,
  labelRecords,
  permissionRecords,
  propertyRecords,
} from '../../../sources/confluence/record-mapping.ts';
import type { ArchiveRun, Listed, SpaceWork } from './archive-run.ts';
import { errorText, type ItemContext } from './item-archiver.ts';
import { attachmentOf, scanSiteListings } from './listing-phase.ts';
import { type SweepScope, sweeps, sweepsListings } from './sweep-scope.ts';

/**
 * The metadata sweep over `scope`: labels, properties and restrictions of every item it covers into `metas`, and
 * the labels of attachments (those its searches found, and every listed attachment of a covered container) into
 * `attachmentLabels`; when it covers the listings (a whole sweep, the first slice of a rolling one), also every
 * space's labels, properties and permissions and the complete site-wide listings of attachments and comments
 * (placed by container into `comments` and `attachments`). An item whose metadata cannot be read is left out of
 * `metas`: the item phase reads it again.
 */
export async function sweepMetadata(
  run: ArchiveRun,
  scope: SweepScope,
  works: SpaceWork[],
  byId: Listed,
  comments: ItemContext['comments'],
  attachments: ItemContext['attachments'],
  metas: Map<string, StoredContent>,
  attachmentLabels: Map<string, LabelRecord[]>,
  watermarks: Watermarks,
): Promise<{ fallbacks: string[] }> {
  const { api } = run;
  const fallbacks: string[] = [];
  const signal = run.signal ? { signal: run.signal } : {};
  // Labels and restrictions of many items per request; what the searches do not tell is read item by item.
  const known = new Map<string, KnownMeta>();
  const knownAttachmentLabels = new Map<string, Label[]>();
  const listings = sweepsListings(scope);
  const [listed] = await Promise.all([
    listings ? scanSiteListings(run, undefined, watermarks, (c) => placeComment(comments, c)) : undefined,
    forEachConcurrently(works, 4, async (work) => {
      if (listings)
        work.meta = await run.content.storeBytes(
          encodeRecord(run.accounts.see(await fetchSpaceMeta(run, work.space))),
        );
      const found = await searchSpaceMeta(api, work.space.key, signal);
      fallbacks.push(...found.fallbacks);
      for (const [id, meta] of found.items) if (sweeps(scope, id)) known.set(id, meta);
      for (const [id, labels] of found.attachmentLabels) knownAttachmentLabels.set(id, labels);
    }),
  ]);
  for (const [id, labels] of knownAttachmentLabels) attachmentLabels.set(id, labelRecords(labels));
  if (listed) placeAttachments(listed, byId, attachments);

  // Per item and per attachment: what has no change feed. Failures are left to the item phase.
  const items = [...byId.values()].filter(({ item }) => sweeps(scope, item.id));
  const concurrency = run.concurrency;
  await forEachConcurrently(items, concurrency, async ({ item }) => {
    try {
      const meta = await fetchMeta(api, item, signal, known.get(item.id));
      metas.set(item.id, await run.content.storeBytes(encodeRecord(run.accounts.see(meta))));
    } catch {
      run.signal?.throwIfAborted();
    }
    run.progress();
  });
  const all = [...attachments.byContainer]
    .filter(([containerId]) => sweeps(scope, containerId))
    .flatMap(([, list]) => list)
    .filter((a) => a.status !== 'trashed' && !attachmentLabels.has(a.id));
  await forEachConcurrently(all, concurrency, async (att) => {
    try {
      const labels = [];
      for await (const label of api.listLabels('attachment', att.id, signal)) labels.push(label);
      attachmentLabels.set(att.id, labelRecords(labels));
    } catch {
      run.signal?.throwIfAborted();
    }
  });
  return { fallbacks: fallbacks.sort() };
}

/** Places the complete site-wide listing of attachments by container (of listed items). */
function placeAttachments(
  newestAttachments: Attachment[],
  byId: Listed,
  attachments: ItemContext['attachments'],
): void {
  for (const att of newestAttachments) {
    const containerId = att.pageId ?? att.blogPostId;
    if (!containerId || !byId.has(containerId)) continue;
    const list = attachments.byContainer.get(containerId) ?? [];
    list.push(att);
    attachments.byContainer.set(containerId, list);
  }
}

/** Files a comment of the complete site-wide listings under its container (page, blog post or attachment). */
function placeComment(comments: ItemContext['comments'], c: ApiComment): void {
  const containerId = c.pageId ?? c.blogPostId ?? attachmentOf(c);
  if (containerId) comments.byContainer.put(c.id, containerId, versionOf(c), c);
}

/** A space's labels, properties, permissions (with its groups' names), page templates, settings and look. */
export async function fetchSpaceMeta(run: ArchiveRun, space: Space): Promise<SpaceMeta> {
  const { api } = run;
  const signal = run.signal ? { signal: run.signal } : {};
  const all = async <T>(items: AsyncIterable<T>) => {
    const out: T[] = [];
    for await (const x of items) out.push(x);
    return out;
  };
  const [labels, properties, permissions, templates, look] = await Promise.all([
    all(api.listSpaceLabels(space.id, signal)),
    all(api.listSpaceProperties(space.id, signal)),
    all(api.listSpacePermissions(space.id, signal)),
    orGap(run, `space ${space.key} page templates`, () => readTemplates(run, space.key)),
    orGap(run, `space ${space.key} settings and look and feel`, () => readLook(run, space.key)),
  ]);
  // The names of the groups permissions name: group ids differ between sites, names let a restore find them.
  const groupNames: Record<string, string> = {};
  const groupIds = new Set<string>();
  for (const p of permissions)
    if (p.principal.type === 'group' && p.principal.id) groupIds.add(p.principal.id);
  // A name only helps a restore elsewhere: a group the site will not describe (a token without the groups scope)
  // keeps its permission by id, as older snapshots do.
  for (const id of [...groupIds].sort()) {
    try {
      const group = await api.getGroup(id, signal);
      if (group) groupNames[id] = group.name;
    } catch {
      run.signal?.throwIfAborted();
    }
  }
  return {
    labels: labelRecords(labels),
    properties: propertyRecords(properties),
    permissions: permissionRecords(permissions),
    ...(groupIds.size > 0 ? { groupNames } : {}),
    ...(templates ? { templates } : {}),
    ...(look ? { look } : {}),
  };
}

/**
 * What `read` gives, or undefined when the site will not tell: then `what` is a named gap (the snapshot is
 * partial), not a failed backup.
 */
async function orGap<T>(run: ArchiveRun, what: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    run.signal?.throwIfAborted();
    run.miss({ path: what, error: errorText(error) });
    return undefined;
  }
}

/** A space's settings, theme and look and feel. */
async function readLook(run: ArchiveRun, spaceKey: string): Promise<SpaceLook> {
  const signal = run.signal ? { signal: run.signal } : {};
  const [settings, themeKey, lookAndFeel] = await Promise.all([
    run.api.getSpaceSettings(spaceKey, signal),
    run.api.getSpaceTheme(spaceKey, signal),
    run.api.getLookAndFeel(spaceKey, signal),
  ]);
  const selected = lookAndFeel.selected;
  if (selected !== 'global' && selected !== 'custom' && selected !== 'theme')
    throw new Error(`the site names a look and feel stepvault does not know: ${selected}`);
  return {
    routeOverrideEnabled: settings.routeOverrideEnabled,
    ...(themeKey !== undefined ? { themeKey } : {}),
    selected,
    ...(selected === 'custom' && lookAndFeel.custom ? { custom: lookAndFeel.custom } : {}),
  };
}

/** A space's page templates with their bodies (one read alone when the listing left its body out), by id. */
async function readTemplates(run: ArchiveRun, spaceKey: string): Promise<TemplateRecord[]> {
  const signal = run.signal ? { signal: run.signal } : {};
  const out: TemplateRecord[] = [];
  for await (let t of run.api.listSpaceTemplates(spaceKey, signal)) {
    if (typeof t.body?.storage?.value !== 'string') t = await run.api.getTemplate(t.templateId, signal);
    out.push({
      id: t.templateId,
      name: t.name,
      description: t.description ?? '',
      labels: (t.labels ?? [])
        .map((l) => ({ prefix: l.prefix ?? 'global', name: l.name }))
        .sort((a, b) => (a.prefix + a.name < b.prefix + b.name ? -1 : 1)),
      storage: t.body?.storage?.value ?? '',
    });
  }
  return out.sort((a, b) => Number(a.id) - Number(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
