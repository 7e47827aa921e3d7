// Small formatting rules shared by the export's pages: dates, sizes, version lines and status badges.

import { formatBytes } from '../../../common/bytes.ts';
import type { VersionRecord } from '../../../sources/confluence/layout.ts';
import { escapeAttribute, escapeText } from '../../../sources/confluence/render/html-escape.ts';

/** `2026-01-02 14:05 UTC` in a `<time>` element, or the raw text when it is not a date. */
export function timeHtml(iso: string | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeText(iso);
  const text = `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<time datetime="${escapeAttribute(new Date(ms).toISOString())}">${text}</time>`;
}

export function sizeText(bytes: number | undefined): string {
  return bytes === undefined ? '' : formatBytes(bytes);
}

/** Names an account id (from the snapshot's users directory). */
export type UserNames = (accountId: string) => string | undefined;

/** An account: its name when the snapshot's directory has one (the id in the tooltip), else its id. */
export function accountHtml(accountId: string, userName: UserNames): string {
  const name = userName(accountId);
  return name
    ? `<span class="account" title="${escapeAttribute(accountId)}"><bdi>${escapeText(name)}</bdi></span>`
    : `<span class="account">${escapeText(accountId)}</span>`;
}

/** "version 3, 2026-01-02 14:05 UTC, by Ada Lovelace: message" */
export function versionHtml(version: VersionRecord, userName: UserNames): string {
  const parts = [`version ${version.number}`];
  if (version.createdAt) parts.push(timeHtml(version.createdAt));
  if (version.authorId) parts.push(`by ${accountHtml(version.authorId, userName)}`);
  const message = version.message ? `: <q>${escapeText(version.message)}</q>` : '';
  return `${parts.join(', ')}${version.minorEdit ? ' (minor edit)' : ''}${message}`;
}

const BADGES: Record<string, string> = {
  archived: 'Archived',
  trashed: 'In the trash',
  draft: 'Draft',
};

export function statusBadge(status: string): string {
  const label = BADGES[status];
  return label ? `<span class="badge badge-${status}">${label}</span>` : '';
}

const TYPE_LABELS: Record<string, string> = {
  page: 'Page',
  blogpost: 'Blog post',
  folder: 'Folder',
  whiteboard: 'Whiteboard',
  database: 'Database',
  embed: 'Smart link',
};

export function typeLabel(type: string): string {
  return TYPE_LABELS[type] ?? type;
}
