// When a backup rule runs: a 5-field cron expression ("0 3 * * *"), an EventBridge cron expression
// ("cron(0 3 * * ? *)", six fields with ?, L, W, # and a year) or an EventBridge rate ("rate(1 hour)"), in an
// IANA time zone. Cron expressions are evaluated by croner; EventBridge syntax is translated to croner's
// (its weekdays are 1=SUN..7=SAT, "n/step" means "n-max/step", "L" alone in day-of-week is Saturday).
// Pure: callers pass the instants they ask about.
//
// Daylight saving time (croner's rules, as Vixie cron): a fixed time that does not exist (spring forward) runs
// at the first valid time after the gap on the same day; a fixed time that occurs twice (fall back) runs once,
// at its first occurrence; an expression with a wildcard, step, range or list in minutes or hours runs on both
// occurrences of a repeated hour and skips times in a gap. Rates are fixed intervals of elapsed time, counted
// from an anchor (by default the Unix epoch), so daylight saving time does not move them.

import { Cron } from 'croner';
import { StepvaultError } from '../common/errors.ts';

export type ScheduleKind = 'cron' | 'eventbridge-cron' | 'rate';

export interface Schedule {
  readonly expression: string;
  readonly kind: ScheduleKind;
  readonly timeZone: string;
  /** The first run strictly after `after`, or undefined if there is none (e.g. a past year). */
  nextRun(after: Date): Date | undefined;
  /** The first `count` runs strictly after `after`, increasing. */
  nextRuns(after: Date, count: number): Date[];
  /** The runs in (from, to], increasing, at most `limit` of them (the earliest). */
  runsBetween(from: Date, to: Date, limit?: number): Date[];
}

export interface ScheduleOptions {
  /** Where rate intervals are counted from. @default the Unix epoch */
  rateAnchor?: Date;
}

const EXAMPLES = 'e.g. "0 3 * * *", "cron(0 3 * * ? *)", "cron(15 10 ? * MON-FRI *)" or "rate(1 hour)"';
const DEFAULT_LIMIT = 10_000;

/** Parses a schedule expression; throws a usage error that says what is wrong and shows valid forms. */
export function parseSchedule(expression: string, timeZone = 'UTC', options: ScheduleOptions = {}): Schedule {
  if (!isValidTimeZone(timeZone)) {
    throw new StepvaultError('usage', `"${timeZone}" is not an IANA time zone`, {
      hint: 'use a name like UTC, Europe/Berlin or America/New_York',
    });
  }
  const text = expression.trim();
  const rate = /^rate\((.*)\)$/i.exec(text);
  if (rate) return rateSchedule(expression, rate[1]!, timeZone, options.rateAnchor ?? new Date(0));
  const aws = /^cron\((.*)\)$/i.exec(text);
  if (aws)
    return cronSchedule(expression, 'eventbridge-cron', translateEventBridge(expression, aws[1]!), timeZone);
  if (/^(rate|cron)\b/i.test(text)) invalid(expression, 'unbalanced parentheses');
  const fields = text.split(/\s+/);
  if (!text.startsWith('@') && fields.length !== 5) {
    invalid(
      expression,
      fields.length === 6
        ? "a cron expression has 5 fields (minute hour day-of-month month day-of-week); EventBridge's six-field form is written cron(...)"
        : `a cron expression has 5 fields (minute hour day-of-month month day-of-week), this one has ${fields.length}`,
    );
  }
  return cronSchedule(
    expression,
    'cron',
    { pattern: text, mode: '5-part', alternativeWeekdays: false },
    timeZone,
  );
}

export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '' || timeZone !== timeZone.trim()) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The run to catch up after a pause (a daemon that was down): the latest run in (since, now] that is still
 * inside its start window (now - run <= startWindowMs), or undefined. At most one per rule, by construction.
 */
export function catchUpRun(
  schedule: Schedule,
  request: { since: Date; now: Date; startWindowMs: number },
): Date | undefined {
  const earliest = Math.max(request.since.getTime(), request.now.getTime() - request.startWindowMs - 1);
  if (earliest >= request.now.getTime()) return undefined;
  const runs = schedule.runsBetween(new Date(earliest), request.now, Number.MAX_SAFE_INTEGER);
  return runs.at(-1);
}

function invalid(expression: string, reason: string): never {
  throw new StepvaultError('usage', `invalid schedule "${expression}": ${reason}`, { hint: EXAMPLES });
}

interface CronerPattern {
  pattern: string;
  mode: '5-part' | '7-part';
  alternativeWeekdays: boolean;
}

function cronSchedule(expression: string, kind: ScheduleKind, p: CronerPattern, timeZone: string): Schedule {
  let cron: Cron;
  try {
    cron = new Cron(p.pattern, {
      paused: true,
      timezone: timeZone,
      mode: p.mode,
      alternativeWeekdays: p.alternativeWeekdays,
    });
  } catch (e) {
    invalid(expression, (e as Error).message.replace(/^CronPattern: /, ''));
  }
  const next = (after: Date): Date | undefined => cron.nextRun(after) ?? undefined;
  const schedule = withRunHelpers(expression, kind, timeZone, next);
  if (schedule.nextRun(new Date(0)) === undefined) invalid(expression, 'it never runs');
  return schedule;
}

