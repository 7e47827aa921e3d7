// What the Confluence benchmark measures of one step, from the simulator's counters: requests to the site by
// category (listing, bodies, attachments, metadata) and by endpoint, requests and bytes to the media host, 429s,
// and the time the rate limit allows for the admitted requests. The categories are decided by endpoint
// template here, in one place, so every step and both tools are counted the same way.

import { minimumSeconds, type RateLimitConfig } from '../devtools/confluence-sim/rate-limiter.ts';
import type { StatsSnapshot } from '../devtools/confluence-sim/stats.ts';

export const CATEGORIES = ['listing', 'bodies', 'attachments', 'metadata'] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * - listing: what exists: spaces, pages and blog posts per space, the tree, CQL search, and the site-wide
 *   attachment and comment lists that incremental scans walk in `-modified-date` order;
 * - bodies: one page or blog post (any body format), its versions and historical versions, and the site-wide
 *   page and blog post lists, which the backup calls with `id=…&body-format=…` to fetch bodies 250 at a time
 *   (the counters do not keep query strings; neither tool lists those endpoints for anything else);
 * - attachments: a container's attachment list, one attachment, its versions, the download (the site's
 *   redirect; the bytes come from the media host, counted apart);
 * - metadata: everything else: labels, properties, restrictions, comments of one item, space labels,
 *   properties and permissions, folders/whiteboards/databases/smart links by id, users and groups.
 *
 * The simulator files CQL search (`GET /wiki/rest/api/content/search`) under `GET /wiki/rest/api/content/:id`
 * (the route it reports is the parameterised one that also matches); neither tool reads v1 content by id, so
 * that key is counted as listing.
 */
export function categorize(endpoint: string): Category {
  const path = endpoint.replace(/^[A-Z]+ /, '').replace(/^\/wiki/, '');
  if (
    /^\/api\/v2\/(spaces|attachments|footer-comments|inline-comments)$/.test(path) ||
    /^\/api\/v2\/spaces\/:id\/(pages|blogposts)$/.test(path) ||
    /\/(direct-children|descendants|children|ancestors)$/.test(path) ||
    path === '/rest/api/content/search' ||
    path === '/rest/api/content/:id'
  )
    return 'listing';
  if (/^\/api\/v2\/(pages|blogposts)(\/:id(\/versions(\/:n)?)?)?$/.test(path)) return 'bodies';
  if (
    /^\/api\/v2\/(pages|blogposts)\/:id\/attachments$/.test(path) ||
    /^\/api\/v2\/attachments\/:id(\/versions(\/:n)?)?$/.test(path) ||
    path.startsWith('/rest/api/content/:id/child/attachment') ||
    path.startsWith('/download/')
  )
    return 'attachments';
  return 'metadata';
}

export interface RequestCounts {
  /** Requests to the site, 429s included. */
  requests: number;
  byCategory: Record<Category, number>;
  /** Site requests by endpoint template (`GET /wiki/api/v2/pages/:id`). */
  endpoints: Record<string, number>;
  /** 429 answers (all from the burst limit: the benchmark injects no faults). */
  rateLimited: number;
  /** Requests to the media host (attachment bytes; not rate limited). */
  mediaRequests: number;
  apiBytes: number;
  mediaBytes: number;
  /** Seconds the burst limit allows, at best, for the admitted site requests (429s cost no token). */
  allowedSeconds: number;
}

export function countRequests(stats: StatsSnapshot, limit: RateLimitConfig): RequestCounts {
  const byCategory: Record<Category, number> = { listing: 0, bodies: 0, attachments: 0, metadata: 0 };
  const endpoints: Record<string, number> = {};
  for (const [endpoint, e] of Object.entries(stats.endpoints)) {
    byCategory[categorize(endpoint)] += e.requests;
    endpoints[endpoint] = e.requests;
  }
  const rateLimited = stats.statuses['429'] ?? 0;
  return {
    requests: stats.requests,
    byCategory,
    endpoints,
    rateLimited,
    mediaRequests: stats.media.requests,
    apiBytes: stats.bytesOut,
    mediaBytes: stats.media.bytesOut,
    allowedSeconds: minimumSeconds(stats.requests - rateLimited, limit),
  };
}
