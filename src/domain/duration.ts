// Durations as users write them for retention: "2y5m7d3h" (years, months, days, hours), as restic does; and the
// arithmetic that subtracts such a duration from a date in calendar terms. Also elapsed durations for windows
// and ages ("8h", "1h30min", "7d"): fixed lengths of time, where "m" would be ambiguous and is refused.

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

const ELAPSED_UNITS: Record<string, number> = {
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  min: 60_000,
  s: 1000,
};
const ELAPSED_ORDER = ['w', 'd', 'h', 'min', 's'];
const ELAPSED_HINT = 'write weeks, days, hours, minutes and seconds like 8h, 1h30min, 7d or 45s';

/**
 * Parses an elapsed duration ("1w", "7d", "8h", "1h30min", "90s") into milliseconds. Units appear at most once,
 * largest first. "m" is refused: in retention durations it means months, so here minutes are "min".
 */
export function parseElapsedDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+m$|\d+m(?!in)/.test(trimmed)) {
    throw new StepvaultError('usage', `invalid duration "${text}": "m" is ambiguous here`, {
      hint: 'write minutes as "min" (e.g. 30min); months are not allowed in a window or an age',
    });
  }
  const parts = [...trimmed.matchAll(/(\d+)(w|d|h|min|s)/g)];
  const rebuilt = parts.map((p) => p[0]).join('');
  const units = parts.map((p) => p[2]!);
  const ordered = units.every(
    (u, i) => i === 0 || ELAPSED_ORDER.indexOf(u) > ELAPSED_ORDER.indexOf(units[i - 1]!),
  );
  if (parts.length === 0 || rebuilt !== trimmed || !ordered) {
    throw new StepvaultError('usage', `invalid duration "${text}"`, { hint: ELAPSED_HINT });
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * ELAPSED_UNITS[p[2]!]!, 0);
  if (!Number.isSafeInteger(ms)) {
    throw new StepvaultError('usage', `duration "${text}" is too long`, { hint: ELAPSED_HINT });
  }
  return ms;
}

/** The canonical spelling of an elapsed duration: largest units first, zero units left out ("0s" for 0). */
export function formatElapsedDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms / 1000) * 1000);
  const parts: string[] = [];
  for (const unit of ELAPSED_ORDER) {
    const size = ELAPSED_UNITS[unit]!;
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.join('') || '0s';
}
