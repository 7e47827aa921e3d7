// Sets the resolution state of an inline comment a restore just created (v2 `PUT /inline-comments/{id}` with
// `resolved`): ConfluenceClient has no comment update yet, so this small writer goes through its own transport
// built from the same client options (same hosts, credentials, retries and rate-limit learning). A created
// comment is at version 1 with a known body, so no read is needed: "resolved" is one update, "reopened" is a
// resolve and an un-resolve (Confluence records a comment resolved before as reopened).

import { systemClock } from '../../../common/clock.ts';
import { StepvaultError } from '../../../common/errors.ts';
import { type Api, write } from '../client/api-calls.ts';
import { authorizationHeader, DEFAULT_MEDIA_HOSTS } from '../client/client.ts';
import type { ConfluenceClientOptions } from '../client/client-options.ts';
import { ClientStatsRecorder } from '../client/client-stats.ts';
import type { BodyWrite, ClientStats, WriteOptions } from '../client/client-types.ts';
import { HttpTransport } from '../client/http-transport.ts';
import { inlineCommentSchema } from '../client/records.ts';
import { DEFAULT_RETRY } from '../client/retry-policy.ts';
import { SharedLimiter } from '../client/shared-limiter.ts';
import { SiteUrls } from '../client/site-urls.ts';

export type ResolutionState = 'open' | 'resolved' | 'reopened';

export class InlineResolutionWriter {
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
    this.#api = {
      transport: new HttpTransport({
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
      }),
      pageSize: 250,
    };
  }

  stats(): ClientStats {
    return this.#stats.snapshot(this.#limiter.concurrencyLimit, this.#limiter.ratePerSecond);
  }

  /**
   * Brings a comment from `open` at `version` (with `body`, which an update must repeat) to `state`; returns
   * the comment's version afterwards.
   */
  async set(
    commentId: string,
    body: BodyWrite,
    version: number,
    state: ResolutionState,
    options: WriteOptions = {},
  ): Promise<number> {
    const steps = state === 'resolved' ? [true] : state === 'reopened' ? [true, false] : [];
    let at = version;
    for (const resolved of steps) {
      const answer = await write(
        this.#api,
        'PUT',
        '/api/v2/inline-comments/{id}',
        { id: commentId },
        {},
        { version: { number: at + 1 }, body, resolved },
        inlineCommentSchema,
        options,
      );
      at = answer.version?.number ?? at + 1;
      const got = answer.resolutionStatus;
      if (got && got !== (resolved ? 'resolved' : 'reopened'))
        throw new StepvaultError('io', `inline comment ${commentId} is ${got} after an update to ${state}`);
    }
    return at;
  }
}
