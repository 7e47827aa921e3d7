// The S3 client a backend uses, configured for what the repository needs: path-style requests to S3-compatible
// endpoints, the region (option, AWS_REGION, or the bucket's own through region redirects), credentials (options,
// or the SDK's default chain), keep-alive connections with timeouts, no retries of the SDK's own (the retrying
// decorator retries, counts and paces every request), no checksums the SDK adds by itself (the backend sets its
// own), a clock that follows the server's `Date` header, and connections after whose reads the thread collects
// the socket buffers they leave behind.

import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { type CollectGarbage, exposeGc } from '../../common/heap-budget.ts';
import type { Secret } from '../../common/secret.ts';
import type { OpenContext } from '../location.ts';
import type { S3Location } from './s3-location.ts';
import { ServerClock } from './server-clock.ts';

/** Connections per client: enough for the backend's request concurrency, with room for stragglers. */
const MAX_SOCKETS = 64;

/**
 * Bytes received after which the thread runs a minor collection. Every socket read leaves a buffer behind once its
 * bytes are copied out: garbage outside the V8 heap that is otherwise freed only after the thread's external
 * memory grew by tens of MiB, through full collections of the whole heap (a restore's main thread, whose heap
 * holds the restore plan, made ~60 of them per GB downloaded). Young, the buffers go in a minor collection.
 */
const RECEIVED_GARBAGE_LIMIT = 2 << 20;

let received = 0;
let collect: CollectGarbage | undefined;

function onReceived(chunk: Buffer): void {
  received += chunk.length;
  if (received < RECEIVED_GARBAGE_LIMIT) return;
  received = 0;
  collect ??= exposeGc();
  collect({ type: 'minor' });
}

function collecting(socket: Duplex | null | undefined): Duplex | null | undefined {
  socket?.on('data', onReceived);
  return socket;
}

/** Connections whose received bytes are counted towards a minor collection (see RECEIVED_GARBAGE_LIMIT). */
class CollectingHttpAgent extends http.Agent {
  override createConnection(...args: Parameters<http.Agent['createConnection']>) {
    return collecting(super.createConnection(...args));
  }
}

class CollectingHttpsAgent extends https.Agent {
  override createConnection(...args: Parameters<http.Agent['createConnection']>) {
    return collecting(super.createConnection(...args));
  }
}

export interface ConfiguredClient {
  client: S3Client;
  /** The server's time as of its last answer (retention dates are computed from it, never from the local clock). */
  clock: ServerClock;
}

function secret(value: string | Secret | undefined): string | undefined {
  return value === undefined ? undefined : typeof value === 'string' ? value : value.reveal();
}

export function createS3Client(location: S3Location, context: OpenContext): ConfiguredClient {
  const { options, env } = context;
  const region =
    secret(options.region) ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION ??
    (location.endpoint ? 'us-east-1' : undefined);
  const accessKeyId = secret(options.accessKeyId);
  const secretAccessKey = secret(options.secretAccessKey);
  const sessionToken = secret(options.sessionToken);
  const config: S3ClientConfig = {
    region: region ?? 'us-east-1',
    // Without a configured region, requests go to us-east-1 and follow S3's redirect to the bucket's region.
    followRegionRedirects: region === undefined,
    forcePathStyle: location.endpoint !== undefined,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      httpAgent: new CollectingHttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      httpsAgent: new CollectingHttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      connectionTimeout: 10_000,
      // A connection that sends nothing for this long is given up (and the request retried).
      socketTimeout: 120_000,
    },
  };
  if (location.endpoint) config.endpoint = location.endpoint;
  const profile = secret(options.profile);
  if (profile) config.profile = profile;
  if (accessKeyId && secretAccessKey) {
    config.credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  const client = new S3Client(config);
  const clock = new ServerClock();
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        const result = await next(args);
        clock.observe((result.response as { headers?: Record<string, string> })?.headers?.date);
        return result;
      } catch (e) {
        clock.observe((e as { $response?: { headers?: Record<string, string> } })?.$response?.headers?.date);
        throw e;
      }
    },
    { step: 'deserialize', name: 'stepvaultServerClock', priority: 'low' },
  );
  return { client, clock };
}
