// A webhook channel: one HTTP POST per event, as JSON (`{ type, version, severity, title, text, event }`) or
// in Slack's form. Headers carry credentials (resolved from secret references); the URL itself may be a secret
// (Slack's webhook URLs are). Redirects are not followed (they could carry the headers elsewhere). Errors
// name the HTTP status and a short, scrubbed excerpt of the answer, never a secret URL or header value.

import { StepvaultError } from '../../common/errors.ts';
import { Secret, scrub } from '../../common/secret.ts';
import type { WebhookNotificationConfig } from '../../config/notifications-schema.ts';
import type { SecretRef } from '../../config/secret-ref.ts';
import type { NotificationEvent } from '../../domain/notification-event.ts';
import type { Notifier, ResolveSecret } from '../notifier.ts';
import { deliveryId, renderEvent } from '../render-event.ts';
import { slackMessage } from './slack-message.ts';

export interface WebhookOptions {
  url: string | Secret;
  format: 'json' | 'slack';
  headers?: Record<string, string | Secret>;
  /** Per attempt. @default 10000 */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

export class WebhookNotifier implements Notifier {
  readonly kind = 'webhook';
  readonly secrets: readonly Secret[];
  readonly #options: WebhookOptions;

  constructor(options: WebhookOptions) {
    this.#options = options;
    const values = [options.url, ...Object.values(options.headers ?? {})];
    const secrets = values.filter((v): v is Secret => typeof v !== 'string');
    if (typeof options.url !== 'string') secrets.push(...urlParts(options.url));
    this.secrets = secrets;
  }

  static async fromConfig(
    config: WebhookNotificationConfig,
    resolve: ResolveSecret<SecretRef>,
    extra: Pick<WebhookOptions, 'timeoutMs' | 'fetch'> = {},
  ): Promise<WebhookNotifier> {
    const url = typeof config.url === 'string' ? config.url : await resolve(config.url);
    const headers: Record<string, string | Secret> = {};
    for (const [name, value] of Object.entries(config.headers)) {
      headers[name] = typeof value === 'string' ? value : await resolve(value);
    }
    return new WebhookNotifier({ url, format: config.format, headers, ...extra });
  }

  async send(event: NotificationEvent, signal?: AbortSignal): Promise<void> {
    const { url, format } = this.#options;
    const where = typeof url === 'string' ? redactQuery(url) : 'the webhook (its URL is a secret)';
    const rendered = renderEvent(event);
    const body =
      format === 'slack'
        ? slackMessage(event)
        : {
            type: 'stepvault.notification',
            version: 1,
            severity: rendered.severity,
            title: rendered.title,
            text: rendered.text,
            event,
          };
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'stepvault',
      'x-stepvault-event': event.kind,
      'x-stepvault-delivery': deliveryId(event),
    };
    for (const [name, value] of Object.entries(this.#options.headers ?? {})) {
      headers[name.toLowerCase()] = typeof value === 'string' ? value : value.reveal();
    }
    const timeout = AbortSignal.timeout(this.#options.timeoutMs ?? 10_000);
    let response: Response;
    try {
      response = await (this.#options.fetch ?? fetch)(typeof url === 'string' ? url : url.reveal(), {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (e) {
      if (signal?.aborted) throw new StepvaultError('interrupted', 'interrupted', { cause: e });
      const reason = timeout.aborted ? 'timed out' : describeFetchError(e);
      throw new StepvaultError('io', this.#scrub(`cannot POST to ${where}: ${reason}`), { retryable: true });
    }
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel();
      return;
    }
    const excerpt = (await response.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ').trim();
    const status = response.status;
    const retryable = status === 429 || status === 408 || status >= 500;
    const why =
      status >= 300 && status < 400
        ? `answered a redirect (HTTP ${status}), which is not followed`
        : `answered HTTP ${status}`;
    throw new StepvaultError('io', this.#scrub(`${where} ${why}${excerpt ? `: ${excerpt}` : ''}`), {
      retryable,
    });
  }

  #scrub(text: string): string {
    return scrub(text, this.secrets);
  }
}

/** The parts of a secret URL a receiver might echo on their own: its path and query, and long path segments. */
function urlParts(url: Secret): Secret[] {
  try {
    const u = new URL(url.reveal());
    const parts = [
      `${u.pathname}${u.search}`,
      u.pathname,
      ...u.pathname.split('/').filter((p) => p.length >= 8),
    ];
    return parts.filter((p) => p.length > 1).map((p) => new Secret(p));
  } catch {
    return []; // not a URL: the request fails with its own error, and the whole value is scrubbed anyway
  }
}

/** A URL for messages: query strings often carry tokens, so they are left out. */
function redactQuery(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return 'the webhook';
  }
}

function describeFetchError(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message ?? 'network error';
}
