// The metadata sweep's batched reads of one space: the labels and restrictions of its pages and blog posts and
// the labels of its attachments, many items per request, from CQL searches with expansions. Whatever a search
// does not tell in full — an item only an admin may see (CQL ignores the Admin Key), one indexed late, a list
// that goes on, a search the site refuses or fails — is simply absent here, and the sweep reads it item by item.

import type { MetaHit } from './client/meta-search.ts';
import type { Label } from './client/records.ts';
import { cqlString } from './cql-string.ts';
import type { KnownMeta } from './item-details.ts';
import type { BackupApi } from './read-api.ts';

export interface SpaceMetaFound {
  /** Pages and blog posts by id. */
  items: Map<string, KnownMeta>;
  /** Attachments' labels by attachment id. */
  attachmentLabels: Map<string, Label[]>;
  /** Searches that failed (so their items are read one by one), as "what: why". */
  fallbacks: string[];
}

export async function searchSpaceMeta(
  api: BackupApi,
  spaceKey: string,
  options: { signal?: AbortSignal },
): Promise<SpaceMetaFound> {
  const found: SpaceMetaFound = { items: new Map(), attachmentLabels: new Map(), fallbacks: [] };
  const space = `space = ${cqlString(spaceKey)}`;
  const search = async (what: string, cql: string, restrictions: boolean, take: (hit: MetaHit) => void) => {
    try {
      for await (const hit of api.searchWithMeta(cql, { ...options, restrictions })) take(hit);
    } catch (error) {
      options.signal?.throwIfAborted();
      found.fallbacks.push(`${what} of space ${spaceKey}: ${(error as Error).message}`);
    }
  };
  await Promise.all([
    search(
      'labels and restrictions of pages and blog posts',
      `${space} and type in (page, blogpost)`,
      true,
      (hit) => {
        if (hit.type === 'page' || hit.type === 'blogpost')
          found.items.set(hit.id, { labels: hit.labels, restrictions: hit.restrictions });
      },
    ),
    search('labels of attachments', `${space} and type = attachment`, false, (hit) => {
      if (hit.type === 'attachment' && hit.labels) found.attachmentLabels.set(hit.id, hit.labels);
    }),
  ]);
  return found;
}
