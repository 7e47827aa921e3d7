// When to try a request again and how long to wait: exponential backoff with jitter (x0.7-1.3, doubling, capped)
// as Atlassian recommends, and the server's `Retry-After` (seconds or an HTTP date; `Beta-Retry-After` too).

import { formatDuration } from '../../../common/bytes.ts';
import type { RetryOptions, SiteWait } from './client-options.ts';

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxWaitMs: 3_600_000,
};

/** Delay before attempt `attempt + 1` after `attempt` failed ones (attempt >= 1). */
export function backoffMs(attempt: number, options: RetryOptions, random: () => number): number {
  const raw = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.min(options.maxDelayMs, Math.round(raw * (0.7 + 0.6 * random())));
}

/** Milliseconds the server asked us to wait, or undefined when it did not say. */
export function retryAfterMs(headers: Headers, nowMs: number): number | undefined {
  const value = headers.get('retry-after') ?? headers.get('beta-retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** A long wait for people: what is waited for and until when. */
export function describeSiteWait(wait: SiteWait): string {
  return `waiting ${formatDuration(wait.ms)} (until ${wait.until.toISOString()}) for Confluence's rate limit: ${wait.reason}`;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method);
}
