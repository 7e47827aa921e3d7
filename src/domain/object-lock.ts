// The rules of immutable repositories (S3 Object Lock): a lock policy is a mode and a period; every object the
// repository keeps is written with retention until "server time + period", and retention is extended before it
// runs out for as long as a kept snapshot needs the object. COMPLIANCE retention cannot be shortened or removed by
// anyone, the account's root included; GOVERNANCE retention can, by identities allowed to bypass it.

import { StepvaultError } from '../common/errors.ts';
import {
  type CalendarDuration,
  formatCalendarDuration,
  parseCalendarDuration,
  subtractDuration,
} from './duration.ts';

export type LockMode = 'governance' | 'compliance';
export const LOCK_MODES: readonly LockMode[] = ['governance', 'compliance'];

export interface LockPolicy {
  mode: LockMode;
  /** A calendar duration such as "30d", "6m" or "1y". */
  period: string;
}

/** Periods above this are refused unless raised explicitly: a typo in COMPLIANCE mode cannot be undone. */
export const DEFAULT_MAX_LOCK_PERIOD = '1y';

const negate = (d: CalendarDuration): CalendarDuration => ({
  years: -d.years,
  months: -d.months,
  days: -d.days,
  hours: -d.hours,
});

/** `date` plus a calendar duration (UTC arithmetic). */
export function addCalendarDuration(date: Date, d: CalendarDuration): Date {
  return subtractDuration(date, negate(d));
}

/** Validates a policy as given on the command line; `max` bounds the period (a likely typo otherwise). */
export function parseLockPolicy(mode: string, period: string, max = DEFAULT_MAX_LOCK_PERIOD): LockPolicy {
  if (!LOCK_MODES.includes(mode as LockMode)) {
    throw new StepvaultError('usage', `invalid lock mode "${mode}"`, {
      hint: 'use governance or compliance',
    });
  }
  const duration = parseCalendarDuration(period);
  const reference = new Date(Date.UTC(2000, 0, 1));
  const end = addCalendarDuration(reference, duration).getTime();
  if (end - reference.getTime() < 86_400_000) {
    throw new StepvaultError('usage', `lock period "${period}" is shorter than a day`, {
      hint: 'give a period of days, months or years, e.g. 30d',
    });
  }
  if (end > addCalendarDuration(reference, parseCalendarDuration(max)).getTime()) {
    throw new StepvaultError('usage', `lock period "${period}" is longer than the maximum of ${max}`, {
      hint: `objects locked in ${mode} mode ${mode === 'compliance' ? 'cannot be deleted by anyone' : 'need special rights to delete'} before the period ends; if ${period} is meant, raise the limit with --max-lock-period`,
    });
  }
  return { mode: mode as LockMode, period: formatCalendarDuration(duration) };
}

/** When retention written or extended at `serverNow` ends. */
export function retainUntil(serverNow: Date, policy: LockPolicy): Date {
  return addCalendarDuration(serverNow, parseCalendarDuration(policy.period));
}

/**
 * How long before its end retention is extended: a third of the period, so that an object stays protected for at
 * least two thirds of it whenever `lock extend` runs at least that often.
 */
export function renewalWindowMs(policy: LockPolicy): number {
  const start = new Date(Date.UTC(2000, 0, 1));
  return Math.floor((retainUntil(start, policy).getTime() - start.getTime()) / 3);
}

export function decodeLockPolicy(value: unknown): LockPolicy | undefined {
  if (value === undefined) return undefined;
  const v = value as Partial<LockPolicy> | null;
  if (!v || !LOCK_MODES.includes(v.mode as LockMode) || typeof v.period !== 'string') {
    throw new StepvaultError('corrupt', 'the repository config has an invalid lock policy');
  }
  parseCalendarDuration(v.period);
  return { mode: v.mode as LockMode, period: v.period };
}
