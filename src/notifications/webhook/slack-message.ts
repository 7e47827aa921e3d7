// The Slack form of an event (incoming webhooks and compatible receivers such as Mattermost): `text` for
// notifications and clients without blocks, `blocks` for the message itself. Text is escaped as Slack asks
// (&, <, >), so event content cannot form links or mentions.

import type { NotificationEvent } from '../../domain/notification-event.ts';
import { renderEvent } from '../render-event.ts';

const ICON = { info: ':white_check_mark:', warning: ':warning:', error: ':rotating_light:' } as const;

export function slackMessage(event: NotificationEvent): { text: string; blocks: unknown[] } {
  const r = renderEvent(event);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: r.title.slice(0, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: `${ICON[r.severity]} ${escapeSlack(r.message)}` } },
  ];
  const fields = r.facts.slice(0, 10).map(([label, value]) => ({
    type: 'mrkdwn',
    text: `*${escapeSlack(label)}*\n${escapeSlack(value).slice(0, 1900)}`,
  }));
  if (fields.length > 0) blocks.push({ type: 'section', fields });
  const context = [
    event.link && /^https?:\/\//i.test(event.link)
      ? `<${escapeSlack(event.link)}|open in stepvault>`
      : undefined,
    event.cliHint && `\`${escapeSlack(event.cliHint)}\``,
  ].filter(Boolean) as string[];
  if (context.length > 0)
    blocks.push({ type: 'context', elements: context.map((text) => ({ type: 'mrkdwn', text })) });
  return { text: `${ICON[r.severity]} ${escapeSlack(r.message)}`, blocks };
}

export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
