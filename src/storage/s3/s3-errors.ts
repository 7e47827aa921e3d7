// What an S3 failure means for the storage contract: the SDK's error names and HTTP statuses, and Node's network
// errors, mapped to StepvaultErrors that say whether trying again may help. Messages name the object and the
// bucket, never credentials.

import { StepvaultError } from '../../common/errors.ts';

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);
const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequests',
  'TooManyRequestsException',
  'ServiceUnavailable',
]);
const CREDENTIALS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
]);

const CREDENTIALS_HINT =
  "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), use an instance or container role, or give secret references under the repository's options in stepvault.yaml";

export function statusOf(e: unknown): number | undefined {
  return (e as SdkError)?.$metadata?.httpStatusCode;
}

export function nameOf(e: unknown): string {
  const err = e as SdkError;
  return err?.name ?? err?.code ?? 'Error';
}

/** True for errors a throttling server sends: the caller should slow down, not only retry. */
export function isThrottling(e: unknown): boolean {
  return THROTTLING.has(nameOf(e)) || statusOf(e) === 503 || statusOf(e) === 429;
}

/** `what` names the operation and object ("PUT data/1a2b…"); `where` the location. */
export function s3Error(e: unknown, what: string, where: string): StepvaultError {
  if (e instanceof StepvaultError) return e;
  const name = nameOf(e);
  const status = statusOf(e);
  const code = (e as SdkError)?.code;
  const detail = `${name}${status ? ` (HTTP ${status})` : ''}`;
  const base = `${what} in ${where} failed: ${detail}`;
  if (name === 'NoSuchBucket') {
    return new StepvaultError('repository-not-found', `the bucket of ${where} does not exist`, {
      hint: 'create the bucket first (with Object Lock enabled if the repository is to be immutable), or check the location',
      cause: e,
    });
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    return new StepvaultError('not-found', `${what}: no such object in ${where}`, { cause: e });
  }
  if (name === 'PreconditionFailed' || status === 412) {
    return new StepvaultError('already-exists', `${what}: the object already exists in ${where}`, {
      hint: 'objects are write-once; an object of this name was written before',
      cause: e,
    });
  }
  if (name === 'CredentialsProviderError') {
    return new StepvaultError('usage', `${what} in ${where}: no AWS credentials were found`, {
      hint: CREDENTIALS_HINT,
      cause: e,
    });
  }
  if (CREDENTIALS.has(name)) {
    return new StepvaultError('io', `${base}: the credentials were refused`, {
      hint: CREDENTIALS_HINT,
      cause: e,
    });
  }
  if (name === 'AccessDenied' || status === 403) {
    return new StepvaultError('io', `${base}: access denied`, {
      hint: 'the credentials in use lack a permission this operation needs (see "Immutable backups" in the README for the policies)',
      cause: e,
    });
  }
  if (name === 'InvalidRange' || status === 416) {
    return new StepvaultError(
      'corrupt',
      `${what}: the range lies beyond the end of the object: it is truncated`,
      {
        hint: 'run `stepvault check --read-data` to see what is affected',
        cause: e,
      },
    );
  }
  if (
    isThrottling(e) ||
    (status !== undefined && status >= 500) ||
    status === 408 ||
    name === 'RequestTimeout' ||
    name === 'TimeoutError' ||
    name === 'RequestTimeTooSkewed' ||
    name === 'ConditionalRequestConflict' ||
    name === 'OperationAborted' ||
    (code !== undefined && NETWORK.has(code)) ||
    NETWORK.has(name) ||
    (e as SdkError)?.$retryable !== undefined
  ) {
    return new StepvaultError('io', base, { retryable: true, cause: e });
  }
  if (status === undefined) {
    // No HTTP answer at all: the connection failed in a way Node did not classify; trying again may help.
    const message = (e as SdkError)?.message ?? String(e);
    return new StepvaultError('io', `${base}: ${message}`, { retryable: true, cause: e });
  }
  return new StepvaultError('io', base, { cause: e });
}
