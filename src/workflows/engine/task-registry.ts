// Maps a Task state's Resource to the handler that does the work. A handler is a plain async function
// `(input, context) => output`, the same function an AWS Lambda entry point would wrap. Register it either by
// Resource ARN (its return value is the task result as is) or as a Lambda function by name (reachable through
// `arn:aws:states:::lambda:invoke` with `FunctionName`, whose result is wrapped in the invoke response
// `{ Payload, StatusCode, ExecutedVersion }`, and through plain Lambda function ARNs).

import type { State } from '../asl/definition.ts';
import { isObject, type Json } from '../asl/json.ts';
import { parseResource, type ResourceInfo } from '../asl/resource.ts';

export interface TaskContext {
  /** Aborted when the task times out, the execution stops or a sibling branch fails. */
  signal: AbortSignal;
  /** Tells the engine the task is alive (resets HeartbeatSeconds). */
  heartbeat(): void;
  taskToken: string;
  executionId: string;
  stateName: string;
  resource: string;
  /** 1 for the first attempt, then 2, 3, ... for each Retry. */
  attempt: number;
  /**
   * The same for every attempt and every re-delivery after a crash of one visit of one state: handlers with side
   * effects use it to do their work at most once (tasks run at least once).
   */
  idempotencyKey: string;
}

export type TaskHandler = (input: Json, context: TaskContext) => Promise<Json> | Json;

/** Throw this from a handler to fail the task with a specific ASL error name (matched by Retry/Catch). */
export class TaskFailure extends Error {
  readonly error: string;
  readonly causeText: string | undefined;
  constructor(error: string, cause?: string) {
    super(cause ?? error);
    this.name = 'TaskFailure';
    this.error = error;
    this.causeText = cause;
  }
}

export interface ResolvedHandler {
  invoke(input: Json, context: TaskContext): Promise<Json>;
}

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

/**
 * A family of service integrations served by one adapter (e.g. every `arn:aws:states:::aws-sdk:SERVICE:ACTION`):
 * the handler for one resource, or why the resource cannot be served.
 */
export type Integration = (info: ResourceInfo) => TaskHandler | { unknown: string };

export class TaskRegistry {
  readonly #resources = new Map<string, TaskHandler>();
  readonly #functions = new Map<string, TaskHandler>();
  readonly #integrations = new Map<string, Integration>();

  /** A handler for a Resource ARN (with or without `.sync`/`.waitForTaskToken`: the base ARN covers all). */
  register(resourceArn: string, handler: TaskHandler): this {
    this.#resources.set(resourceArn, handler);
    return this;
  }

  /** A Lambda function, by name. */
  registerFunction(name: string, handler: TaskHandler): this {
    this.#functions.set(name, handler);
    return this;
  }

  /** Serves every service integration whose resource type starts with `prefix` (e.g. `aws-sdk:`). */
  registerIntegration(prefix: string, integration: Integration): this {
    this.#integrations.set(prefix, integration);
    return this;
  }

  #integrationFor(info: ResourceInfo): ReturnType<Integration> | undefined {
    if (info.kind !== 'service') return undefined;
    for (const [prefix, integration] of this.#integrations)
      if (info.resourceType.startsWith(prefix)) return integration(info);
    return undefined;
  }

  resolve(info: ResourceInfo, parameters: Json): ResolvedHandler | undefined {
    const direct = this.#resources.get(info.arn) ?? this.#resources.get(info.baseArn);
    if (direct) return { invoke: async (input, ctx) => direct(input, ctx) };
    const integrated = this.#integrationFor(info);
    if (typeof integrated === 'function') return { invoke: async (input, ctx) => integrated(input, ctx) };
    if (info.kind === 'lambda-function') {
      const fn = this.#functions.get(functionName(info.arn));
      if (fn) return { invoke: async (input, ctx) => callLambda(fn, input, ctx) };
    }
    if (
      info.baseArn === LAMBDA_INVOKE &&
      isObject(parameters) &&
      typeof parameters.FunctionName === 'string'
    ) {
      const fn = this.#functions.get(functionName(parameters.FunctionName));
      if (fn) {
        return {
          invoke: async (input, ctx) => {
            const payload = isObject(input) ? (input.Payload ?? null) : null;
            const result = await callLambda(fn, payload, ctx);
            return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
          },
        };
      }
    }
    return undefined;
  }

  /**
   * Whether a Task state's resource can be served, as far as can be told before running it: `undefined` when
   * it can, else why not.
   */
  whyUnknown(state: State): string | undefined {
    const info = parseResource(state.Resource ?? '');
    if (!info) return `'${state.Resource}' is not a valid Resource ARN`;
    if (this.#resources.has(info.arn) || this.#resources.has(info.baseArn)) return undefined;
    const integrated = this.#integrationFor(info);
    if (integrated) return typeof integrated === 'function' ? undefined : integrated.unknown;
    if (info.kind === 'lambda-function') {
      return this.#functions.has(functionName(info.arn))
        ? undefined
        : `no Lambda function '${functionName(info.arn)}' is registered`;
    }
    if (info.baseArn === LAMBDA_INVOKE) {
      const args = (state.Parameters ?? state.Arguments) as Json | undefined;
      const name = isObject(args) ? args.FunctionName : undefined;
      if (typeof name === 'string' && !name.startsWith('{%')) {
        return this.#functions.has(functionName(name))
          ? undefined
          : `no Lambda function '${functionName(name)}' is registered`;
      }
      return this.#functions.size > 0 ? undefined : 'no Lambda function is registered';
    }
    return `no handler is registered for '${info.arn}'`;
  }

  get size(): number {
    return this.#resources.size + this.#functions.size;
  }
}

/** `name`, `name:alias`, `123456789012:function:name` or a full function ARN -> `name`. */
export function functionName(ref: string): string {
  const m = /(?:^|:)function:([A-Za-z0-9_-]+)/.exec(ref);
  if (m) return m[1]!;
  return ref.split(':')[0]!;
}

async function callLambda(fn: TaskHandler, input: Json, ctx: TaskContext): Promise<Json> {
  try {
    return await fn(input, ctx);
  } catch (e) {
    if (e instanceof TaskFailure) throw e;
    const err = e as Error;
    const errorType = err?.name && err.name !== 'Error' ? err.name : 'Error';
    throw new TaskFailure(errorType, JSON.stringify({ errorMessage: err?.message ?? String(e), errorType }));
  }
}
