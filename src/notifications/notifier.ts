// The contract of a notification channel (webhook, e-mail, SNS): deliver one event, or throw a StepvaultError
// that says whether trying again may help. A channel never puts its credentials into what it sends (other than
// where the protocol wants them: a header, an SMTP login) nor into its errors; `secrets` lists them so callers
// can scrub any text that a remote party might have echoed.

import type { Secret } from '../common/secret.ts';
import type { NotificationEvent } from '../domain/notification-event.ts';

export interface Notifier {
  /** What kind of channel, for messages: "webhook", "smtp", "sns". */
  readonly kind: string;
  /** The credentials this channel holds. */
  readonly secrets: readonly Secret[];
  /** Delivers the event once. Throws a StepvaultError (`retryable` when a later attempt may succeed). */
  send(event: NotificationEvent, signal?: AbortSignal): Promise<void>;
  /** Releases connections. */
  close?(): Promise<void>;
}

/** How a channel gets a secret it references (the daemon passes a SecretResolver's `resolve`). */
export type ResolveSecret<Ref> = (ref: Ref) => Promise<Secret>;
