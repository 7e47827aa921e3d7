// Confluence Cloud's points quota (OAuth apps and the gateway): a number of points per window, reset at fixed
// times (hourly on Cloud; here windows follow each other from the moment the quota is set, so that a test
// knows when the resets come); every site request costs one point. Once they are spent, every request is
// refused with a 429 whose Retry-After runs to the reset, up to the whole window: the long waits a client must
// sit out. Answers carry the quota's structured headers (`RateLimit` with the points left and the seconds to
// the reset, `RateLimit-Policy` with the quota and the window), as Cloud sends them.

import type { Clock } from '../../src/common/clock.ts';

export interface PointsQuotaConfig {
  /** Points per window. */
  points: number;
  /** Length of a window; the first starts when the quota is set (by the simulator's clock). @default 3600 */
  windowSeconds?: number;
}

export interface QuotaDecision {
  allowed: boolean;
  /** Whole seconds until the reset (at least 1). */
  resetSeconds: number;
  headers: Record<string, string>;
}

const POLICY = 'global-app-quota';

export class PointsQuota {
  readonly #clock: Clock;
  readonly #points: number;
  readonly #windowMs: number;
  readonly #start: number;
  #window = 0;
  #used = 0;

  constructor(config: PointsQuotaConfig, clock: Clock) {
    if (!(config.points >= 1)) throw new RangeError('points must be at least 1');
    this.#clock = clock;
    this.#points = Math.floor(config.points);
    this.#windowMs = Math.max(1, config.windowSeconds ?? 3600) * 1000;
    this.#start = clock.now().getTime();
  }

  /** Spends one point if one is left. */
  take(): QuotaDecision {
    const now = this.#clock.now().getTime();
    const window = Math.floor((now - this.#start) / this.#windowMs);
    if (window !== this.#window) {
      this.#window = window;
      this.#used = 0;
    }
    const allowed = this.#used < this.#points;
    if (allowed) this.#used++;
    const remaining = this.#points - this.#used;
    const resetSeconds = Math.max(1, Math.ceil((this.#start + (window + 1) * this.#windowMs - now) / 1000));
    const headers: Record<string, string> = {
      'ratelimit-policy': `"${POLICY}";q=${this.#points};w=${this.#windowMs / 1000}`,
      // Cloud tells the points left only near the limit.
      ratelimit:
        remaining < this.#points * 0.2
          ? `"${POLICY}";r=${remaining};t=${resetSeconds}`
          : `"${POLICY}";t=${resetSeconds}`,
    };
    if (!allowed) {
      headers['retry-after'] = String(resetSeconds);
      headers['ratelimit-reason'] = 'confluence-quota-global-based';
    }
    return { allowed, resetSeconds, headers };
  }
}
