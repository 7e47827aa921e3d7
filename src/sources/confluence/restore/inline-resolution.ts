// Sets the resolution state of an inline comment a restore just created (v2 `PUT /inline-comments/{id}` with
// `resolved`): ConfluenceClient has no comment update yet, so this small writer goes through its own transport
// built from the same client options (same hosts, credentials, retries and rate-limit learning). A comment the
// restore just created is at version 1 with a known body, so no read is needed: "resolved" is one update,
// "reopened" a resolve and an un-resolve (Confluence calls a comment resolved before and opened again so). A
// resumed restore reads the comment first and does what is left.

import { systemClock } from '../../../common/clock.ts';
import { StepvaultError } from '../../../common/errors.ts';
import { type Api, get, write } from '../client/api-calls.ts';
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
   * Brings an inline comment to `state`. `known` is what the caller knows of it (a comment it just created:
   * version 1, open, with the body it wrote); without it the comment is read first. Returns its version.
   */
  async ensure(
    commentId: string,
    state: ResolutionState,
    known?: { body: BodyWrite; version: number; status: string },
    options: WriteOptions = {},
  ): Promise<number> {
    let current = known;
    if (!current) {
      const read = await get(
        this.#api,
        '/api/v2/inline-comments/{id}',
        { id: commentId },
        { 'body-format': 'storage' },
        inlineCommentSchema,
        options,
      );
      current = {
        body: { representation: 'storage', value: read.body?.storage?.value ?? '' },
        version: read.version?.number ?? 1,
        status: read.resolutionStatus ?? 'open',
      };
    }
    let steps: boolean[] = [];
    if (state === 'resolved' && current.status !== 'resolved') steps = [true];
    if (state === 'reopened' && current.status !== 'reopened')
      steps = current.status === 'resolved' ? [false] : [true, false];
    let at = current.version;
    for (const resolved of steps) {
      const answer = await write(
        this.#api,
        'PUT',
        '/api/v2/inline-comments/{id}',
        { id: commentId },
        {},
        { version: { number: at + 1 }, body: current.body, resolved },
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
