import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isStepvaultError } from '../common/errors.ts';
import { catchUpRun, isValidTimeZone, parseSchedule } from './schedule.ts';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const at = (text: string) => new Date(text);

describe('cron schedules', () => {
  it('run at the given minute and hour in the time zone', () => {
    const s = parseSchedule('0 3 * * *', 'Europe/Berlin');
    assert.equal(s.kind, 'cron');
    assert.deepEqual(iso(s.nextRuns(at('2025-01-10T12:00:00Z'), 2)), [
      '2025-01-11T02:00:00.000Z',
      '2025-01-12T02:00:00.000Z',
    ]);
  });

  it('return runs strictly after the given instant', () => {
    const s = parseSchedule('0 3 * * *');
    assert.equal(s.nextRun(at('2025-01-01T03:00:00.000Z'))?.toISOString(), '2025-01-02T03:00:00.000Z');
    assert.equal(s.nextRun(at('2025-01-01T02:59:59.999Z'))?.toISOString(), '2025-01-01T03:00:00.000Z');
    assert.equal(s.nextRun(at('2025-01-01T03:00:00.500Z'))?.toISOString(), '2025-01-02T03:00:00.000Z');
  });

  it('use cron weekday numbers (0 and 7 are Sunday) and day-of-month OR day-of-week', () => {
    const mondays = parseSchedule('0 10 * * 1');
    assert.deepEqual(iso(mondays.nextRuns(at('2025-01-01T00:00:00Z'), 2)), [
      '2025-01-06T10:00:00.000Z',
      '2025-01-13T10:00:00.000Z',
    ]);
    assert.deepEqual(
      iso(parseSchedule('0 10 * * 0').nextRuns(at('2025-01-01T00:00:00Z'), 2)),
      iso(parseSchedule('0 10 * * 7').nextRuns(at('2025-01-01T00:00:00Z'), 2)),
    );
    assert.deepEqual(iso(parseSchedule('0 10 1 * 1').nextRuns(at('2025-01-01T00:00:00Z'), 2)), [
      '2025-01-01T10:00:00.000Z',
      '2025-01-06T10:00:00.000Z',
    ]);
  });

  it('move a fixed time out of the spring-forward gap and run it once in the repeated hour', () => {
    // Europe/Berlin: 2025-03-30 02:00 -> 03:00; 2025-10-26 03:00 -> 02:00.
    const s = parseSchedule('30 2 * * *', 'Europe/Berlin');
    assert.deepEqual(iso(s.nextRuns(at('2025-03-29T00:00:00Z'), 3)), [
      '2025-03-29T01:30:00.000Z',
      '2025-03-30T01:00:00.000Z', // 03:00 CEST, right after the gap
      '2025-03-31T00:30:00.000Z',
    ]);
    assert.deepEqual(iso(s.nextRuns(at('2025-10-25T00:00:00Z'), 3)), [
      '2025-10-25T00:30:00.000Z',
      '2025-10-26T00:30:00.000Z', // the first 02:30 (CEST) only
      '2025-10-27T01:30:00.000Z',
    ]);
  });

  it('run an interval expression in both occurrences of a repeated hour', () => {
    const s = parseSchedule('0,30 2 * * *', 'Europe/Berlin');
    assert.deepEqual(iso(s.runsBetween(at('2025-10-25T23:59:00Z'), at('2025-10-26T03:00:00Z'))), [
      '2025-10-26T00:00:00.000Z',
      '2025-10-26T00:30:00.000Z',
      '2025-10-26T01:00:00.000Z',
      '2025-10-26T01:30:00.000Z',
    ]);
  });

  it('refuse bad expressions with the reason and examples', () => {
    const cases: [string, RegExp][] = [
      ['0 3 * *', /5 fields/],
      ['0 0 3 * * *', /cron\(\.\.\.\)/],
      ['61 3 * * *', /minute/i],
      ['0 0 30 2 *', /never runs/],
      ['cron(0 3 * * ?', /parentheses/],
      ['every day', /5 fields/],
    ];
    for (const [text, reason] of cases) {
      assert.throws(
        () => parseSchedule(text),
        (e) => isStepvaultError(e, 'usage') && reason.test(e.message) && /rate\(1 hour\)/.test(e.hint ?? ''),
        text,
      );
    }
  });

  it('refuse unknown time zones', () => {
    assert.ok(isValidTimeZone('UTC') && isValidTimeZone('America/New_York'));
    assert.ok(!isValidTimeZone('Mars/Olympus') && !isValidTimeZone('') && !isValidTimeZone(' UTC'));
    assert.throws(() => parseSchedule('0 3 * * *', 'Europe/Pariss'), /IANA time zone/);
  });
});

