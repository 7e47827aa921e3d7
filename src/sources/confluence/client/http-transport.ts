// Every request of a client goes through here: the shared limiter (concurrency, pauses, token bucket), the
// credentials (only ever sent to the site's own origin), manual redirects (the site only; media hosts are for
// downloads, see attachment-download.ts; anything else is refused and never contacted), retries with backoff
// (429 always, as the request was refused and not executed; 5xx and network failures only for idempotent
// requests or when the caller says so), the waits the site asks for (`Retry-After`, a spent points quota: sat
// out up to `retry.maxWaitMs` and announced when longer than a backoff; past it, requests fail unsent until the
// wait's end), the Admin Key's renewal before a request (`beforeRequest`), counters, and zod parsing of JSON
// answers.

import type { z } from 'zod';
import type { Clock } from '../../../common/clock.ts';
import { errnoCode, StepvaultError } from '../../../common/errors.ts';
import type { RetryOptions, SiteWait } from './client-options.ts';
import type { ClientStatsRecorder } from './client-stats.ts';
import { type Endpoint, statsKey } from './endpoint.ts';
import { httpError } from './http-errors.ts';
import { readQuotaHeaders } from './rate-limit-headers.ts';
import { backoffMs, isIdempotent, retryAfterMs } from './retry-policy.ts';
import type { Permit, SharedLimiter } from './shared-limiter.ts';
import type { SiteUrls } from './site-urls.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A request body opened afresh for every attempt. */
export interface BodySource {
  contentType: string;
  /** Exact length, when known (sent as Content-Length). */
  length?: number;
  open(): AsyncIterable<Uint8Array>;
}

export interface RequestSpec {
  method: HttpMethod;
  target: Endpoint;
  /** An absolute URL to call instead of the target's path (a next link); still counted under the target. */
  url?: string;
  json?: unknown;
  body?: BodySource;
  /** False when `body` can be sent only once (a stream without a factory): then nothing is retried. */
  replayable?: boolean;
  headers?: Record<string, string>;
  /** Retry 5xx answers and network failures. @default true for GET, false otherwise */
  retryServerErrors?: boolean;
  /** Statuses handed back instead of thrown (2xx always are). */
  pass?: readonly number[];
  signal?: AbortSignal | undefined;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  /** The URL that answered (after redirects on the site). */
  url: string;
}

export interface TransportOptions {
  urls: SiteUrls;
  authorization: string;
  adminKey: boolean;
  fetch: typeof fetch;
  clock: Clock;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  retry: RetryOptions;
  limiter: SharedLimiter;
  stats: ClientStatsRecorder;
  userAgent: string;
  onWait?: (wait: SiteWait) => void;
}

const MAX_REDIRECTS = 5;

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** `fetch failed (ECONNREFUSED)`: undici's message with the system error code under it. */
function networkReason(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const code = errnoCode(cause instanceof Error ? cause.cause : undefined);
  return code ? `${message} (${code})` : message;
}

export function interrupted(signal: AbortSignal | undefined, cause?: unknown): StepvaultError {
  return new StepvaultError('interrupted', 'Confluence request interrupted', {
    cause: signal?.reason ?? cause,
  });
}

/** Work to finish before a request is sent (the Admin Key's renewal); undefined when there is none. */
export type BeforeRequest = (template: string, signal: AbortSignal | undefined) => Promise<void> | undefined;

export class HttpTransport {
  readonly options: TransportOptions;
  /** Set by the client while it holds an Admin Key lease. */
  beforeRequest: BeforeRequest | undefined;
  /** The end of the last long wait announced, so that concurrent requests told the same announce it once. */
  #announcedUntil = 0;
  /** The site asked for a wait longer than `maxWaitMs`: until then, requests fail without being sent. */
  #refused: { until: number; reason: string } | undefined;

  constructor(options: TransportOptions) {
    this.options = options;
  }

  /** Sends a request and reads the whole answer (API responses are small; attachment bytes use `open`). */
  async request(spec: RequestSpec): Promise<RawResponse & { bytes: Uint8Array }> {
    const { response, raw } = await this.#send(spec, true);
    const bytes = await this.#readAll(response, spec);
    return { ...raw, bytes };
  }

