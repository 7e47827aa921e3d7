// The site-wide listings a backup needs that ConfluenceClient does not offer (yet): `GET /attachments`,
// `/footer-comments` and `/inline-comments`, sorted by modification, 250 a page. They go through their own
// transport built from the same options (the same hosts, credentials, retries and rate-limit learning from the
// site's headers); `backupApi` joins it to a client as one BackupApi whose stats count both.

import { systemClock } from '../../common/clock.ts';
import { type Api, list } from './client/api-calls.ts';
import { authorizationHeader, type ConfluenceClient, DEFAULT_MEDIA_HOSTS } from './client/client.ts';
import type { ConfluenceClientOptions } from './client/client-options.ts';
import { ClientStatsRecorder } from './client/client-stats.ts';
import type { ClientStats } from './client/client-types.ts';
import { HttpTransport } from './client/http-transport.ts';
import { attachmentSchema, footerCommentSchema, inlineCommentSchema } from './client/records.ts';
import { DEFAULT_RETRY } from './client/retry-policy.ts';
import { SharedLimiter } from './client/shared-limiter.ts';
import { SiteUrls } from './client/site-urls.ts';
import type { BackupApi, GlobalListings, GlobalListOptions } from './read-api.ts';

export class GlobalListingsClient implements GlobalListings {
  readonly #api: Api;
  readonly #limiter: SharedLimiter;
  readonly #stats = new ClientStatsRecorder();

  constructor(options: ConfluenceClientOptions) {
    const clock = options.clock ?? systemClock;
    const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => clock.sleep(ms, signal));
    this.#limiter = new SharedLimiter({
      concurrency: { initial: 2, min: 1, max: 4 },
      rateLimit: options.rateLimit,
      clock,
      sleep,
    });
    const transport = new HttpTransport({
      urls: new SiteUrls(options.baseUrl, options.mediaHosts ?? DEFAULT_MEDIA_HOSTS),
      authorization: authorizationHeader(options.auth),
      adminKey: options.adminKey ?? false,
      fetch: options.fetch ?? globalThis.fetch,
      clock,
      sleep,
      random: options.random ?? Math.random,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      limiter: this.#limiter,
      stats: this.#stats,
      userAgent: options.userAgent ?? 'stepvault',
    });
    this.#api = { transport, pageSize: 250 };
  }

  stats(): ClientStats {
    return this.#stats.snapshot(this.#limiter.concurrencyLimit, this.#limiter.ratePerSecond);
  }

  listAllAttachments(options: GlobalListOptions = {}) {
    return list(
      this.#api,
      '/api/v2/attachments',
      {},
      { status: ['current', 'archived', 'trashed'], sort: options.sort },
      attachmentSchema,
      options,
    );
  }

  listAllFooterComments(options: GlobalListOptions = {}) {
    return list(
      this.#api,
      '/api/v2/footer-comments',
      {},
      { 'body-format': 'storage', sort: options.sort },
      footerCommentSchema,
      options,
    );
  }

  listAllInlineComments(options: GlobalListOptions = {}) {
    return list(
      this.#api,
      '/api/v2/inline-comments',
      {},
      { 'body-format': 'storage', sort: options.sort },
      inlineCommentSchema,
      options,
    );
  }
}

/** Two clients' stats as one. */
export function addStats(a: ClientStats, b: ClientStats): ClientStats {
  const requests: Record<string, number> = { ...a.requests };
  for (const [key, n] of Object.entries(b.requests)) requests[key] = (requests[key] ?? 0) + n;
  return {
    requests,
    totalRequests: a.totalRequests + b.totalRequests,
    retries: a.retries + b.retries,
    rateLimited: a.rateLimited + b.rateLimited,
    serverErrors: a.serverErrors + b.serverErrors,
    networkErrors: a.networkErrors + b.networkErrors,
    bytesDownloaded: {
      api: a.bytesDownloaded.api + b.bytesDownloaded.api,
      media: a.bytesDownloaded.media + b.bytesDownloaded.media,
    },
    bytesUploaded: a.bytesUploaded + b.bytesUploaded,
    limiterWaitMs: a.limiterWaitMs + b.limiterWaitMs,
    downloadResumes: a.downloadResumes + b.downloadResumes,
    refusedRedirects: a.refusedRedirects + b.refusedRedirects,
    concurrencyLimit: a.concurrencyLimit,
    learntRatePerSecond: a.learntRatePerSecond,
  };
}

/** A client and the site-wide listings as one BackupApi (the client's own methods win if it has them). */
export function backupApi(client: ConfluenceClient, options: ConfluenceClientOptions): BackupApi {
  const global = new GlobalListingsClient(options);
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'stats') return () => addStats(target.stats(), global.stats());
      const own = Reflect.get(target, prop, target);
      if (own !== undefined) return typeof own === 'function' ? own.bind(target) : own;
      const extra = Reflect.get(global, prop, global);
      return typeof extra === 'function' ? extra.bind(global) : extra;
    },
  }) as unknown as BackupApi;
}
