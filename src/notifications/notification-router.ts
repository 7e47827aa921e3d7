// Sends each event to the channels whose `events` patterns match it, all at once, retrying each delivery a
// bounded number of times with exponential backoff and full jitter. It never throws into the caller (a backup
// must not fail because a webhook is down): it returns one result per channel, with errors scrubbed of the
// channel's secrets. Time and randomness are injected.

import { type Clock, systemClock } from '../common/clock.ts';
import { asStepvaultError } from '../common/errors.ts';
import { scrub } from '../common/secret.ts';
import { matchesEventPattern, type NotificationEvent } from '../domain/notification-event.ts';
import type { Notifier } from './notifier.ts';

export interface NotificationTarget {
  /** The name under `notifications:` in stepvault.yaml. */
  name: string;
  /** Event kinds and patterns (`backup.failed`, `backup.*`, `*.failed`, `*`). */
  events: readonly string[];
  notifier: Notifier;
}

export interface RetryPolicy {
  /** Attempts per delivery, the first included. @default 4 */
  maxAttempts: number;
  /** The backoff before attempt n+1 is random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))). @default 2000 */
  baseDelayMs: number;
  /** @default 60000 */
  maxDelayMs: number;
}

export interface RouterOptions {
  clock?: Clock;
  /** In [0, 1). @default Math.random */
  random?: () => number;
  retry?: Partial<RetryPolicy>;
}

export interface DeliveryResult {
  target: string;
  ok: boolean;
  attempts: number;
  /** Why the last attempt failed (secrets scrubbed). */
  error?: { code: string; message: string };
}

export class NotificationRouter {
  readonly #targets: readonly NotificationTarget[];
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #retry: RetryPolicy;

  constructor(targets: readonly NotificationTarget[], options: RouterOptions = {}) {
    this.#targets = targets;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#retry = { maxAttempts: 4, baseDelayMs: 2000, maxDelayMs: 60_000, ...options.retry };
  }

  /** The names of the channels an event of this kind goes to. */
  targetsFor(kind: string): string[] {
    return this.#targets.filter((t) => t.events.some((p) => matchesEventPattern(p, kind))).map((t) => t.name);
  }

  /** Delivers the event to every matching channel; resolves when all are done (or gave up). Never rejects. */
  async dispatch(event: NotificationEvent, signal?: AbortSignal): Promise<DeliveryResult[]> {
    const targets = this.#targets.filter((t) => t.events.some((p) => matchesEventPattern(p, event.kind)));
    return Promise.all(targets.map((target) => this.#deliver(target, event, signal)));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#targets.map((t) => t.notifier.close?.()));
  }

  async #deliver(
    target: NotificationTarget,
    event: NotificationEvent,
    signal?: AbortSignal,
  ): Promise<DeliveryResult> {
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        signal?.throwIfAborted();
        await target.notifier.send(event, signal);
        return { target: target.name, ok: true, attempts };
      } catch (e) {
        const error = asStepvaultError(e);
        const transient = error.retryable || error.code === 'internal';
        const last = attempts >= this.#retry.maxAttempts || !transient || signal?.aborted === true;
        if (!last) {
          const cap = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempts - 1));
          try {
            await this.#clock.sleep(Math.floor(this.#random() * cap), signal);
            continue;
          } catch {
            // aborted while waiting: report the failure we have
          }
        }
        const message = scrub(`${target.notifier.kind}: ${error.message}`, target.notifier.secrets);
        return {
          target: target.name,
          ok: false,
          attempts,
          error: { code: signal?.aborted ? 'interrupted' : error.code, message },
        };
      }
    }
  }
}
