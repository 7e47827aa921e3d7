// Counting what each tool of the s3 suite asks of the S3 server: every tool talks to the gateway through its own
// fault proxy (test/support/fault-proxy.ts) with faults off, which forwards requests unchanged and counts them by
// kind (PUT, GET, LIST, HEAD, DELETE, POST) with the body bytes they carried, the same way for both tools.

import type { FaultProxyStats, FaultRequest } from '../test/support/fault-proxy.ts';
import { type FaultProxy, startFaultProxy } from '../test/support/fault-proxy.ts';

/** The kinds of request in the order reports show them. */
export const TRAFFIC_KINDS = ['PUT', 'GET', 'LIST', 'HEAD', 'DELETE', 'POST'] as const;

/** What a tool sent and received in one step. */
export interface Traffic {
  requests: number;
  /** Request body bytes (uploads). */
  sentBytes: number;
  /** Response body bytes (downloads and listings). */
  receivedBytes: number;
  /** Requests by kind (a method, or LIST for a listing of a bucket). */
  byKind: Record<string, number>;
}

/** Query parameters of ListObjects (v1 and v2): a bucket-level GET with only these (or none) lists the bucket. */
const LIST_PARAMETERS = new Set([
  'list-type',
  'prefix',
  'delimiter',
  'marker',
  'max-keys',
  'encoding-type',
  'continuation-token',
  'start-after',
  'fetch-owner',
  'x-id',
]);

/**
 * The kind of a path-style S3 request: LIST for a listing of a bucket (GET /bucket?list-type=2…), otherwise its
 * method (a bucket-level GET of a subresource such as `?location` is a GET).
 */
export function classifyS3Request(request: FaultRequest): string {
  if (request.method !== 'GET') return request.method;
  const url = new URL(request.path, 'http://s3');
  const segments = url.pathname.split('/').filter((s) => s !== '');
  if (segments.length !== 1) return 'GET';
  for (const name of url.searchParams.keys()) if (!LIST_PARAMETERS.has(name)) return 'GET';
  return 'LIST';
}

/** The proxy's counters as one step's traffic. */
export function trafficOf(stats: FaultProxyStats): Traffic {
  const traffic: Traffic = { requests: 0, sentBytes: 0, receivedBytes: 0, byKind: {} };
  for (const [kind, count] of Object.entries(stats.traffic)) {
    traffic.requests += count.requests;
    traffic.sentBytes += count.requestBodyBytes;
    traffic.receivedBytes += count.responseBodyBytes;
    traffic.byKind[kind] = count.requests;
  }
  return traffic;
}

/** A counting proxy per tool in front of `upstream` (the gateway's endpoint). */
export async function startCounters(
  upstream: string,
  tools: readonly string[],
): Promise<Map<string, FaultProxy>> {
  const counters = new Map<string, FaultProxy>();
  for (const tool of tools) {
    counters.set(
      tool,
      await startFaultProxy({
        upstream,
        seed: `s3 bench ${tool}`,
        faults: {},
        faultsEnabled: false,
        classify: classifyS3Request,
      }),
    );
  }
  return counters;
}
