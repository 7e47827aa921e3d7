// The Admin Key held for as long as a backup or restore runs. Cloud issues a key for a fixed time (we ask for
// 60 minutes) and, asked again while one is in force, issues a new one with a later expiry: that is renewal.
// An expired key is not an error on Cloud: restricted content simply drops out of lists and batch reads, so a
// long run would lose it without a word. The lease therefore renews before every request once the key is near
// its end (by the client's clock), so no request is ever sent on a key that has lapsed, however long the run
// idles in between (a long Retry-After, repository work); a renewal that fails fails the requests waiting on
// it, loudly, instead of letting them read less.

import type { Clock } from '../../../common/clock.ts';
import { StepvaultError } from '../../../common/errors.ts';
import type { AdminKey } from './records.ts';

/** What a key is asked for: Cloud allows 1-600 minutes. */
export const ADMIN_KEY_MINUTES = 60;
/** Renew when this much of the key's life is left (a quarter of it for shorter keys). */
const RENEW_MARGIN_MS = 10 * 60_000;
/** The endpoint that enables, reads and disables the key; its own calls never wait for a renewal. */
export const ADMIN_KEY_TEMPLATE = '/api/v2/admin-key';

export interface AdminKeyCalls {
  enable(minutes: number, signal: AbortSignal | undefined): Promise<AdminKey>;
  disable(): Promise<void>;
}

export class AdminKeyLease {
  readonly #calls: AdminKeyCalls;
  readonly #clock: Clock;
  readonly #minutes: number;
  /** Epoch ms from which a request first renews the key; undefined while no lease is held. */
  #renewAt: number | undefined;
  #renewing: Promise<void> | undefined;
  #renewals = 0;

  constructor(calls: AdminKeyCalls, clock: Clock, minutes = ADMIN_KEY_MINUTES) {
    this.#calls = calls;
    this.#clock = clock;
    this.#minutes = minutes;
  }

  /** Keys issued after the first one. */
  get renewals(): number {
    return this.#renewals;
  }

  get held(): boolean {
    return this.#renewAt !== undefined;
  }

  /** Enables the key; from now on `beforeRequest` keeps it in force. */
  async start(signal?: AbortSignal): Promise<void> {
    this.#renewAt = await this.#enable(signal);
  }

  /**
   * Called by the transport before each request: resolves at once while the key has time left, otherwise
   * after one renewal shared by every request that needs it (undefined when there is nothing to wait for).
   */
  beforeRequest(template: string, signal: AbortSignal | undefined): Promise<void> | undefined {
    if (this.#renewAt === undefined || template === ADMIN_KEY_TEMPLATE) return undefined;
    if (this.#clock.now().getTime() < this.#renewAt) return undefined;
    this.#renewing ??= this.#enable(signal).then(
      (renewAt) => {
        this.#renewing = undefined;
        if (this.#renewAt !== undefined) {
          this.#renewAt = renewAt;
          this.#renewals++;
        }
      },
      (cause: unknown) => {
        this.#renewing = undefined;
        throw new StepvaultError(
          cause instanceof StepvaultError && cause.code === 'interrupted' ? 'interrupted' : 'io',
          `the Confluence Admin Key could not be renewed, so restricted content cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`,
          {
            hint: 'the account must stay an organization or site admin for the whole run',
            retryable: true,
            cause,
          },
        );
      },
    );
    return this.#renewing;
  }

  /** Ends the lease and disables the key; a failure to disable is reported, not thrown. */
  async stop(): Promise<Error | undefined> {
    this.#renewAt = undefined;
    await this.#renewing?.catch(() => undefined);
    try {
      await this.#calls.disable();
      return undefined;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  /** Issues a key; returns when to renew it. The shorter of what we asked for and what the site reports counts. */
  async #enable(signal: AbortSignal | undefined): Promise<number> {
    const asked = this.#clock.now().getTime();
    const key = await this.#calls.enable(this.#minutes, signal);
    const askedMs = this.#minutes * 60_000;
    const reported = Date.parse(key.expirationTime ?? '') - asked;
    const lifetime = Number.isFinite(reported) ? Math.max(0, Math.min(askedMs, reported)) : askedMs;
    return asked + lifetime - Math.min(RENEW_MARGIN_MS, lifetime / 4);
  }
}
