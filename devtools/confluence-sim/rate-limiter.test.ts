// The token bucket on a manual clock: the burst passes, the next request is refused with the wait until a
// token returns, tokens come back at the configured rate, and no arrival pattern gets more through than
// burst + rate x time.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../src/common/clock.ts';
import { minimumSeconds, TokenBucket } from './rate-limiter.ts';

test('a full bucket lets the burst through, then refuses until a token returns', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const bucket = new TokenBucket({ requestsPerSecond: 100 }, clock);
  for (let i = 0; i < 100; i++) assert.equal(bucket.take().allowed, true, `request ${i}`);
  const refused = bucket.take();
  assert.equal(refused.allowed, false);
  assert.equal(refused.limit, 100);
  assert.equal(refused.remaining, 0);
  assert.equal(refused.retryAfterMs, 10);
  clock.advance(9);
  assert.equal(bucket.take().allowed, false);
  clock.advance(1);
  const allowed = bucket.take();
  assert.equal(allowed.allowed, true);
  assert.equal(allowed.resetAt, clock.now().getTime() + 1000);
});

test('tokens return at the configured rate and never beyond the burst', () => {
  const clock = new ManualClock(0);
  const bucket = new TokenBucket({ requestsPerSecond: 10, burst: 3 }, clock);
  for (let i = 0; i < 3; i++) bucket.take();
  clock.advance(60_000);
  let passed = 0;
  while (bucket.take().allowed) passed++;
  assert.equal(passed, 3);
});

test('no arrival pattern gets more than burst + rate x elapsed through', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 1, max: 50 }),
      fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 300 }),
      (rate, burst, gaps) => {
        const clock = new ManualClock(0);
        const bucket = new TokenBucket({ requestsPerSecond: rate, burst }, clock);
        let passed = 0;
        for (const gap of gaps) {
          clock.advance(gap);
          if (bucket.take().allowed) passed++;
        }
        const elapsed = clock.now().getTime() / 1000;
        assert.ok(passed <= burst + rate * elapsed + 1e-9, `${passed} > ${burst} + ${rate} x ${elapsed}`);
      },
    ),
  );
});

test('minimumSeconds is the time a full bucket needs for the requests beyond the burst', () => {
  assert.equal(minimumSeconds(100, { requestsPerSecond: 100 }), 0);
  assert.equal(minimumSeconds(10_100, { requestsPerSecond: 100 }), 100);
  assert.equal(minimumSeconds(50, { requestsPerSecond: 10, burst: 20 }), 3);
  // Sending exactly at the rate after the burst achieves that minimum.
  const clock = new ManualClock(0);
  const bucket = new TokenBucket({ requestsPerSecond: 10, burst: 20 }, clock);
  let sent = 0;
  while (sent < 50) {
    if (bucket.take().allowed) sent++;
    else clock.advance(1);
  }
  assert.equal(clock.now().getTime() / 1000, minimumSeconds(50, { requestsPerSecond: 10, burst: 20 }));
});
