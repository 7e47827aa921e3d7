// The burst rate limit of Confluence Cloud for API-token traffic, modelled as a token bucket: `burst` requests may
// arrive at once, then tokens come back at `requestsPerSecond`. A request that finds no token is refused (429)
// and costs nothing. `minimumSeconds` gives the time this limit allows for a number of requests, which is what a
// benchmark compares its wall time with.

import type { Clock } from '../../src/common/clock.ts';

export interface RateLimitConfig {
  /** Steady rate at which tokens come back. */
  requestsPerSecond: number;
  /** Bucket size: requests that may arrive at once. @default requestsPerSecond */
  burst?: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Milliseconds until one token is available (0 when allowed). */
  retryAfterMs: number;
  /** Epoch milliseconds at which the bucket is full again. */
  resetAt: number;
}

export class TokenBucket {
  readonly #clock: Clock;
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #updatedAt: number;

  constructor(config: RateLimitConfig, clock: Clock) {
    if (!(config.requestsPerSecond > 0)) throw new RangeError('requestsPerSecond must be positive');
    this.#clock = clock;
    this.#rate = config.requestsPerSecond / 1000; // tokens per millisecond
    this.#burst = Math.max(1, config.burst ?? config.requestsPerSecond);
    this.#tokens = this.#burst;
    this.#updatedAt = clock.now().getTime();
  }

  get burst(): number {
    return this.#burst;
  }

  /** Takes one token if there is one. */
  take(): RateDecision {
    const now = this.#clock.now().getTime();
    this.#tokens = Math.min(this.#burst, this.#tokens + Math.max(0, now - this.#updatedAt) * this.#rate);
    this.#updatedAt = now;
    const allowed = this.#tokens >= 1;
    if (allowed) this.#tokens -= 1;
    const missing = allowed ? 0 : 1 - this.#tokens;
    return {
      allowed,
      limit: this.#burst,
      remaining: Math.floor(this.#tokens),
      retryAfterMs: Math.ceil(missing / this.#rate),
      resetAt: now + Math.ceil((this.#burst - this.#tokens) / this.#rate),
    };
  }
}

/** Shortest time, in seconds, in which `requests` requests can all pass a bucket that starts full. */
export function minimumSeconds(requests: number, config: RateLimitConfig): number {
  const burst = Math.max(1, config.burst ?? config.requestsPerSecond);
  return Math.max(0, requests - burst) / config.requestsPerSecond;
}