  /** Sends a request and parses the JSON answer with `schema`. */
  async json<T>(spec: RequestSpec, schema: z.ZodType<T>): Promise<{ data: T; headers: Headers }> {
    const { bytes, headers, status } = await this.request(spec);
    const key = statsKey(spec.method, spec.target);
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(bytes));
    } catch (cause) {
      throw new StepvaultError(
        'io',
        `Confluence answered ${status} to ${key} with something that is not JSON`,
        {
          cause,
          retryable: true,
        },
      );
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const issues = result.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new StepvaultError('io', `Confluence sent an unexpected answer to ${key}: ${issues}`, {
        hint: 'the API may have changed; report it with the endpoint named here',
        cause: result.error,
      });
    }
    return { data: result.data, headers };
  }

  /** Sends a request and hands back the unread response (redirects are returned, not followed). */
  async open(spec: RequestSpec): Promise<{ response: Response; url: string }> {
    const { response, raw } = await this.#send(spec, false);
    return { response, url: raw.url };
  }

  async #readAll(response: Response, spec: RequestSpec): Promise<Uint8Array> {
    try {
      const bytes = new Uint8Array(await response.arrayBuffer());
      this.options.stats.apiBytes += bytes.byteLength;
      return bytes;
    } catch (cause) {
      if (spec.signal?.aborted) throw interrupted(spec.signal, cause);
      throw new StepvaultError(
        'io',
        `Confluence connection failed while reading the answer to ${statsKey(spec.method, spec.target)}`,
        {
          cause,
          retryable: true,
        },
      );
    }
  }

  #init(spec: RequestSpec): RequestInit {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.options.userAgent,
      authorization: this.options.authorization,
      ...spec.headers,
    };
    if (this.options.adminKey) headers['atl-confluence-with-admin-key'] = 'true';
    const init: RequestInit & { duplex?: 'half' } = { method: spec.method, headers, redirect: 'manual' };
    if (spec.signal) init.signal = spec.signal;
    if (spec.json !== undefined) {
      const text = JSON.stringify(spec.json);
      headers['content-type'] = 'application/json';
      init.body = text;
      this.options.stats.bytesUploaded += Buffer.byteLength(text);
    } else if (spec.body) {
      headers['content-type'] = spec.body.contentType;
      if (spec.body.length !== undefined) headers['content-length'] = String(spec.body.length);
      init.body = ReadableStream.from(this.#counted(spec.body.open())) as unknown as NonNullable<
        RequestInit['body']
      >;
      init.duplex = 'half';
    }
    return init;
  }

  async *#counted(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const chunk of source) {
      this.options.stats.bytesUploaded += chunk.byteLength;
      yield chunk;
    }
  }

  async #send(spec: RequestSpec, follow: boolean): Promise<{ response: Response; raw: RawResponse }> {
    const { limiter, stats, retry, urls } = this.options;
    const key = statsKey(spec.method, spec.target);
    const retryServer = spec.retryServerErrors ?? isIdempotent(spec.method);
    const replayable = spec.replayable ?? true;
    let url = spec.url ?? urls.wiki(spec.target.path, spec.target.query);
    let attempt = 0;
    let redirects = 0;
    for (;;) {
      attempt++;
      if (spec.signal?.aborted) throw interrupted(spec.signal);
      this.#checkRefused(key);
      const permit = await this.#acquire(spec);
      stats.limiterWaitMs += permit.waitedMs;
      // The site may have asked for a wait past the ceiling while this request waited for its turn.
      try {
        this.#checkRefused(key);
      } catch (error) {
        permit.release();
        throw error;
      }
      stats.request(key);
      let response: Response;
      try {
        response = await this.options.fetch(url, this.#init(spec));
      } catch (cause) {
        permit.release();
        if (spec.signal?.aborted) throw interrupted(spec.signal, cause);
        stats.networkErrors++;
        if (retryServer && replayable && attempt < retry.maxAttempts) {
          await this.#pause(backoffMs(attempt, retry, this.options.random), spec.signal);
          stats.retries++;
          continue;
        }
        throw new StepvaultError(
          'io',
          `Confluence could not be reached for ${key}: ${networkReason(cause)}`,
          {
            hint: 'check the base URL and the network',
            retryable: true,
            cause,
          },
        );
      }
      const now = this.options.clock.now().getTime();
      const status = response.status;
      const wait = retryAfterMs(response.headers, now);
      const overloaded = status === 429 || status >= 500;
      // A wait past the ceiling is not waited out: nobody pauses for it, and requests fail until it is over.
      const tooLong = overloaded && wait !== undefined && wait > retry.maxWaitMs;
      const waitReason = `${status} to ${key}`;
      if (tooLong) this.#refuse(now + wait, waitReason);
      limiter.observe(response.headers, status, permit, tooLong ? 0 : wait);
      const quota = readQuotaHeaders(response.headers);
      if (quota) {
        stats.quota = quota;
        // The points quota is spent: everyone waits for its reset, up to the ceiling. Past it, nobody waits:
        // the site's next 429 says how long, and ends the requests.
        if (quota.remaining === 0 && quota.resetSeconds !== undefined) {
          const resetMs = quota.resetSeconds * 1000;
          if (resetMs <= retry.maxWaitMs) {
            limiter.pauseFor(resetMs);
            this.#announce(
              now,
              now + resetMs,
              quota.policy ? `points quota ${quota.policy} spent` : 'points quota spent',
            );
          }
        }
      }
      permit.release();
      const raw: RawResponse = { status, headers: response.headers, url };

      if (overloaded) {
        if (status === 429) stats.rateLimited++;
        else stats.serverErrors++;
        const retryable = (status === 429 || retryServer) && replayable && attempt < retry.maxAttempts;
        if (retryable && !tooLong) {
          await response.body?.cancel().catch(() => {});
          // With Retry-After the limiter already pauses every caller; without, back off here.
          if (wait === undefined)
            await this.#pause(backoffMs(attempt, retry, this.options.random), spec.signal);
          else this.#announce(now, now + wait, waitReason);
          stats.retries++;
          continue;
        }
        if (tooLong) {
          await response.body?.cancel().catch(() => {});
          throw this.#waitTooLong(key, now + wait, waitReason);
        }
        throw httpError(status, key, await this.#text(response));
      }
      if (isRedirect(status) && follow) {
        const location = response.headers.get('location');
        await response.body?.cancel().catch(() => {});
        if (location === null || ++redirects > MAX_REDIRECTS)
          throw httpError(status, key, 'redirect loop or no Location');
        const next = new URL(location, url);
        if (urls.role(next) !== 'site') {
          stats.refusedRedirects++;
          throw new StepvaultError(
            'io',
            `Refused a redirect of ${key} to ${next.host}: not the Confluence site`,
            {
              hint: 'only the configured site is contacted with credentials',
            },
          );
        }
        url = next.toString();
        attempt--;
        continue;
      }
      if ((status >= 200 && status < 300) || isRedirect(status) || spec.pass?.includes(status)) {
        return { response, raw };
      }
      throw httpError(status, key, await this.#text(response));
    }
  }

  /**
   * A permit to send, with the Admin Key (if held) renewed when due. Checked again once the permit is in hand, as
   * the limiter may have held the request back for a long wait (a spent quota) past the key's renewal time; the
   * permit is then given back while the key is renewed, since the renewal needs one of its own.
   */
  async #acquire(spec: RequestSpec): Promise<Permit> {
    for (;;) {
      const ready = this.beforeRequest?.(spec.target.template, spec.signal);
      if (ready) await ready;
      let permit: Permit;
      try {
        permit = await this.options.limiter.acquire(spec.signal);
      } catch (cause) {
        throw interrupted(spec.signal, cause);
      }
      const late = this.beforeRequest?.(spec.target.template, spec.signal);
      if (!late) return permit;
      permit.release();
      // Settled by the next turn of the loop, which waits for the same renewal.
      late.catch(() => {});
    }
  }

  /** Tells `onWait` of a wait longer than a backoff, once however many requests were told the same. */
  #announce(now: number, until: number, reason: string): void {
    if (until - now <= this.options.retry.maxDelayMs || until <= this.#announcedUntil + 1000) return;
    this.#announcedUntil = until;
    this.options.onWait?.({ reason, until: new Date(until), ms: until - now });
  }

  #checkRefused(key: string): void {
    const refused = this.#refused;
    if (refused && refused.until > this.options.clock.now().getTime())
      throw this.#waitTooLong(key, refused.until, refused.reason);
  }

  #refuse(until: number, reason: string): void {
    if (!this.#refused || until > this.#refused.until) this.#refused = { until, reason };
  }

  #waitTooLong(key: string, until: number, reason: string): StepvaultError {
    const seconds = Math.ceil((until - this.options.clock.now().getTime()) / 1000);
    const ceiling = Math.round(this.options.retry.maxWaitMs / 1000);
    return new StepvaultError(
      'io',
      `Confluence asked to wait ${seconds} s (until ${new Date(until).toISOString()}) before ${key}, longer than the longest wait allowed (${ceiling} s; it answered ${reason})`,
      {
        hint: 'the rate-limit quota is spent: raise the longest wait (--max-wait, or maxWait of the source), or run again after that time',
        retryable: true,
      },
    );
  }

  async #text(response: Response): Promise<string> {
    try {
      const text = await response.text();
      this.options.stats.apiBytes += Buffer.byteLength(text);
      return text;
    } catch {
      return '';
    }
  }

  async #pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (ms <= 0) return;
    try {
      await this.options.sleep(ms, signal);
    } catch (cause) {
      throw interrupted(signal, cause);
    }
  }
}
