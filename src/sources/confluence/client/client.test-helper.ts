// Test helper: clients wired to a running simulator (site Basic by default), a clock whose sleeps pass at once
// (waits in virtual time, so backoff and Retry-After cost no real seconds), and small collectors. It takes the
// simulator's handle structurally, so that only test files import the simulator itself.

import { createHash } from 'node:crypto';
import type { Clock } from '../../../common/clock.ts';
import { ConfluenceClient } from './client.ts';
import type { ConfluenceClientOptions } from './client-options.ts';

/** What the helpers need of a simulator handle. */
export interface SimEndpoints {
  siteUrl: string;
  gatewayUrl: string;
  mediaOrigin: string;
  credentials: { email: string; apiToken: string; scopedToken: string; bearerToken: string };
}

/** A clock on real time plus the virtual time that sleeps added: sleeping returns on the next turn. */
export function instantClock(): Clock & { slept: number } {
  const clock = {
    slept: 0,
    now: () => new Date(Date.now() + clock.slept),
    sleep: (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) return Promise.reject(signal.reason);
      clock.slept += Math.max(0, ms);
      return new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
  return clock;
}

export function siteClient(
  sim: SimEndpoints,
  options: Partial<ConfluenceClientOptions> = {},
): ConfluenceClient {
  return new ConfluenceClient({
    baseUrl: sim.siteUrl,
    auth: { kind: 'basic', email: sim.credentials.email, apiToken: sim.credentials.apiToken },
    mediaHosts: [new URL(sim.mediaOrigin).host],
    clock: instantClock(),
    ...options,
  });
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export async function sha256OfStream(
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), size };
}
