// The S3 client a backend uses, configured for what the repository needs: path-style requests to S3-compatible
// endpoints, the region (option, AWS_REGION, or the bucket's own through region redirects), credentials (options,
// or the SDK's default chain), keep-alive connections with timeouts, no retries of the SDK's own (the retrying
// decorator retries, counts and paces every request), no checksums the SDK adds by itself (the backend sets its
// own), and a clock that follows the server's `Date` header.

import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { Secret } from '../../common/secret.ts';
import type { OpenContext } from '../location.ts';
import type { S3Location } from './s3-location.ts';
import { ServerClock } from './server-clock.ts';

/** Connections per client: enough for the backend's request concurrency, with room for stragglers. */
const MAX_SOCKETS = 64;

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
      httpAgent: { keepAlive: true, maxSockets: MAX_SOCKETS },
      httpsAgent: { keepAlive: true, maxSockets: MAX_SOCKETS },
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
