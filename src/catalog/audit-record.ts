// One record of the audit log: who did what to what, when, with details; chained to the record before it by
// `prev` (that record's hash; 64 zeros for the first) and sealed by `hash`, the SHA-256 of the canonical JSON
// of every other field. Details are scrubbed before they are recorded: credential-like keys are redacted and
// Secret values show as "[secret]", so no secret ever reaches the log.

import { createHash } from 'node:crypto';
import { Secret } from '../common/secret.ts';
import { canonicalJson, type Json } from './canonical-json.ts';

export const GENESIS = '0'.repeat(64);

export interface AuditRecord {
  seq: number;
  /** ISO 8601. */
  time: string;
  /** Who: `token:NAME`, `user:NAME`, `scheduler`, `cli`. */
  actor: string;
  /** What: `backup.run`, `restore.request`, `restore.approve`, `config.reload`, `key.add`, … */
  action: string;
  /** To what: `plan:NAME/RULE`, `repository:NAME`, `execution:ID`, … */
  target: string;
  details: { [key: string]: Json };
  prev: string;
  hash: string;
}

export type UnsealedRecord = Omit<AuditRecord, 'hash'>;

export function hashRecord(record: UnsealedRecord): string {
  const { seq, time, actor, action, target, details, prev } = record;
  return createHash('sha256')
    .update(canonicalJson({ seq, time, actor, action, target, details, prev }))
    .digest('hex');
}

/** Keys whose values are credentials, whatever their type. */
const SECRET_KEY =
  /pass(word|phrase|wd)?$|token|secret|authori[sz]ation|api[-_]?key|credential|cookie|private[-_]?key|session/i;
const MAX_DEPTH = 16;
const MAX_STRING = 4096;

/** Details as plain JSON with credentials removed; never throws, whatever it is given. */
export function scrubDetails(details: Record<string, unknown> | undefined): { [key: string]: Json } {
  const out = scrub(details ?? {}, 0);
  return out !== null && typeof out === 'object' && !Array.isArray(out) ? out : {};
}

function scrub(value: unknown, depth: number): Json {
  if (value instanceof Secret) return '[secret]';
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Error) return { name: value.name, message: scrub(value.message, depth + 1) };
  if (typeof value !== 'object') return null;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const out: { [key: string]: Json } = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined || typeof inner === 'function' || typeof inner === 'symbol') continue;
    const safe = SECRET_KEY.test(key) ? '[redacted]' : scrub(inner, depth + 1);
    Object.defineProperty(out, key, { value: safe, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
