// How an event reads for people, shared by every channel: a title, a one-line message, labelled facts, plain
// text and a small HTML page (everything escaped), and a stable delivery ID receivers can use to drop
// duplicates when a delivery is retried.

import { createHash } from 'node:crypto';
import { type NotificationEvent, type Severity, severityOf } from '../domain/notification-event.ts';

const WHAT: Record<string, string> = {
  succeeded: 'succeeded',
  partial: 'finished with errors',
  failed: 'failed',
  requested: 'requested',
  missed: 'missed its start window',
  exceeded: 'exceeded its completion window',
  breached: 'breached',
  recovered: 'recovered',
  detected: 'detected',
  test: 'test',
};

export interface RenderedEvent {
  severity: Severity;
  /** "backup failed: wiki-nightly/daily" */
  title: string;
  /** The event's message, or one derived from it. */
  message: string;
  /** Labelled facts in a fixed order: Plan, Rule, Source, Repository, Snapshot, Execution, summary, Error. */
  facts: [label: string, value: string][];
  text: string;
  html: string;
}

export function renderEvent(event: NotificationEvent): RenderedEvent {
  const [subject = '', outcome = ''] = event.kind.split('.');
  const where = [event.plan, event.rule].filter(Boolean).join('/') || event.source || event.repository;
  const title = `${subject.replace('-', ' ')} ${WHAT[outcome] ?? outcome}${where ? `: ${where}` : ''}`;
  const message = event.message ?? (event.error ? `${title}: ${event.error.message}` : title);
  const facts: [string, string][] = [];
  const add = (label: string, value: string | number | undefined) => {
    if (value !== undefined && value !== '') facts.push([label, String(value)]);
  };
  add('Plan', event.plan);
  add('Rule', event.rule);
  add('Source', event.source);
  add('Repository', event.repository);
  add('Snapshot', event.snapshotId);
  add('Execution', event.executionId);
  for (const [key, value] of Object.entries(event.summary ?? {})) add(labelOf(key), value);
  add(
    'Error',
    event.error ? `${event.error.code ? `${event.error.code}: ` : ''}${event.error.message}` : undefined,
  );
  add('Time', event.time);
  const footer = [event.link, event.cliHint && `$ ${event.cliHint}`].filter(Boolean) as string[];
  const text = [
    message,
    '',
    ...facts.map(([l, v]) => `${l}: ${v}`),
    ...(footer.length ? ['', ...footer] : []),
  ].join('\n');
  const rows = facts.map(
    ([l, v]) => `<tr><th align="left">${escapeHtml(l)}</th><td>${escapeHtml(v)}</td></tr>`,
  );
  const html = [
    `<p><strong>${escapeHtml(message)}</strong></p>`,
    `<table>${rows.join('')}</table>`,
    event.link ? `<p><a href="${escapeHtml(safeLink(event.link))}">${escapeHtml(event.link)}</a></p>` : '',
    event.cliHint ? `<p><code>${escapeHtml(event.cliHint)}</code></p>` : '',
  ].join('\n');
  return { severity: severityOf(event.kind), title, message, facts, text, html };
}

/** The same ID for the same event, so a receiver can drop a retried delivery it already has. */
export function deliveryId(event: NotificationEvent): string {
  return createHash('sha256').update(JSON.stringify(event)).digest('hex').slice(0, 32);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function safeLink(link: string): string {
  return /^https?:\/\//i.test(link) ? link : '#';
}

function labelOf(key: string): string {
  const spaced = key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1).toLowerCase();
}
