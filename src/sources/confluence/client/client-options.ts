// How a ConfluenceClient is configured: where the site is, how it authenticates, which hosts it may contact,
// and the knobs of retries, rate limiting and concurrency (all with defaults that suit Confluence Cloud).
// Time and randomness are injected so tests can drive them.

import type { Clock } from '../../../common/clock.ts';

/**
 * - `basic`: e-mail + API token. A classic token works on the site URL (`https://<site>.atlassian.net`); a scoped
 *   token only through the gateway (`https://api.atlassian.com/ex/confluence/{cloudId}`).
 * - `bearer`: an OAuth 2.0 access token or a service-account token, gateway only.
 */
export type ConfluenceAuth =
  | { kind: 'basic'; email: string; apiToken: string }
  | { kind: 'bearer'; token: string };

export interface RetryOptions {
  /** Attempts per request, the first included. @default 6 */
  maxAttempts: number;
  /** First backoff delay; doubles per attempt, with jitter x0.7-1.3. @default 500 */
  baseDelayMs: number;
  /** Upper bound of one backoff delay; a longer wait the site asks for is announced (`onWait`). @default 30000 */
  maxDelayMs: number;
  /**
   * Longest wait the site may ask for (a `Retry-After`, or the reset of a spent points quota, which Cloud resets
   * hourly) that is waited out. A longer one is not: the request fails at once with a 429 that says until when,
   * and so does every request until then (without contacting the site). @default 3600000
   */
  maxWaitMs: number;
}

/** A wait the site asked for that is longer than a backoff (`retry.maxDelayMs`): what for, and until when. */
export interface SiteWait {
  /** e.g. `429 to GET /wiki/api/v2/pages/{id}` or `points quota global-app-quota spent`. */
  reason: string;
  until: Date;
  ms: number;
}

export interface ConcurrencyOptions {
  /** Requests in flight at the start. @default 4 */
  initial: number;
  /** Never fewer than this in flight (when there is work). @default 1 */
  min: number;
  /** Never more than this. @default 16 */
  max: number;
}

export interface ConfluenceClientOptions {
  /**
   * The site (`https://<site>.atlassian.net`) or the gateway (`https://api.atlassian.com/ex/confluence/{cloudId}`);
   * the API lives under `${baseUrl}/wiki` (a trailing `/wiki` here is tolerated).
   */
  baseUrl: string;
  auth: ConfluenceAuth;
  /**
   * Send `Atl-Confluence-With-Admin-Key: true` on every request (see `enableAdminKey`), to read restricted
   * content as an org/site admin. @default false
   */
  adminKey?: boolean;
  /**
   * Hosts (`host` or `host:port`) that attachment downloads may be redirected to; `Authorization` is never sent
   * there. A redirect to any other host is refused. @default ['api.media.atlassian.com']
   */
  mediaHosts?: readonly string[];
  /** @default systemClock */
  clock?: Clock;
  /** How the client waits (backoff, Retry-After, limiter). @default clock.sleep */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of jitter in [0, 1). @default Math.random */
  random?: () => number;
  retry?: Partial<RetryOptions>;
  /** Told when every request starts waiting longer than `retry.maxDelayMs` because the site asked to. */
  onWait?: (wait: SiteWait) => void;
  concurrency?: Partial<ConcurrencyOptions>;
  /**
   * A first guess of the burst limit, refined from the `X-RateLimit-*` headers. Without it the client starts
   * unthrottled and learns the limit from the headers and the first 429.
   */
  rateLimit?: { requestsPerSecond: number; burst?: number };
  /** Items per page of v2 lists (1-250). @default 250 */
  pageSize?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default 'stepvault' */
  userAgent?: string;
}
