// The notification channels of stepvault.yaml as one sender for plan tasks: the router over every configured
// channel, built on first use (secrets resolved then), and its per-channel results as a NotifyReport. A channel
// whose secret cannot be resolved is reported as failed for each event; it never stops the others.

import type { Clock } from '../common/clock.ts';
import type { Secret } from '../common/secret.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import type { NotificationConfig } from '../config/notifications-schema.ts';
import type { SecretRef } from '../config/secret-ref.ts';
import type { NotificationEvent } from '../domain/notification-event.ts';
import { NotificationRouter, type NotificationTarget } from '../notifications/notification-router.ts';
import type { Notifier } from '../notifications/notifier.ts';
import { SmtpNotifier } from '../notifications/smtp/smtp-notifier.ts';
import { SnsNotifier } from '../notifications/sns/sns-notifier.ts';
import { WebhookNotifier } from '../notifications/webhook/webhook-notifier.ts';
import type { NotifyReport } from './plan-environment.ts';

export interface ConfiguredNotifications {
  send(event: NotificationEvent): Promise<NotifyReport>;
  /** Closes the channels' connections (if any were opened). */
  close(): Promise<void>;
}

export function configuredNotifications(
  loaded: LoadedConfig,
  resolve: (ref: SecretRef) => Promise<Secret>,
  clock: Clock,
): ConfiguredNotifications {
  let router: Promise<NotificationRouter> | undefined;
  const build = async () => {
    const targets: NotificationTarget[] = [];
    for (const [name, config] of Object.entries(loaded.config.notifications))
      targets.push({ name, events: config.events, notifier: await notifierOf(config, resolve) });
    return new NotificationRouter(targets, { clock });
  };
  return {
    send: async (event) => {
      router ??= build();
      const results = await (await router).dispatch(event);
      return {
        delivered: results.filter((r) => r.ok).map((r) => r.target),
        failed: results
          .filter((r) => !r.ok)
          .map((r) => ({ target: r.target, error: r.error?.message ?? 'not delivered' })),
      };
    },
    close: async () => {
      if (router) await (await router).close();
    },
  };
}

async function notifierOf(
  config: NotificationConfig,
  resolve: (ref: SecretRef) => Promise<Secret>,
): Promise<Notifier> {
  try {
    if (config.type === 'webhook') return await WebhookNotifier.fromConfig(config, resolve);
    if (config.type === 'smtp') return await SmtpNotifier.fromConfig(config, resolve);
    return SnsNotifier.fromConfig(config);
  } catch (e) {
    const error = e as Error;
    return {
      kind: config.type,
      secrets: [],
      send: async () => {
        throw error;
      },
    };
  }
}
