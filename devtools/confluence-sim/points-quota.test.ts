// The points quota: a window's points, then 429s whose Retry-After runs to the reset (up to the whole window),
// the quota headers Cloud sends, and a fresh window after the reset.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/common/clock.ts';
import { PointsQuota } from './points-quota.ts';

describe('PointsQuota', () => {
  it('refuses requests once the points are spent, until the window resets', () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 7, 6, 0, 0)); // the first window starts now
    const quota = new PointsQuota({ points: 5 }, clock);
    const first = quota.take();
    assert.equal(first.allowed, true);
    assert.equal(first.headers['ratelimit-policy'], '"global-app-quota";q=5;w=3600');
    assert.equal(
      first.headers.ratelimit,
      '"global-app-quota";t=3600',
      'points left are told only near the limit',
    );
    for (let i = 0; i < 3; i++) assert.equal(quota.take().allowed, true);
    clock.advance(10 * 60_000);
    const last = quota.take();
    assert.equal(last.allowed, true);
    assert.equal(last.headers.ratelimit, '"global-app-quota";r=0;t=3000');
    const refused = quota.take();
    assert.equal(refused.allowed, false);
    assert.equal(refused.headers['retry-after'], '3000', 'Retry-After runs to the reset: 50 minutes');
    assert.equal(refused.headers['ratelimit-reason'], 'confluence-quota-global-based');
    clock.advance(3000 * 1000);
    assert.equal(quota.take().allowed, true, 'a new window has its points again');
  });
});
