// The s3 suite's request counting: path-style S3 requests fall into the kind the report shows them under (a
// bucket listing is LIST, a bucket's subresource or an object is GET), and a proxy's counters add up to a step's
// traffic.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyS3Request, trafficOf } from './s3-traffic.ts';

const kind = (method: string, path: string) => classifyS3Request({ method, path, range: '' });

describe('S3 request kinds', () => {
  it('counts listings of a bucket as LIST, in both versions and with or without a trailing slash', () => {
    assert.equal(kind('GET', '/b?list-type=2&prefix=repo%2Fdata%2F&continuation-token=x'), 'LIST');
    assert.equal(kind('GET', '/b/?delimiter=%2F&max-keys=1000&prefix=snapshots%2F'), 'LIST');
    assert.equal(kind('GET', '/b?marker=k&encoding-type=url'), 'LIST');
    assert.equal(kind('GET', '/b'), 'LIST');
  });

  it('counts objects and bucket subresources as GET, and other methods by name', () => {
    assert.equal(kind('GET', '/b/repo/data/ab/abcdef?x-id=GetObject'), 'GET');
    assert.equal(kind('GET', '/b/data/ab/abcdef'), 'GET');
    assert.equal(kind('GET', '/b?location'), 'GET');
    assert.equal(kind('GET', '/b/?versioning'), 'GET');
    assert.equal(kind('GET', '/b?list-type=2&object-lock'), 'GET');
    assert.equal(kind('PUT', '/b/repo/config'), 'PUT');
    assert.equal(kind('HEAD', '/b'), 'HEAD');
    assert.equal(kind('DELETE', '/b/locks/1'), 'DELETE');
    assert.equal(kind('POST', '/b?delete'), 'POST');
  });
});

describe('step traffic', () => {
  it('sums requests and body bytes over the kinds and keeps each kind’s count', () => {
    const traffic = trafficOf({
      requests: 6,
      forwarded: 6,
      faults: {
        slowDown: 0,
        internalError: 0,
        resetBeforeForward: 0,
        resetDuringResponse: 0,
        truncateBody: 0,
        corruptBody: 0,
      },
      upstreamErrors: 0,
      traffic: {
        PUT: { requests: 2, requestBodyBytes: 3000, responseBodyBytes: 0 },
        GET: { requests: 3, requestBodyBytes: 0, responseBodyBytes: 700 },
        LIST: { requests: 1, requestBodyBytes: 0, responseBodyBytes: 55 },
      },
    });
    assert.deepEqual(traffic, {
      requests: 6,
      sentBytes: 3000,
      receivedBytes: 755,
      byKind: { PUT: 2, GET: 3, LIST: 1 },
    });
  });
});
