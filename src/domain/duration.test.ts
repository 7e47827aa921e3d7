import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isStepvaultError } from '../common/errors.ts';
import {
  formatCalendarDuration,
  formatElapsedDuration,
  parseCalendarDuration,
  parseElapsedDuration,
} from './duration.ts';

describe('calendar durations', () => {
  it('parse and format years, months, days and hours', () => {
    assert.deepEqual(parseCalendarDuration('1y6m'), { years: 1, months: 6, days: 0, hours: 0 });
    assert.equal(formatCalendarDuration(parseCalendarDuration('2d12h')), '2d12h');
  });
});

describe('elapsed durations', () => {
  it('parse weeks, days, hours, minutes and seconds into milliseconds', () => {
    assert.equal(parseElapsedDuration('8h'), 8 * 3_600_000);
    assert.equal(parseElapsedDuration('1h30min'), 90 * 60_000);
    assert.equal(parseElapsedDuration('7d'), 7 * 86_400_000);
    assert.equal(parseElapsedDuration('1w2d'), 9 * 86_400_000);
    assert.equal(parseElapsedDuration(' 45s '), 45_000);
    assert.equal(parseElapsedDuration('0s'), 0);
  });

  it('refuse "m", which means months in retention durations', () => {
    for (const text of ['30m', '1h30m', '1m2d']) {
      assert.throws(
        () => parseElapsedDuration(text),
        (e) => isStepvaultError(e, 'usage') && /ambiguous/.test(e.message) && /min/.test(e.hint ?? ''),
      );
    }
  });

  it('refuse anything else with a hint', () => {
    for (const text of [
      '',
      'h',
      '8',
      '8 h',
      '1h1h',
      '30min1h',
      '-1h',
      '1.5h',
      '1y',
      '99999999999999999999w',
    ]) {
      assert.throws(
        () => parseElapsedDuration(text),
        (e) => isStepvaultError(e, 'usage'),
        text,
      );
    }
  });

  it('format and parse round-trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400 }), (seconds) => {
        const ms = seconds * 1000;
        assert.equal(parseElapsedDuration(formatElapsedDuration(ms)), ms);
      }),
    );
  });
});
