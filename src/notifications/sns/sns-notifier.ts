// An Amazon SNS channel: one Publish per event, with a per-protocol message (text for e-mail and SMS
// subscribers, the JSON event for SQS, Lambda and HTTP ones), the kind and severity as message attributes, and
// for FIFO topics the delivery ID as deduplication ID. Credentials come from the AWS default chain unless
// given. The SDK retries nothing here: the router does.

import { StepvaultError } from '../../common/errors.ts';
import type { Secret } from '../../common/secret.ts';
import type { SnsNotificationConfig } from '../../config/notifications-schema.ts';
import type { NotificationEvent } from '../../domain/notification-event.ts';
import type { Notifier } from '../notifier.ts';
import { deliveryId, renderEvent } from '../render-event.ts';

export interface SnsOptions {
  topicArn: string;
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Per attempt. @default 10000 */
  timeoutMs?: number;
}

type SnsModule = typeof import('@aws-sdk/client-sns');

export class SnsNotifier implements Notifier {
  readonly kind = 'sns';
  readonly secrets: readonly Secret[] = [];
  readonly #options: SnsOptions;
  #client: Promise<{ sns: SnsModule; client: InstanceType<SnsModule['SNSClient']> }> | undefined;

  constructor(options: SnsOptions) {
    this.#options = options;
  }

  static fromConfig(
    config: SnsNotificationConfig,
    extra: Pick<SnsOptions, 'credentials' | 'timeoutMs'> = {},
  ) {
    return new SnsNotifier({
      topicArn: config.topicArn,
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...extra,
    });
  }

  async send(event: NotificationEvent, signal?: AbortSignal): Promise<void> {
    const { sns, client } = await this.#connect();
    const rendered = renderEvent(event);
    const json = JSON.stringify({
      type: 'stepvault.notification',
      version: 1,
      severity: rendered.severity,
      event,
    });
    const fifo = this.#options.topicArn.endsWith('.fifo');
    const timeout = AbortSignal.timeout(this.#options.timeoutMs ?? 10_000);
    try {
      await client.send(
        new sns.PublishCommand({
          TopicArn: this.#options.topicArn,
          Subject: snsSubject(`[stepvault] ${rendered.title}`),
          MessageStructure: 'json',
          Message: JSON.stringify({
            default: rendered.text,
            email: rendered.text,
            sms: rendered.message.slice(0, 140),
            sqs: json,
            lambda: json,
            http: json,
            https: json,
          }),
          MessageAttributes: {
            event: { DataType: 'String', StringValue: event.kind },
            severity: { DataType: 'String', StringValue: rendered.severity },
          },
          ...(fifo ? { MessageGroupId: 'stepvault', MessageDeduplicationId: deliveryId(event) } : {}),
        }),
        { abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout },
      );
    } catch (e) {
      if (signal?.aborted) throw new StepvaultError('interrupted', 'interrupted', { cause: e });
      const error = e as Error & { $fault?: string; $metadata?: { httpStatusCode?: number } };
      const status = error.$metadata?.httpStatusCode;
      const retryable =
        timeout.aborted || error.$fault !== 'client' || status === 429 || error.name === 'Throttling';
      throw new StepvaultError(
        'io',
        `cannot publish to ${this.#options.topicArn}: ${timeout.aborted ? 'timed out' : `${error.name}: ${error.message}`}`,
        { retryable },
      );
    }
  }

  async close(): Promise<void> {
    const connected = await this.#client?.catch(() => undefined);
    connected?.client.destroy();
  }

  #connect() {
    this.#client ??= import('@aws-sdk/client-sns').then((sns) => ({
      sns,
      client: new sns.SNSClient({
        region: this.#options.region,
        maxAttempts: 1,
        ...(this.#options.endpoint ? { endpoint: this.#options.endpoint } : {}),
        ...(this.#options.credentials ? { credentials: this.#options.credentials } : {}),
      }),
    }));
    return this.#client;
  }
}

/** SNS subjects: at most 100 printable ASCII characters, no line breaks. */
function snsSubject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length > 100 ? `${ascii.slice(0, 97)}...` : ascii;
}