describe('EventBridge cron schedules', () => {
  const from = at('2025-01-01T00:00:00Z');
  const same = (aws: string, cron: string, tz = 'UTC') =>
    assert.deepEqual(
      iso(parseSchedule(aws, tz).nextRuns(from, 8)),
      iso(parseSchedule(cron, tz).nextRuns(from, 8)),
      `${aws} vs ${cron}`,
    );

  it('mean the same as the equivalent 5-field expressions, with weekdays 1=SUN..7=SAT', () => {
    same('cron(0 3 * * ? *)', '0 3 * * *');
    same('cron(15 10 ? * MON-FRI *)', '15 10 * * 1-5');
    same('cron(15 10 ? * 2-6 *)', '15 10 * * 1-5');
    same('cron(0 12 ? * 1 *)', '0 12 * * 0');
    same('cron(0 12 ? * 7 *)', '0 12 * * 6');
    same('cron(0/15 * * * ? *)', '*/15 * * * *');
    same('cron(5/20 8-9 * * ? *)', '5-59/20 8-9 * * *');
    same('cron(0 18 L * ? *)', '0 18 L * *');
    same('cron(0 9 1,15 * ? *)', '0 9 1,15 * *', 'Asia/Tokyo');
    assert.equal(parseSchedule('cron(0 3 * * ? *)').kind, 'eventbridge-cron');
  });

  it('support L, W and # in the day fields', () => {
    const runs = (text: string) => iso(parseSchedule(text).nextRuns(from, 2));
    assert.deepEqual(runs('cron(0 10 ? * 6#3 *)'), ['2025-01-17T10:00:00.000Z', '2025-02-21T10:00:00.000Z']); // third Friday
    assert.deepEqual(runs('cron(0 10 ? * 6L *)'), ['2025-01-31T10:00:00.000Z', '2025-02-28T10:00:00.000Z']); // last Friday
    assert.deepEqual(runs('cron(0 10 ? * L *)'), ['2025-01-04T10:00:00.000Z', '2025-01-11T10:00:00.000Z']); // Saturdays
    assert.deepEqual(runs('cron(0 10 15W * ? *)'), ['2025-01-15T10:00:00.000Z', '2025-02-14T10:00:00.000Z']);
    assert.deepEqual(runs('cron(0 10 L * ? *)'), ['2025-01-31T10:00:00.000Z', '2025-02-28T10:00:00.000Z']);
  });

  it('honour the year field', () => {
    assert.deepEqual(iso(parseSchedule('cron(0 10 1 1 ? 2027-2028)').nextRuns(from, 3)), [
      '2027-01-01T10:00:00.000Z',
      '2028-01-01T10:00:00.000Z',
    ]);
  });

  it('refuse what EventBridge refuses', () => {
    const cases: [string, RegExp][] = [
      ['cron(0 3 * * *)', /6 fields/],
      ['cron(0 3 * * * *)', /exactly one of day-of-month and day-of-week/],
      ['cron(0 3 ? * ? *)', /exactly one/],
      ['cron(0 3 ? * 0 *)', /1 \(SUN\) to 7 \(SAT\)/],
      ['cron(0 3 ? * 8 *)', /out of range/],
      ['cron(0 3 * * ? 1969)', /1970-2199/],
      ['cron(0 3 L * ? x)', /not allowed in the year field/],
      ['cron(0 3 ? * MON#6 *)', /./],
    ];
    for (const [text, reason] of cases) {
      assert.throws(
        () => parseSchedule(text),
        (e) => isStepvaultError(e, 'usage') && reason.test(e.message),
        text,
      );
    }
  });
});

describe('rate schedules', () => {
  it('run at fixed intervals from the anchor', () => {
    const s = parseSchedule('rate(1 hour)');
    assert.equal(s.kind, 'rate');
    assert.deepEqual(iso(s.nextRuns(at('2025-01-01T10:20:00Z'), 2)), [
      '2025-01-01T11:00:00.000Z',
      '2025-01-01T12:00:00.000Z',
    ]);
    const anchored = parseSchedule('rate(15 minutes)', 'UTC', { rateAnchor: at('2025-01-01T00:05:00Z') });
    assert.equal(anchored.nextRun(at('2025-01-01T00:05:00Z'))?.toISOString(), '2025-01-01T00:20:00.000Z');
    assert.equal(
      parseSchedule('rate(2 days)').nextRun(at('1970-01-01T00:00:00Z'))?.toISOString(),
      '1970-01-03T00:00:00.000Z',
    );
  });

  it('refuse bad rates', () => {
    for (const text of ['rate(0 hours)', 'rate(1 week)', 'rate(hour)', 'rate(1.5 hours)', 'rate()']) {
      assert.throws(
        () => parseSchedule(text),
        (e) => isStepvaultError(e, 'usage'),
        text,
      );
    }
  });

  it('are periodic (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.constantFrom('minute', 'hour', 'day'),
        fc.date({ min: at('1990-01-01T00:00:00Z'), max: at('2090-01-01T00:00:00Z'), noInvalidDate: true }),
        (n, unit, after) => {
          const s = parseSchedule(`rate(${n} ${unit}${n > 1 ? 's' : ''})`);
          const runs = s.nextRuns(after, 5).map((d) => d.getTime());
          const period = n * { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[unit];
          assert.ok(runs[0]! > after.getTime() && runs[0]! - after.getTime() <= period);
          for (let i = 1; i < runs.length; i++) assert.equal(runs[i]! - runs[i - 1]!, period);
        },
      ),
    );
  });
});

