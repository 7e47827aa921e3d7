import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseCalendarDuration } from './duration.ts';
import { applyRetention, type Dated, isoWeek, type RetentionPolicy } from './retention.ts';

const at = (iso: string, tags: string[] = []): Dated => {
  const time = new Date(iso).toISOString();
  return { id: time, time, tags };
};
const kept = (snaps: Dated[], policy: RetentionPolicy) =>
  applyRetention(snaps, policy, 'UTC')
    .keep.map((k) => k.snapshot.id)
    .sort();

describe('retention policy', () => {
  const hourly = Array.from({ length: 72 }, (_, i) =>
    at(new Date(Date.UTC(2026, 0, 1, 0, 30) + i * 3_600_000).toISOString()),
  );

  it('keeps the newest N with keep-last', () => {
    assert.deepEqual(
      kept(hourly, { last: 3 }),
      hourly
        .slice(-3)
        .map((s) => s.id)
        .sort(),
    );
  });

  it('keeps the newest snapshot of each of the last N days', () => {
    assert.deepEqual(kept(hourly, { daily: 2 }), ['2026-01-02T23:30:00.000Z', '2026-01-03T23:30:00.000Z']);
  });

  it('keeps ISO weeks, months and years', () => {
    const snaps = [
      at('2025-12-29T10:00:00Z'),
      at('2026-01-04T10:00:00Z'),
      at('2026-01-05T10:00:00Z'),
      at('2026-02-01T00:00:00Z'),
    ];
    assert.equal(isoWeek(2025, 12, 29), '2026-W01');
    // 2026-01-05 is a Monday: it opens ISO week 2, so week 1's newest is the Sunday before.
    assert.deepEqual(kept(snaps, { weekly: 2 }), ['2026-01-05T10:00:00.000Z', '2026-02-01T00:00:00.000Z']);
    assert.deepEqual(kept(snaps, { weekly: 3 }), [
      '2026-01-04T10:00:00.000Z',
      '2026-01-05T10:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
    ]);
    assert.deepEqual(kept(snaps, { monthly: 2 }), ['2026-01-05T10:00:00.000Z', '2026-02-01T00:00:00.000Z']);
    assert.deepEqual(kept(snaps, { yearly: 5 }), ['2025-12-29T10:00:00.000Z', '2026-02-01T00:00:00.000Z']);
  });

  it('uses the given time zone for calendar buckets', () => {
    const snaps = [at('2026-03-01T23:30:00Z'), at('2026-03-02T00:30:00Z')];
    assert.equal(applyRetention(snaps, { daily: 5 }, 'UTC').keep.length, 2);
    assert.equal(applyRetention(snaps, { daily: 5 }, 'Europe/Berlin').keep.length, 1);
  });

  it('keeps everything within a duration of the newest snapshot, not of now', () => {
    const within = parseCalendarDuration('1d');
    assert.equal(kept(hourly, { within }).length, 25);
  });

  it('keeps tagged snapshots and treats -1 as unlimited', () => {
    const snaps = [
      at('2026-01-01T00:00:00Z', ['keep']),
      at('2026-01-02T00:00:00Z'),
      at('2026-01-03T00:00:00Z'),
    ];
    assert.deepEqual(kept(snaps, { last: 1, tags: ['keep'] }), [
      '2026-01-01T00:00:00.000Z',
      '2026-01-03T00:00:00.000Z',
    ]);
    assert.equal(kept(hourly, { daily: -1 }).length, 3);
  });

  it('partitions the input, keeps at most the sum of its counts, and always keeps the newest', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }),
          { minLength: 1, maxLength: 60, selector: (d) => d.getTime() },
        ),
        fc.record({
          last: fc.nat(5),
          hourly: fc.nat(5),
          daily: fc.nat(5),
          weekly: fc.nat(5),
          monthly: fc.nat(5),
          yearly: fc.nat(5),
        }),
        (dates, policy) => {
          const snaps = dates.map((d) => at(d.toISOString()));
          const decision = applyRetention(snaps, policy, 'UTC');
          assert.equal(decision.keep.length + decision.remove.length, snaps.length);
          const limit =
            policy.last + policy.hourly + policy.daily + policy.weekly + policy.monthly + policy.yearly;
          assert.ok(decision.keep.length <= limit);
          if (limit > 0) {
            const newest = [...snaps].sort((a, b) => b.time.localeCompare(a.time))[0]!;
            assert.ok(decision.keep.some((k) => k.snapshot.id === newest.id));
          }
        },
      ),
    );
  });

  it('rejects invalid counts and durations', () => {
    assert.throws(() => applyRetention(hourly, { last: -2 }), /whole number/);
    assert.throws(() => parseCalendarDuration('3 days'), /invalid duration/);
    assert.deepEqual(parseCalendarDuration('1y2m3d4h'), { years: 1, months: 2, days: 3, hours: 4 });
  });
});
