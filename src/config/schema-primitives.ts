// The building blocks of the configuration schema: strict objects whose unknown keys are named with the allowed
// ones, names, durations, schedules, time zones, counts, percentages and URLs. Values stay strings as written
// (the parsed forms come from domain/: parseElapsedDuration, parseSchedule, …), so a Config is plain JSON.

import { z } from 'zod';
import { parseCalendarDuration, parseElapsedDuration } from '../domain/duration.ts';
import { isValidTimeZone, parseSchedule } from '../domain/schedule.ts';

/** An object that refuses unknown keys, naming them and the keys it allows (closest first when misspelt). */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T, description?: string) {
  const allowed = Object.keys(shape);
  const schema = z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      const keys = issue.keys.map((k) => `"${k}"`).join(', ');
      const guess = issue.keys.length === 1 ? closest(issue.keys[0]!, allowed) : undefined;
      return `unknown key ${keys}${guess ? ` (did you mean "${guess}"?)` : ''}; allowed: ${allowed.join(', ')}`;
    },
  });
  return description ? schema.describe(description) : schema;
}

/** A name of a repository, source, plan, rule, notification or token: letters, digits, '.', '_' and '-'. */
export const nameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
  error: 'a name has 1-64 letters, digits, ".", "_" or "-", and starts with a letter or digit',
});

/** A map from names to entries, with the name rules applied to the keys. */
export function namedMap<T extends z.ZodType>(entry: T, description: string) {
  return z.record(nameSchema, entry).describe(description);
}

function refined(description: string, check: (text: string) => void) {
  return z
    .string()
    .superRefine((text, ctx) => {
      try {
        check(text);
      } catch (e) {
        const error = e as Error & { hint?: string };
        ctx.addIssue({ code: 'custom', message: `${error.message}${error.hint ? ` (${error.hint})` : ''}` });
      }
    })
    .describe(description);
}

export const elapsedDurationSchema = (description: string) =>
  refined(`${description}. An elapsed duration: 30min, 8h, 1h30min, 7d, 2w`, (t) => {
    parseElapsedDuration(t);
  });

export const calendarDurationSchema = (description: string) =>
  refined(`${description}. A calendar duration: 1y6m (m = months), 30d, 12h`, (t) => {
    parseCalendarDuration(t);
  });

export const timeZoneSchema = z
  .string()
  .refine(isValidTimeZone, { error: 'not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)' })
  .describe('IANA time zone the schedule is read in');

export const scheduleSchema = refined(
  'When the rule runs: cron "0 3 * * *", EventBridge "cron(0 3 * * ? *)" or "rate(1 hour)"',
  (t) => {
    parseSchedule(t);
  },
);

/** A whole number from 1 to `max`. */
export const countSchema = (max: number, description: string) =>
  z.int().min(1).max(max).describe(description);

/** A keep-* count: a whole number >= 0, or "unlimited". */
export const keepCountSchema = (description: string) =>
  z.union([z.int().min(0), z.literal('unlimited')]).describe(description);

/** A count ("50") or a share of the whole ("5%"). */
export const countOrPercentSchema = (description: string) =>
  z
    .union([
      z.int().min(0),
      z.string().regex(/^(100|\d{1,2}(\.\d+)?)%$/, { error: 'write a count (50) or a percentage (5%)' }),
    ])
    .describe(description);

/** A subset: "5%" or "1/10". */
export const subsetSchema = z
  .string()
  .regex(/^(?:(100|\d{1,2}(\.\d+)?)%|[1-9]\d*\/[1-9]\d*)$/, {
    error: 'write a percentage (5%) or a fraction n/m (1/10)',
  })
  .refine((t) => !t.includes('/') || Number(t.split('/')[0]) <= Number(t.split('/')[1]), {
    error: 'n/m needs n <= m',
  })
  .refine((t) => !t.endsWith('%') || Number.parseFloat(t) > 0, { error: 'a percentage must be above 0%' })
  .describe('the part of the data to read: "5%" or "1/10" (the n-th of m slices)');

/** An http(s) URL without credentials in it (those go in headers or secrets). */
export const httpUrlSchema = (description: string, options: { httpsOnlyRemote?: boolean } = {}) =>
  z
    .string()
    .superRefine((text, ctx) => {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not a URL (write it like https://host/path)' });
        return;
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        ctx.addIssue({ code: 'custom', message: `the scheme must be https (or http), not ${url.protocol}` });
      } else if (url.username || url.password) {
        ctx.addIssue({
          code: 'custom',
          message: 'credentials do not belong in a URL: give them as secret references',
        });
      } else if (options.httpsOnlyRemote && url.protocol === 'http:' && !isLoopback(url.hostname)) {
        ctx.addIssue({ code: 'custom', message: 'use https (plain http is allowed only on loopback)' });
      }
    })
    .describe(description);

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** The allowed value closest to `word` if it is a plausible misspelling (edit distance <= 2). */
export function closest(word: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length]!;
}
