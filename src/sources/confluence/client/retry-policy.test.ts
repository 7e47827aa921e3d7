// Backoff stays within its jitter band and caps; Retry-After is read as seconds or as an HTTP date.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { backoffMs, DEFAULT_RETRY, retryAfterMs } from './retry-policy.ts';

describe('retry policy', () => {
  it('doubles from the base with x0.7-1.3 jitter and never exceeds the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (attempt, r) => {
          const delay = backoffMs(attempt, DEFAULT_RETRY, () => r);
          const nominal = Math.min(DEFAULT_RETRY.maxDelayMs, DEFAULT_RETRY.baseDelayMs * 2 ** (attempt - 1));
          assert.ok(delay <= DEFAULT_RETRY.maxDelayMs);
          assert.ok(delay >= Math.floor(nominal * 0.7) && delay <= Math.ceil(nominal * 1.3));
        },
      ),
    );
  });

  it('reads Retry-After in seconds or as a date, and Beta-Retry-After', () => {
    const now = Date.parse('2026-05-01T10:00:00Z');
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '3' }), now), 3000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Fri, 01 May 2026 10:00:05 GMT' }), now), 5000);
    assert.equal(retryAfterMs(new Headers({ 'beta-retry-after': '2' }), now), 2000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now), undefined);
    assert.equal(retryAfterMs(new Headers(), now), undefined);
  });
});
