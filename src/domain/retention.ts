// Retention policies (what `forget` keeps), with restic's semantics: snapshots are taken newest first; each
// keep-N rule keeps the newest snapshot of each of the N most recent periods (hour, day, ISO week, month, year)
// that have one; keep-last keeps the N newest; keep-within keeps everything within a duration of the newest
// snapshot; keep-tag keeps snapshots carrying a tag. A count of -1 means unlimited. Pure: time zone injected.

import { StepvaultError } from '../common/errors.ts';
import { type CalendarDuration, formatCalendarDuration, subtractDuration } from './duration.ts';

export interface RetentionPolicy {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  within?: CalendarDuration;
  tags?: readonly string[];
}

export interface Dated {
  id: string;
  time: string;
  tags: readonly string[];
}

export interface RetentionDecision<T extends Dated> {
  keep: { snapshot: T; reasons: string[] }[];
  remove: T[];
}

export function isEmptyPolicy(p: RetentionPolicy): boolean {
  return (
    p.last === undefined &&
    p.hourly === undefined &&
    p.daily === undefined &&
    p.weekly === undefined &&
    p.monthly === undefined &&
    p.yearly === undefined &&
    p.within === undefined &&
    !p.tags?.length
  );
}

type Bucket = 'last' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';
const BUCKETS: Bucket[] = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'];

/** The calendar fields of an instant in a time zone. */
function fields(date: Date, timeZone: string): { y: number; mo: number; d: number; h: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
  }).formatToParts(date);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour') };
}

/** ISO 8601 week-numbering year and week of a calendar date. */
export function isoWeek(y: number, mo: number, d: number): string {
  const date = new Date(Date.UTC(y, mo - 1, d));
  const day = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

function bucketOf(bucket: Bucket, s: Dated, timeZone: string): string {
  if (bucket === 'last') return s.id;
  const f = fields(new Date(s.time), timeZone);
  switch (bucket) {
    case 'hourly':
      return `${f.y}-${f.mo}-${f.d} ${f.h}`;
    case 'daily':
      return `${f.y}-${f.mo}-${f.d}`;
    case 'weekly':
      return isoWeek(f.y, f.mo, f.d);
    case 'monthly':
      return `${f.y}-${f.mo}`;
    case 'yearly':
      return `${f.y}`;
  }
}

export function applyRetention<T extends Dated>(
  snapshots: readonly T[],
  policy: RetentionPolicy,
  timeZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone,
): RetentionDecision<T> {
  for (const b of BUCKETS) {
    const n = policy[b];
    if (n !== undefined && (!Number.isInteger(n) || n < -1)) {
      throw new StepvaultError('usage', `--keep-${b} must be a whole number (or -1 for unlimited), got ${n}`);
    }
  }
  const sorted = [...snapshots].sort((a, b) => b.time.localeCompare(a.time) || a.id.localeCompare(b.id));
  const newest = sorted[0] ? new Date(sorted[0].time) : undefined;
  const withinLimit = policy.within && newest ? subtractDuration(newest, policy.within) : undefined;
  const remaining = new Map<Bucket, number>();
  const lastBucket = new Map<Bucket, string>();
  for (const b of BUCKETS) if (policy[b] !== undefined) remaining.set(b, policy[b]!);
  const decision: RetentionDecision<T> = { keep: [], remove: [] };
  for (const s of sorted) {
    const reasons: string[] = [];
    for (const [b, left] of remaining) {
      if (left === 0) continue;
      const key = bucketOf(b, s, timeZone);
      if (lastBucket.get(b) === key) continue;
      lastBucket.set(b, key);
      if (left > 0) remaining.set(b, left - 1);
      reasons.push(b === 'last' ? 'last snapshot' : `${b} snapshot`);
    }
    if (withinLimit && new Date(s.time) >= withinLimit)
      reasons.push(`within ${formatCalendarDuration(policy.within!)}`);
    const tag = policy.tags?.find((t) => t.split(',').every((part) => s.tags.includes(part)));
    if (tag !== undefined) reasons.push(`has tag ${tag}`);
    if (reasons.length > 0) decision.keep.push({ snapshot: s, reasons });
    else decision.remove.push(s);
  }
  return decision;
}
