// What stepvault tells people about: the kinds of events, the event record every notification channel gets,
// and the patterns (`backup.*`, `*.failed`, `*`) a notification uses to choose the events it wants.

export const NOTIFICATION_EVENT_KINDS = [
  'backup.succeeded',
  'backup.partial',
  'backup.failed',
  'copy.succeeded',
  'copy.failed',
  'retention.failed',
  'verify.succeeded',
  'verify.failed',
  'restore-test.succeeded',
  'restore-test.failed',
  'maintenance.succeeded',
  'maintenance.failed',
  'restore.requested',
  'restore.succeeded',
  'restore.failed',
  'window.missed', // a run that could not start inside its start window
  'window.exceeded', // a run stopped at the end of its completion window
  'rpo.breached',
  'rpo.recovered',
  'anomaly.detected',
  'notification.test',
] as const;

export type NotificationEventKind = (typeof NOTIFICATION_EVENT_KINDS)[number];

export type Severity = 'info' | 'warning' | 'error';

export interface NotificationEvent {
  kind: NotificationEventKind;
  /** When it happened (ISO 8601). */
  time: string;
  plan?: string;
  rule?: string;
  source?: string;
  repository?: string;
  snapshotId?: string;
  executionId?: string;
  /** Numbers (and a few words) that summarise the run: files, bytes added, duration, pages deleted, … */
  summary?: Record<string, number | string>;
  error?: { code?: string; message: string };
  /** One line for people; a default is derived from the kind and names when absent. */
  message?: string;
  /** Where to look (the dashboard page of the execution). */
  link?: string;
  /** The command that shows more, e.g. `stepvault workflow history backup-nightly-…`. */
  cliHint?: string;
}

export function severityOf(kind: NotificationEventKind): Severity {
  if (/\.(failed|breached|exceeded|missed)$/.test(kind) || kind === 'anomaly.detected') return 'error';
  if (kind === 'backup.partial' || kind === 'restore.requested') return 'warning';
  return 'info';
}

export function isNotificationEventKind(value: string): value is NotificationEventKind {
  return (NOTIFICATION_EVENT_KINDS as readonly string[]).includes(value);
}

/** `*` alone matches every kind; otherwise segments separated by "." match one by one, `*` matching any. */
export function matchesEventPattern(pattern: string, kind: string): boolean {
  if (pattern === '*') return true;
  const want = pattern.split('.');
  const have = kind.split('.');
  return want.length === have.length && want.every((part, i) => part === '*' || part === have[i]);
}

/** Whether a pattern can ever match (so a typo like `backup.failled` is caught when the config is read). */
export function isUsefulEventPattern(pattern: string): boolean {
  return NOTIFICATION_EVENT_KINDS.some((kind) => matchesEventPattern(pattern, kind));
}
