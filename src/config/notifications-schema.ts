// `notifications:` in stepvault.yaml — where events go: a webhook (JSON or Slack-compatible), e-mail over SMTP,
// or an SNS topic; each with the event patterns it wants.

import { z } from 'zod';
import { isUsefulEventPattern } from '../domain/notification-event.ts';
import { httpUrlSchema, namedMap, strictObject } from './schema-primitives.ts';
import { SECRET_REF_FORMS, secretRefSchema } from './secret-ref.ts';

const eventsSchema = z
  .array(
    z.string().refine(isUsefulEventPattern, {
      error: 'matches no event (kinds are like backup.failed; patterns like backup.* or *.failed)',
    }),
  )
  .min(1)
  .meta({
    id: 'EventPatterns',
    description: 'event kinds or patterns: backup.failed, backup.*, *.failed, *',
  });

/** Header names whose values are credentials: they must be secret references. */
const SENSITIVE_HEADER = /authorization|token|secret|key|password|cookie|signature/i;

const headersSchema = z
  .record(
    z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'not an HTTP header name' }),
    z.union([z.string(), secretRefSchema], {
      error: 'a header value is a string, or a secret reference for credentials',
    }),
  )
  .superRefine((headers, ctx) => {
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value === 'string' && SENSITIVE_HEADER.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `secrets are given by reference: the ${name} header needs ${SECRET_REF_FORMS}`,
        });
      }
    }
  })
  .default({})
  .describe('extra request headers; credentials as secret references');

const webhookSchema = strictObject(
  {
    type: z.literal('webhook'),
    url: z
      .union([httpUrlSchema('where to POST', { httpsOnlyRemote: true }), secretRefSchema], {
        error: 'url is an https URL, or a secret reference when the URL itself is a credential (Slack)',
      })
      .describe('where to POST; a secret reference when the URL is itself a credential (Slack webhooks)'),
    format: z.enum(['json', 'slack']).default('json').describe('the event as JSON, or a Slack message'),
    headers: headersSchema,
    events: eventsSchema,
  },
  'A webhook: one HTTP POST per event',
);

const email = z.email({ error: 'not an e-mail address' });

const smtpSchema = strictObject(
  {
    type: z.literal('smtp'),
    host: z.string().min(1),
    port: z.int().min(1).max(65535).default(587),
    secure: z
      .boolean()
      .default(false)
      .describe('TLS from the start (port 465); otherwise STARTTLS when offered'),
    auth: strictObject({ user: z.string().min(1), pass: secretRefSchema }).optional(),
    from: email,
    to: z.array(email).min(1),
    events: eventsSchema,
  },
  'E-mail over SMTP',
);

const snsSchema = strictObject(
  {
    type: z.literal('sns'),
    topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, {
      error: 'not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)',
    }),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'not an AWS region (e.g. eu-central-1)' }),
    endpoint: httpUrlSchema('a different SNS endpoint (e.g. a VPC endpoint)').optional(),
    events: eventsSchema,
  },
  'An Amazon SNS topic (credentials from the AWS default chain)',
);

export const notificationSchema = z.discriminatedUnion('type', [webhookSchema, smtpSchema, snsSchema]);

export const notificationsSchema = namedMap(notificationSchema, 'Notification channels, by name');

export type NotificationConfig = z.output<typeof notificationSchema>;
export type WebhookNotificationConfig = z.output<typeof webhookSchema>;
export type SmtpNotificationConfig = z.output<typeof smtpSchema>;
export type SnsNotificationConfig = z.output<typeof snsSchema>;
