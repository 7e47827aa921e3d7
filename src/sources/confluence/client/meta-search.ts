// Metadata of many items in one request: a CQL search (v1) whose hits carry their labels and, for pages and
// blog posts, their read and update restrictions as expansions. What a hit leaves incomplete (a label list that
// fills its page, a restriction list that goes on, an expansion the site did not give) is marked unknown, for the
// caller to read item by item. CQL ignores the Admin Key: items only an admin may see are not among the hits.

import { z } from 'zod';
import { type Api, list } from './api-calls.ts';
import type { CallOptions } from './client-types.ts';
import type { Label } from './records.ts';
import { type Restriction, restrictionPage, restrictionV1Schema } from './records-v1.ts';

const optStr = z.string().nullish();

const labelPageSchema = z.looseObject({
  results: z.array(z.looseObject({ id: z.string(), name: z.string(), prefix: optStr })),
  size: z.number().nullish(),
  limit: z.number().nullish(),
  _links: z.looseObject({ next: optStr }).nullish(),
});

const metaHitSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  metadata: z.looseObject({ labels: labelPageSchema.nullish() }).nullish(),
  restrictions: z
    .looseObject({ read: restrictionV1Schema.nullish(), update: restrictionV1Schema.nullish() })
    .nullish(),
});

/** One hit: what it told in full (`undefined`: read it item by item). */
export interface MetaHit {
  id: string;
  type: string;
  labels: Label[] | undefined;
  /** Per operation; an operation whose lists go on carries `more` and what was read so far. */
  restrictions: { read: RestrictionPart; update: RestrictionPart } | undefined;
}

export type RestrictionPart = Restriction & { more: boolean };

const RESTRICTION_EXPANSIONS = ['read', 'update'].flatMap((op) => [
  `restrictions.${op}.restrictions.user`,
  `restrictions.${op}.restrictions.group`,
]);

/**
 * The hits of `cql` with their labels and, when `restrictions`, their restrictions. `limit`: hits per request
 * (Cloud caps expanded searches lower than plain ones; the next link is followed either way).
 */
export async function* searchWithMeta(
  api: Api,
  cql: string,
  options: CallOptions & { restrictions: boolean; limit?: number },
): AsyncIterable<MetaHit> {
  const expand = ['metadata.labels', ...(options.restrictions ? RESTRICTION_EXPANSIONS : [])].join(',');
  const hits = list(
    api,
    '/rest/api/content/search',
    {},
    { cql, expand },
    metaHitSchema,
    options,
    options.limit ?? 100,
  );
  for await (const hit of hits) {
    const labels = hit.metadata?.labels;
    const complete =
      labels != null &&
      !labels._links?.next &&
      !(labels.limit != null && labels.limit > 0 && labels.results.length >= labels.limit);
    const read = hit.restrictions?.read;
    const update = hit.restrictions?.update;
    yield {
      id: hit.id,
      type: hit.type,
      labels: complete ? labels.results.map(({ id, name, prefix }) => ({ id, name, prefix })) : undefined,
      restrictions:
        options.restrictions && read != null && update != null
          ? { read: restrictionPage('read', read), update: restrictionPage('update', update) }
          : undefined,
    };
  }
}
