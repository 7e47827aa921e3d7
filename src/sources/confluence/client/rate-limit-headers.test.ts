// Reading the points-quota headers of Confluence Cloud, prefixed or not.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readQuotaHeaders } from './rate-limit-headers.ts';

describe('readQuotaHeaders', () => {
  it('reads remaining points, reset, policy and reason', () => {
    const headers = new Headers({
      'beta-ratelimit': '"global-app-quota";r=11000;t=600',
      'beta-ratelimit-policy': '"global-app-quota";q=65000;w=3600',
      'ratelimit-reason': 'confluence-quota-global-based',
    });
    assert.deepEqual(readQuotaHeaders(headers), {
      policy: 'global-app-quota',
      remaining: 11000,
      resetSeconds: 600,
      quota: 65000,
      windowSeconds: 3600,
      reason: 'confluence-quota-global-based',
    });
  });

  it('picks the pool closest to its limit, and says nothing without headers', () => {
    const headers = new Headers({
      ratelimit: '"global-app-quota";r=500;t=60, "tenant-app-quota";r=20;t=60',
      'ratelimit-policy': '"global-app-quota";q=65000;w=3600, "tenant-app-quota";q=100000;w=3600',
    });
    assert.equal(readQuotaHeaders(headers)?.policy, 'tenant-app-quota');
    assert.equal(readQuotaHeaders(headers)?.remaining, 20);
    assert.equal(readQuotaHeaders(new Headers({ 'x-ratelimit-limit': '10' })), undefined);
  });
});