function rateSchedule(expression: string, body: string, timeZone: string, anchor: Date): Schedule {
  const match = /^\s*(\d+)\s+(minutes?|hours?|days?)\s*$/i.exec(body);
  if (!match) invalid(expression, 'a rate is "rate(VALUE UNIT)" with UNIT minute(s), hour(s) or day(s)');
  const value = Number(match[1]);
  if (value < 1 || !Number.isSafeInteger(value))
    invalid(expression, 'the rate value must be a positive whole number');
  const unit = match[2]!.toLowerCase().replace(/s$/, '');
  const period =
    value * { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[unit as 'minute' | 'hour' | 'day'];
  if (!Number.isSafeInteger(period)) invalid(expression, 'the rate is too long');
  const origin = anchor.getTime();
  const next = (after: Date): Date => {
    const k = Math.floor((after.getTime() - origin) / period) + 1;
    return new Date(origin + k * period);
  };
  return withRunHelpers(expression, 'rate', timeZone, next);
}

function withRunHelpers(
  expression: string,
  kind: ScheduleKind,
  timeZone: string,
  next: (after: Date) => Date | undefined,
): Schedule {
  return {
    expression,
    kind,
    timeZone,
    nextRun: next,
    nextRuns(after, count) {
      return collectRuns(next, after, count, () => true);
    },
    runsBetween(from, to, limit = DEFAULT_LIMIT) {
      return collectRuns(next, from, limit, (run) => run <= to);
    },
  };
}

function collectRuns(
  next: (after: Date) => Date | undefined,
  after: Date,
  limit: number,
  wanted: (run: Date) => boolean,
): Date[] {
  const runs: Date[] = [];
  let run = runs.length < limit ? next(after) : undefined;
  while (run !== undefined && wanted(run)) {
    runs.push(run);
    run = runs.length < limit ? next(run) : undefined;
  }
  return runs;
}

const EVENTBRIDGE_FIELDS = ['minutes', 'hours', 'day-of-month', 'month', 'day-of-week', 'year'] as const;
/** What each EventBridge field allows, and the largest value (for "n/step"). */
const FIELD_RULES: { chars: RegExp; max: number }[] = [
  { chars: /^[\d,\-*/]+$/, max: 59 },
  { chars: /^[\d,\-*/]+$/, max: 23 },
  { chars: /^(?:\?|[\d,\-*/LW]+)$/, max: 31 },
  { chars: /^(?:[\d,\-*/]|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)+$/i, max: 12 },
  { chars: /^(?:\?|(?:[\d,\-*L#]|SUN|MON|TUE|WED|THU|FRI|SAT)+)$/i, max: 7 },
  { chars: /^[\d,\-*/]+$/, max: 2199 },
];

/** EventBridge's cron(min hour dom month dow year) as a croner 7-part pattern with Quartz weekdays. */
function translateEventBridge(expression: string, body: string): CronerPattern {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    invalid(
      expression,
      `an EventBridge cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one has ${fields.length}`,
    );
  }
  fields.forEach((field, i) => {
    if (!FIELD_RULES[i]!.chars.test(field)) {
      invalid(expression, `"${field}" is not allowed in the ${EVENTBRIDGE_FIELDS[i]} field`);
    }
  });
  const [minute, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    invalid(expression, 'exactly one of day-of-month and day-of-week must be "?" (EventBridge rule)');
  }
  if (dow !== '?') {
    for (const n of dow.match(/\d+/g) ?? []) {
      const isNth = new RegExp(`#${n}(?!\\d)`).test(dow);
      if (!isNth && (Number(n) < 1 || Number(n) > 7)) {
        invalid(expression, `day-of-week ${n} is out of range: EventBridge numbers days 1 (SUN) to 7 (SAT)`);
      }
    }
  }
  for (const n of year.match(/\d+/g) ?? []) {
    if (!year.includes(`/${n}`) && (Number(n) < 1970 || Number(n) > 2199)) {
      invalid(expression, `year ${n} is out of range 1970-2199`);
    }
  }
  const stepFrom = (field: string, max: number) =>
    field
      .split(',')
      .map((part) => part.replace(/^(\d+)\/(\d+)$/, `$1-${max}/$2`))
      .join(',');
  const weekday = dow === 'L' ? '7' : dow.replace(/^(\d)L$/, '$1#L');
  const parts = [
    '0',
    stepFrom(minute, 59),
    stepFrom(hour, 23),
    stepFrom(dom, 31),
    stepFrom(month, 12),
    weekday,
    stepFrom(year, 2199),
  ];
  return { pattern: parts.join(' '), mode: '7-part', alternativeWeekdays: true };
}
