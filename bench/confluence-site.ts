// How both tools of the Confluence benchmark reach the simulated site: the same client options (base URL,
// Basic auth with the demo API token, the media host downloads redirect to, and the rate limit as a first
// guess, as `--rate-limit 100` gives the CLI), so they share one limiter design and the same concurrency.

import type { ConfluenceClientOptions } from '../src/sources/confluence/client/client-options.ts';

export interface SiteAccess {
  siteUrl: string;
  /** `host:port` of the media host (downloads redirect there). */
  mediaHost: string;
  email: string;
  apiToken: string;
  rateLimit: { requestsPerSecond: number; burst: number };
}

export function clientOptions(site: SiteAccess): ConfluenceClientOptions {
  return {
    baseUrl: site.siteUrl,
    auth: { kind: 'basic', email: site.email, apiToken: site.apiToken },
    mediaHosts: [site.mediaHost],
    rateLimit: site.rateLimit,
  };
}
