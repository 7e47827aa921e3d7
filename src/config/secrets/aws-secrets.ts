// Secrets from AWS: a Secrets Manager secret (optionally one key of a JSON secret string) or an SSM Parameter
// Store parameter. The SDK clients are loaded only when such a reference is resolved. Errors name the secret
// and AWS's error, never the value or the rest of a JSON secret.

import { StepvaultError } from '../../common/errors.ts';

export interface AwsSettings {
  /** A different endpoint (a VPC endpoint, or a test server). */
  endpoint?: string;
  /** Explicit credentials; by default the SDK's default chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** The region when a reference names none. @default AWS_REGION / AWS_DEFAULT_REGION */
  region?: string;
  /** Attempts per call, the SDK's retries included. @default 3 */
  maxAttempts?: number;
}

export interface AwsSecretsManagerRef {
  secretId: string;
  region?: string | undefined;
  jsonKey?: string | undefined;
}

export interface SsmParameterRef {
  name: string;
  region?: string | undefined;
  withDecryption: boolean;
}

export async function secretFromSecretsManager(
  ref: AwsSecretsManagerRef,
  settings: AwsSettings,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<string> {
  const what = `the AWS Secrets Manager secret ${ref.secretId}`;
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient(clientConfig(what, ref.region, settings, env));
  try {
    const out = await client
      .send(new GetSecretValueCommand({ SecretId: ref.secretId }), signal ? { abortSignal: signal } : {})
      .catch((e: unknown) => Promise.reject(awsError(what, e)));
    const text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : '');
    const value = ref.jsonKey === undefined ? text : jsonField(what, text, ref.jsonKey);
    if (value === '') throw new StepvaultError('config', `${what} is empty`);
    return value;
  } finally {
    client.destroy();
  }
}

export async function secretFromSsm(
  ref: SsmParameterRef,
  settings: AwsSettings,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<string> {
  const what = `the SSM parameter ${ref.name}`;
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  const client = new SSMClient(clientConfig(what, ref.region, settings, env));
  try {
    const out = await client
      .send(
        new GetParameterCommand({ Name: ref.name, WithDecryption: ref.withDecryption }),
        signal ? { abortSignal: signal } : {},
      )
      .catch((e: unknown) => Promise.reject(awsError(what, e)));
    const value = out.Parameter?.Value ?? '';
    if (value === '') throw new StepvaultError('config', `${what} is empty`);
    return value;
  } finally {
    client.destroy();
  }
}

function clientConfig(
  what: string,
  region: string | undefined,
  settings: AwsSettings,
  env: NodeJS.ProcessEnv,
) {
  const chosen = region ?? settings.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!chosen) {
    throw new StepvaultError('config', `no AWS region for ${what}`, {
      hint: 'give region: in the reference, or set AWS_REGION',
    });
  }
  return {
    region: chosen,
    maxAttempts: settings.maxAttempts ?? 3,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  };
}

function jsonField(what: string, text: string, key: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StepvaultError('config', `${what} is not a JSON object, so it has no key "${key}"`, {
      hint: 'remove jsonKey to use the whole secret string',
    });
  }
  const value =
    typeof parsed === 'object' && parsed !== null && Object.hasOwn(parsed, key)
      ? (parsed as Record<string, unknown>)[key]
      : undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new StepvaultError('config', `${what} has no string key "${key}"`, {
    hint: 'check jsonKey against the keys of the secret',
  });
}

const NOT_RETRYABLE = new Set([
  'ResourceNotFoundException',
  'ParameterNotFound',
  'ParameterVersionNotFound',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'InvalidParameterException',
  'InvalidRequestException',
  'InvalidKeyId',
  'DecryptionFailure',
  'ValidationException',
]);

function awsError(what: string, e: unknown): StepvaultError {
  if (e instanceof StepvaultError) return e;
  const name = (e as { name?: string }).name ?? 'Error';
  if (name === 'AbortError') return new StepvaultError('interrupted', 'interrupted', { cause: e });
  const message = (e as { message?: string }).message ?? '';
  const permanent = NOT_RETRYABLE.has(name);
  return new StepvaultError(
    permanent ? 'config' : 'io',
    `cannot read ${what}: ${name}${message ? `: ${message}` : ''}`,
    {
      retryable: !permanent,
      hint: permanent
        ? 'check the name, the region and that these credentials may read it'
        : 'AWS did not answer; it may work on a later attempt',
    },
  );
}
