// Step Functions' AWS SDK integrations on the local engine: a Task state whose resource is
// `arn:aws:states:::aws-sdk:SERVICE:ACTION` calls that API through the AWS SDK for JavaScript v3, as Step
// Functions calls it, so that a definition behaves the same here (with credentials) and on AWS. As on AWS: the
// parameters are the API's, in PascalCase (the SDK's own shapes); the result is the API's response (without the
// SDK's `$metadata`; timestamps as ISO 8601 text, binary as base64); an error is named `Service.ErrorName` with an
// `Exception` suffix (`Backup.ResourceNotFoundException`, `S3.NoSuchKeyException`), and nothing is retried but by
// the state's own Retry. A service is available when its SDK client is installed; the table names those this
// installation has, with the service name AWS puts in front of its errors.

import type { Json } from '../../workflows/asl/json.ts';
import type { ResourceInfo } from '../../workflows/asl/resource.ts';
import { type Integration, TaskFailure, type TaskHandler } from '../../workflows/engine/task-registry.ts';

interface Service {
  /** The SDK client's package. */
  load(): Promise<Record<string, unknown>>;
  /** The service's name in error names, PascalCase. */
  errorPrefix: string;
  /**
   * The API's own members are camelCase (Step Functions'): Step Functions takes and gives them in PascalCase all
   * the same, so they are converted on the way in and out.
   */
  camelCase?: true;
}

/** The services whose SDK clients this installation has, by the name Step Functions resources use. */
const SERVICES: Record<string, Service> = {
  backup: { load: () => import('@aws-sdk/client-backup'), errorPrefix: 'Backup' },
  resourcegroupstaggingapi: {
    load: () => import('@aws-sdk/client-resource-groups-tagging-api'),
    errorPrefix: 'ResourceGroupsTaggingApi',
  },
  s3: { load: () => import('@aws-sdk/client-s3'), errorPrefix: 'S3' },
  sfn: { load: () => import('@aws-sdk/client-sfn'), errorPrefix: 'Sfn', camelCase: true },
  sns: { load: () => import('@aws-sdk/client-sns'), errorPrefix: 'Sns' },
  ssm: { load: () => import('@aws-sdk/client-ssm'), errorPrefix: 'Ssm' },
  secretsmanager: { load: () => import('@aws-sdk/client-secrets-manager'), errorPrefix: 'SecretsManager' },
};

type Client = {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<Record<string, unknown>>;
};
type ClientClass = new (config: Record<string, unknown>) => Client;
type CommandClass = new (input: unknown) => unknown;

/** One client per service and process, from the SDK's default chain (credentials, region, endpoint). */
const clients = new Map<string, Promise<{ client: Client; module: Record<string, unknown> }>>();

function clientFor(name: string, service: Service) {
  let entry = clients.get(name);
  if (!entry) {
    entry = service.load().then((module) => {
      const Client = Object.entries(module).find(
        ([key, value]) => key.endsWith('Client') && typeof value === 'function' && key !== '__Client',
      )?.[1] as ClientClass;
      // Step Functions does not retry an integration's call: the state's Retry does
      return { client: new Client({ maxAttempts: 1 }), module };
    });
    clients.set(name, entry);
  }
  return entry;
}

/** The integration for `aws-sdk:` resources (register it with `registry.registerIntegration('aws-sdk:', …)`). */
export const awsSdkIntegration: Integration = (info: ResourceInfo) => {
  const name = info.resourceType.slice('aws-sdk:'.length);
  const service = SERVICES[name];
  if (!service) {
    return {
      unknown: `the AWS SDK integration for '${name}' is not available here (it has ${Object.keys(SERVICES).join(', ')})`,
    };
  }
  if (info.pattern !== 'request-response') {
    return { unknown: `the AWS SDK integrations run here only as request-response, not ${info.pattern}` };
  }
  const action = info.resource;
  const commandName = `${action[0]!.toUpperCase()}${action.slice(1)}Command`;
  const handler: TaskHandler = async (input, ctx) => {
    const { client, module } = await clientFor(name, service);
    const Command = module[commandName] as CommandClass | undefined;
    if (typeof Command !== 'function') {
      throw new TaskFailure('States.Runtime', `the ${name} API has no action '${action}'`);
    }
    let output: Record<string, unknown>;
    try {
      const params = service.camelCase ? renameKeys(input ?? {}, lowerFirst) : (input ?? {});
      output = await client.send(new Command(params), { abortSignal: ctx.signal });
    } catch (e) {
      throw failureOf(service.errorPrefix, e);
    }
    const { $metadata: _, ...result } = output;
    const json = asJson(result);
    return service.camelCase ? renameKeys(json, upperFirst) : json;
  };
  return handler;
};

/** `Service.ErrorName` (with the Exception suffix AWS always adds) and the service's message. */
function failureOf(prefix: string, e: unknown): TaskFailure {
  const err = e as { name?: string; message?: string; $fault?: string };
  const isService = err && typeof err.name === 'string' && err.$fault !== undefined;
  const base = isService ? err.name! : 'SdkClientException';
  const name = base.endsWith('Exception') ? base : `${base}Exception`;
  return new TaskFailure(`${prefix}.${name}`, err?.message ?? String(e));
}

const lowerFirst = (key: string) => key.charAt(0).toLowerCase() + key.slice(1);
const upperFirst = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);

/** `value` with every object key renamed by `rename`, at every depth. */
function renameKeys(value: Json, rename: (key: string) => string): Json {
  if (Array.isArray(value)) return value.map((v) => renameKeys(v, rename));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), renameKeys(v, rename)]));
}

/** An SDK response as JSON: timestamps as ISO 8601, binary as base64, undefined members left out. */
function asJson(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(asJson);
  if (typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = asJson(v);
    return out;
  }
  if (typeof value === 'bigint') return Number(value);
  return value as Json;
}
