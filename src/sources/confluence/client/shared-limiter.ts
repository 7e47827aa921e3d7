// One limiter per client, shared by all its concurrent requests, so that they behave as one polite caller:
// - a concurrency limit that adapts (AIMD): +1/limit per success, halved on a 429 (once per burst of 429s:
//   only a request sent after the last decrease can decrease it again);
// - a pause: a 429 (or a 5xx with Retry-After) stops every caller until its Retry-After has passed, not just
//   the one that got it;
// - a token bucket that learns from `X-RateLimit-Limit` / `-Remaining` / `-Reset`: the limit is the bucket
//   size; (limit - remaining) / (reset - now) estimates the refill rate (the median of recent estimates, less
//   a margin); the reported remaining, less the requests sent after the one it answers and still unanswered,
//   caps our tokens. Without headers it only paces after what it was told (`rateLimit` option).

import type { Clock } from '../../../common/clock.ts';
import type { ConcurrencyOptions } from './client-options.ts';

export interface Permit {
  /** Order in which permits were handed out. */
  readonly seq: number;
  /** Epoch ms when the request was let through. */
  readonly startedAt: number;
  /** Milliseconds the caller waited for it. */
  readonly waitedMs: number;
  release(): void;
}

export interface LimiterOptions {
  concurrency: ConcurrencyOptions;
  rateLimit?: { requestsPerSecond: number; burst?: number } | undefined;
  clock: Clock;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const RATE_SAMPLES = 16;
const RATE_MARGIN = 0.95;

export class SharedLimiter {
  readonly #options: LimiterOptions;
  #limit: number;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];
  #pausedUntil = 0;
  /** Permits handed out so far; a 429 decreases the limit only for a permit issued after the last decrease. */
  #issued = 0;
  #decreasedBefore = 0;
  /** Permits whose answer has not been observed yet. */
  readonly #unanswered = new Set<number>();
  /** Tokens per ms; undefined while unknown. */
  #rate: number | undefined;
  #burst: number | undefined;
  #tokens = 0;
  #tokensAt = 0;
  readonly #samples: { rate: number; precise: boolean }[] = [];

  constructor(options: LimiterOptions) {
    this.#options = options;
    this.#limit = options.concurrency.initial;
    if (options.rateLimit) {
      this.#rate = options.rateLimit.requestsPerSecond / 1000;
      this.#burst = Math.max(1, options.rateLimit.burst ?? options.rateLimit.requestsPerSecond);
      this.#tokens = this.#burst;
    }
    this.#tokensAt = this.#now();
  }

  get concurrencyLimit(): number {
    return Math.floor(this.#limit);
  }

  get ratePerSecond(): number | undefined {
    return this.#rate === undefined ? undefined : this.#rate * 1000;
  }

  #now(): number {
    return this.#options.clock.now().getTime();
  }

  /** Waits for a slot, the end of any pause and a token; the permit must be released when the answer is in. */
  async acquire(signal?: AbortSignal): Promise<Permit> {
    const start = this.#now();
    await this.#slot(signal);
    try {
      await this.#waitForPause(signal);
      const tokenWait = this.#reserveToken();
      if (tokenWait > 0) {
        await this.#options.sleep(tokenWait, signal);
        await this.#waitForPause(signal);
      }
    } catch (error) {
      this.#releaseSlot();
      throw error;
    }
    const startedAt = this.#now();
    let released = false;
    const seq = this.#issued++;
    this.#unanswered.add(seq);
    return {
      seq,
      startedAt,
      waitedMs: startedAt - start,
      release: () => {
        if (released) return;
        released = true;
        this.#unanswered.delete(seq);
        this.#releaseSlot();
      },
    };
  }

