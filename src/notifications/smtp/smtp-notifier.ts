// An e-mail channel over SMTP (nodemailer): one message per event, plain text with a small HTML part. With a
// login and without TLS from the start, STARTTLS is required (so the password never crosses the network in the
// clear) unless the server is on loopback. Errors carry the SMTP reply, scrubbed of the password.

import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { StepvaultError } from '../../common/errors.ts';
import { type Secret, scrub } from '../../common/secret.ts';
import type { SmtpNotificationConfig } from '../../config/notifications-schema.ts';
import type { SecretRef } from '../../config/secret-ref.ts';
import type { NotificationEvent } from '../../domain/notification-event.ts';
import type { Notifier, ResolveSecret } from '../notifier.ts';
import { deliveryId, renderEvent } from '../render-event.ts';

export interface SmtpOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465). */
  secure: boolean;
  auth?: { user: string; pass: Secret };
  from: string;
  to: readonly string[];
  /** Connection, greeting and socket timeouts. @default 15000 */
  timeoutMs?: number;
  /** Extra TLS options (e.g. a CA for a private relay). */
  tls?: SMTPTransport.Options['tls'];
}

export class SmtpNotifier implements Notifier {
  readonly kind = 'smtp';
  readonly secrets: readonly Secret[];
  readonly #options: SmtpOptions;
  readonly #transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(options: SmtpOptions) {
    this.#options = options;
    this.secrets = options.auth ? [options.auth.pass] : [];
    const timeout = options.timeoutMs ?? 15_000;
    const loopback = options.host === 'localhost' || /^127\./.test(options.host) || options.host === '::1';
    this.#transport = createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure,
      requireTLS: !options.secure && options.auth !== undefined && !loopback,
      ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.pass.reveal() } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      ...(options.tls ? { tls: options.tls } : {}),
      logger: false,
      debug: false,
    });
  }

  static async fromConfig(
    config: SmtpNotificationConfig,
    resolve: ResolveSecret<SecretRef>,
    extra: Pick<SmtpOptions, 'timeoutMs' | 'tls'> = {},
  ): Promise<SmtpNotifier> {
    return new SmtpNotifier({
      host: config.host,
      port: config.port,
      secure: config.secure,
      ...(config.auth ? { auth: { user: config.auth.user, pass: await resolve(config.auth.pass) } } : {}),
      from: config.from,
      to: config.to,
      ...extra,
    });
  }

  async send(event: NotificationEvent, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const rendered = renderEvent(event);
    const prefix = rendered.severity === 'error' ? '[stepvault] ALERT: ' : '[stepvault] ';
    try {
      await this.#transport.sendMail({
        from: this.#options.from,
        to: [...this.#options.to],
        subject: `${prefix}${rendered.title}`,
        text: rendered.text,
        html: rendered.html,
        headers: { 'X-Stepvault-Event': event.kind, 'X-Stepvault-Delivery': deliveryId(event) },
      });
    } catch (e) {
      const error = e as Error & { code?: string; responseCode?: number };
      // 4xx replies and connection trouble are transient; 5xx replies and a refused login are not.
      const permanent =
        error.code === 'EAUTH' || (error.responseCode !== undefined && error.responseCode >= 500);
      const message = scrub(
        `cannot send e-mail through ${this.#options.host}:${this.#options.port}: ${error.message}`,
        this.secrets,
      );
      throw new StepvaultError('io', message, { retryable: !permanent });
    }
  }

  async close(): Promise<void> {
    this.#transport.close();
  }
}
