// Durations as users write them for retention: "2y5m7d3h" (years, months, days, hours), as restic does; and the
// arithmetic that subtracts such a duration from a date in calendar terms.

import { StepvaultError } from '../common/errors.ts';

export interface CalendarDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

export function parseCalendarDuration(text: string): CalendarDuration {
  const match = /^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?(?:(\d+)h)?$/.exec(text.trim());
  if (!match || text.trim() === '') {
    throw new StepvaultError('usage', `invalid duration "${text}"`, {
      hint: 'write years, months, days and hours like 1y6m, 30d or 2d12h',
    });
  }
  const [, y, m, d, h] = match;
  return { years: Number(y ?? 0), months: Number(m ?? 0), days: Number(d ?? 0), hours: Number(h ?? 0) };
}

/** `date` minus `duration`, in calendar units (UTC arithmetic, so DST does not shift the result). */
export function subtractDuration(date: Date, d: CalendarDuration): Date {
  const out = new Date(date.getTime());
  out.setUTCFullYear(out.getUTCFullYear() - d.years, out.getUTCMonth() - d.months, out.getUTCDate() - d.days);
  out.setUTCHours(out.getUTCHours() - d.hours);
  return out;
}

export function formatCalendarDuration(d: CalendarDuration): string {
  const parts = [
    d.years && `${d.years}y`,
    d.months && `${d.months}m`,
    d.days && `${d.days}d`,
    d.hours && `${d.hours}h`,
  ];
  return parts.filter(Boolean).join('') || '0h';
}
