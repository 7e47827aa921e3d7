// Walks a cursor-paginated list: the next page's URL comes from the `Link` header (`rel="next"`) or the body's
// `_links.next`, relative to `/wiki` (made absolute by SiteUrls, gateway prefix included). A next link seen
// before is a cycle: the walk stops with an error naming the endpoint instead of looping for ever. Exact
// repeats of an item (same id and version) are dropped; an item that comes again with a newer version (edited
// during the listing) is passed on again, and the caller keeps the newest (dedupe.ts).

import { z } from 'zod';
import { StepvaultError } from '../../../common/errors.ts';
import { SeenVersions, type Versioned } from './dedupe.ts';
import { type Endpoint, statsKey } from './endpoint.ts';
import type { HttpTransport } from './http-transport.ts';

const pageSchema = z.looseObject({
  results: z.array(z.unknown()),
  _links: z.looseObject({ next: z.string().nullish() }).nullish(),
});

/** The `rel="next"` target of a `Link` header. */
export function nextFromLinkHeader(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match && /(^|;)\s*rel\s*=\s*"?next"?\s*(;|$)/i.test(match[2]!)) return match[1];
  }
  return undefined;
}

export interface PaginateOptions<T> {
  target: Endpoint;
  item: z.ZodType<T>;
  signal?: AbortSignal | undefined;
  /** Drop exact (id, version) repeats. @default true when items have an id */
  dedupe?: boolean;
}

export async function* paginate<T>(transport: HttpTransport, options: PaginateOptions<T>): AsyncIterable<T> {
  const { target, item, signal } = options;
  const key = statsKey('GET', target);
  const seenLinks = new Set<string>();
  const seenItems = options.dedupe === false ? undefined : new SeenVersions();
  let url: string | undefined;
  let pages = 0;
  for (;;) {
    const { data, headers } = await transport.json(
      { method: 'GET', target, ...(url ? { url } : {}), signal },
      pageSchema,
    );
    pages++;
    for (const [index, raw] of data.results.entries()) {
      const parsed = item.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new StepvaultError(
          'io',
          `Confluence sent an unexpected item in ${key} (page ${pages}, item ${index}): ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
          { hint: 'the API may have changed; report it with the endpoint named here', cause: parsed.error },
        );
      }
      const value = parsed.data;
      if (seenItems && isVersioned(value) && !seenItems.firstTime(value)) continue;
      yield value;
    }
    const next = nextFromLinkHeader(headers.get('link')) ?? data._links?.next ?? undefined;
    if (!next) return;
    if (seenLinks.has(next)) {
      throw new StepvaultError(
        'io',
        `Confluence sent a next link it had sent before while listing ${key} (page ${pages}): a cursor cycle`,
        {
          hint: 'the listing was stopped instead of looping; run again, and report it if it repeats',
          retryable: true,
        },
      );
    }
    seenLinks.add(next);
    const absolute = transport.options.urls.next(next);
    if (absolute === undefined) {
      throw new StepvaultError('io', `Confluence sent a next link to another host while listing ${key}`, {
        hint: 'only the configured site is contacted with credentials',
      });
    }
    url = absolute;
  }
}

function isVersioned(value: unknown): value is Versioned {
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string';
}