describe('schedule properties', () => {
  const minute = fc.constantFrom('0', '*', '*/15', '5,35', '10-20/5', '59');
  const hour = fc.constantFrom('*', '0', '2', '3', '1-3', '*/6', '23');
  const dom = fc.constantFrom('*', '1', '15', 'L', '28-31');
  const month = fc.constantFrom('*', '1', '3', '10-11', 'JAN,JUL');
  const dow = fc.constantFrom('*', '0', '1-5', 'SUN', '5#2');
  const zones = fc.constantFrom(
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'Australia/Lord_Howe',
    'Asia/Kolkata',
  );
  const expression = fc.oneof(
    fc.tuple(minute, hour, dom, month, dow).map((f) => f.join(' ')),
    fc
      .tuple(minute, hour, month, fc.constantFrom('*', '2-6', 'MON', '6#3', '6L', 'L'))
      .map(([mi, h, mo, d]) => `cron(${mi} ${h} ? ${mo} ${d} *)`),
    fc
      .tuple(fc.integer({ min: 1, max: 90 }), fc.constantFrom('minutes', 'hours', 'days'))
      .map(([n, u]) => `rate(${n} ${u})`),
  );
  const instant = fc.date({
    min: at('2000-01-01T00:00:00Z'),
    max: at('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  });

  it('next runs are strictly after the instant and strictly increasing', () => {
    fc.assert(
      fc.property(expression, zones, instant, (text, tz, after) => {
        const runs = parseSchedule(text, tz).nextRuns(after, 6);
        assert.ok(runs.length > 0, text);
        assert.ok(runs[0]! > after, `${text} ${tz}: ${runs[0]!.toISOString()} <= ${after.toISOString()}`);
        for (let i = 1; i < runs.length; i++) assert.ok(runs[i]! > runs[i - 1]!, `${text} ${tz}`);
      }),
      { numRuns: 300 },
    );
  });

  it('runsBetween agrees with nextRuns and stays inside (from, to]', () => {
    fc.assert(
      fc.property(
        expression,
        zones,
        instant,
        fc.integer({ min: 0, max: 40 * 86_400_000 }),
        (text, tz, from, span) => {
          const s = parseSchedule(text, tz);
          const to = new Date(from.getTime() + span);
          const between = s.runsBetween(from, to, 50);
          const next = s.nextRuns(from, between.length + 1);
          assert.deepEqual(iso(between), iso(next.slice(0, between.length)));
          if (between.length < 50) assert.ok(next.length === between.length || next[between.length]! > to);
          for (const run of between) assert.ok(run > from && run <= to);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('catch-up after a pause', () => {
  const daily = parseSchedule('0 3 * * *');
  const hourWindow = 3_600_000;

  it('is the latest missed run while its start window is open', () => {
    const run = catchUpRun(daily, {
      since: at('2025-01-01T00:00:00Z'),
      now: at('2025-01-03T03:40:00Z'),
      startWindowMs: hourWindow,
    });
    assert.equal(run?.toISOString(), '2025-01-03T03:00:00.000Z');
  });

  it('is nothing once the window has closed, or when no run was missed', () => {
    const late = {
      since: at('2025-01-01T00:00:00Z'),
      now: at('2025-01-03T04:00:01Z'),
      startWindowMs: hourWindow,
    };
    assert.equal(catchUpRun(daily, late), undefined);
    const early = {
      since: at('2025-01-03T03:00:00Z'),
      now: at('2025-01-03T03:30:00Z'),
      startWindowMs: hourWindow,
    };
    assert.equal(catchUpRun(daily, early), undefined);
  });

  it('includes a run exactly at the window edge and one exactly at now', () => {
    const since = at('2025-01-01T00:00:00Z');
    assert.ok(catchUpRun(daily, { since, now: at('2025-01-03T04:00:00Z'), startWindowMs: hourWindow }));
    assert.ok(catchUpRun(daily, { since, now: at('2025-01-03T03:00:00Z'), startWindowMs: 0 }));
  });

  it('returns one run however many were missed', () => {
    const every5 = parseSchedule('rate(5 minutes)');
    const run = catchUpRun(every5, {
      since: at('2025-01-01T00:00:00Z'),
      now: at('2025-01-01T02:07:00Z'),
      startWindowMs: 8 * hourWindow,
    });
    assert.equal(run?.toISOString(), '2025-01-01T02:05:00.000Z');
  });
});