  async #slot(signal?: AbortSignal): Promise<void> {
    if (this.#inFlight < Math.floor(this.#limit) && this.#waiting.length === 0) {
      this.#inFlight++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.#waiting.indexOf(wake);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal?.reason);
      };
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(wake);
    });
  }

  #releaseSlot(): void {
    this.#inFlight--;
    this.#wakeWaiters();
  }

  #wakeWaiters(): void {
    while (this.#waiting.length > 0 && this.#inFlight < Math.floor(this.#limit)) {
      this.#inFlight++;
      this.#waiting.shift()!();
    }
  }

  async #waitForPause(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.#pausedUntil - this.#now();
      if (wait <= 0) return;
      await this.#options.sleep(wait, signal);
    }
  }

  #refill(now: number): void {
    if (this.#rate === undefined || this.#burst === undefined) return;
    this.#tokens = Math.min(this.#burst, this.#tokens + Math.max(0, now - this.#tokensAt) * this.#rate);
    this.#tokensAt = now;
  }

  /** Takes a token (going into debt if none is left) and returns how long to wait for it to be covered. */
  #reserveToken(): number {
    if (this.#rate === undefined) return 0;
    const now = this.#now();
    this.#refill(now);
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil(-this.#tokens / this.#rate);
  }

  /** Stops every caller for `ms` from now (e.g. a spent quota). */
  pauseFor(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + ms);
  }

  /** Learns from a response of the site (any status). */
  observe(headers: Headers, status: number, permit: Permit, retryAfterMs: number | undefined): void {
    const now = this.#now();
    this.#unanswered.delete(permit.seq);
    let later = 0;
    for (const seq of this.#unanswered) if (seq > permit.seq) later++;
    this.#learnFromHeaders(headers, now, permit.startedAt, later);
    const overloaded = status === 429 || (status >= 500 && retryAfterMs !== undefined);
    if (overloaded) {
      if (retryAfterMs !== undefined) this.#pausedUntil = Math.max(this.#pausedUntil, now + retryAfterMs);
      if (permit.seq >= this.#decreasedBefore) {
        this.#decreasedBefore = this.#issued;
        this.#limit = Math.max(this.#options.concurrency.min, this.#limit / 2);
        if (this.#rate !== undefined) this.#rate *= 0.8;
      }
      if (this.#rate !== undefined) {
        this.#refill(now);
        this.#tokens = Math.min(this.#tokens, 0);
      }
    } else if (status < 500) {
      this.#limit = Math.min(this.#options.concurrency.max, this.#limit + 1 / Math.max(1, this.#limit));
      this.#wakeWaiters();
    }
  }

  /** `later`: requests sent after this one and not answered yet, which the server's count may not include. */
  #learnFromHeaders(headers: Headers, now: number, sentAt: number, later: number): void {
    const limit = Number(headers.get('x-ratelimit-limit') ?? Number.NaN);
    const remaining = Number(headers.get('x-ratelimit-remaining') ?? Number.NaN);
    if (!(limit > 0) || !(remaining >= 0)) return;
    const reset = Date.parse(headers.get('x-ratelimit-reset') ?? '');
    // The server stamped Reset between our send and now: take the middle, and prefer answers that came back
    // fast compared with the time to refill (the timing error stays small). The remaining count is rounded
    // down, so the used tokens are (limit - remaining - 0.5) on average.
    const untilFull = reset - (sentAt + now) / 2;
    const used = limit - remaining - 0.5;
    if (used > 0 && untilFull > 0 && untilFull < 3_600_000) {
      this.#samples.push({ rate: used / untilFull, precise: untilFull > 2 * (now - sentAt) });
      if (this.#samples.length > RATE_SAMPLES) this.#samples.shift();
      const precise = this.#samples.filter((x) => x.precise);
      const sorted = (precise.length > 0 ? precise : this.#samples).map((x) => x.rate).sort((a, b) => a - b);
      const estimate = sorted[Math.floor((sorted.length - 1) / 2)]! * RATE_MARGIN;
      if (this.#rate === undefined) {
        this.#tokensAt = now;
        this.#tokens = remaining - later;
      }
      this.#rate = estimate;
    }
    if (this.#rate === undefined) return;
    this.#burst = limit;
    this.#refill(now);
    // The server's count is the truth, except for the requests still out that were sent after this one.
    if (remaining - later < this.#tokens) this.#tokens = remaining - later;
  }
}
