// List responses of the v2 API: cursor pagination with the next URL in both the body (`_links.next`) and the
// `Link` header (`rel="next"`, plus `rel="base"`), limits of 1-250. Also where two listing faults act: the site
// changes before a continuation page is computed, and a next link can point back to an earlier cursor.

import { type CursorPosition, pageAfter, type SortSpec } from './cursor.ts';
import { type Ctx, queryInt, type SimDeps, sendJson, wikiPath } from './http-context.ts';
import { badRequest } from './sim-error.ts';

export const MAX_LIMIT = 250;

export function limitParam(c: Ctx, fallback = 25): number {
  return queryInt(c, 'limit', fallback, 1, MAX_LIMIT);
}

/** The request's query string with `cursor` replaced (or removed when `cursor` is undefined). */
export function queryWithCursor(c: Ctx, cursor: string | undefined): string {
  const params = new URL(c.req.url).searchParams;
  params.delete('cursor');
  if (cursor !== undefined) params.set('cursor', cursor);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export function baseLink(deps: SimDeps): string {
  return `${deps.siteOrigin()}/wiki`;
}

/**
 * Decodes the request's cursor for `sortName` (400 if it is not one we issued for that sort) and, on a
 * continuation request, gives the mutation fault its chance to change the site first.
 */
export function cursorParam(
  c: Ctx,
  deps: SimDeps,
  sortName: string,
): { after: CursorPosition | undefined; raw: string | undefined } {
  const raw = c.req.query('cursor');
  if (raw === undefined || raw === '') return { after: undefined, raw: undefined };
  const after = deps.cursors.decode(raw, sortName);
  if (!after) throw badRequest('Invalid cursor');
  const rng = deps.faults.mutationFor(`${wikiPath(c)}${queryWithCursor(c, raw)}`);
  if (rng) {
    const detail = deps.randomChange(rng.uint32());
    deps.stats.recordFaultEvent({ kind: 'mutation-during-listing', path: wikiPath(c), detail });
  }
  return { after, raw };
}

/** Serialises one page of `items()` (evaluated after any mutation fault) as a v2 list response. */
export function sendPage<T>(
  c: Ctx,
  deps: SimDeps,
  items: () => Iterable<T>,
  spec: SortSpec<T>,
  limit: number,
  toJson: (item: T) => unknown,
): Response {
  const { after, raw } = cursorParam(c, deps, spec.name);
  const page = pageAfter(items(), spec, after, limit);
  const links: { next?: string; base: string } = { base: baseLink(deps) };
  const headers: Record<string, string> = {};
  if (page.next) {
    const listing = `${wikiPath(c)}${queryWithCursor(c, undefined)}`;
    const cursor = deps.faults.nextCursor(listing, raw, deps.cursors.encode(spec.name, page.next));
    links.next = `${wikiPath(c)}${queryWithCursor(c, cursor)}`;
    headers.link = `<${links.next}>; rel="next", <${links.base}>; rel="base"`;
  }
  return sendJson(c, 200, { results: page.results.map(toJson), _links: links }, headers);
}
