// The Task state, first half: evaluate the parameters and timeouts, record TaskScheduled/TaskStarted (or the
// Lambda/Activity equivalents) and ask the driver to invoke the handler. The outcome is handled in
// task-outcome.ts.

import { createHash } from 'node:crypto';
import type { State } from '../../asl/definition.ts';
import { queryLanguageOf } from '../../asl/definition.ts';
import { AslError, StatesErrors } from '../../asl/errors.ts';
import type { Json, JsonObject } from '../../asl/json.ts';
import { evaluateJsonataTemplate } from '../../asl/jsonata.ts';
import { parseResource, type ResourceInfo } from '../../asl/resource.ts';
import { inputPath, integerAtPath, jsonataField, parameters, requireInteger } from '../dataflow.ts';
import { checkSize } from '../flow.ts';
import type { ExecutionMachine } from '../machine.ts';
import type { Scope, TaskPhase } from '../model.ts';
import { nextUuid } from '../random.ts';
import { jsonataEnv, pathEnv } from '../scope-env.ts';

export function resourceOf(state: State): ResourceInfo {
  const info = parseResource(state.Resource ?? '');
  if (!info)
    throw new AslError(StatesErrors.Runtime, `The Resource '${state.Resource}' is not a valid resource ARN.`);
  return info;
}

export async function runTask(m: ExecutionMachine, scope: Scope, state: State): Promise<void> {
  const info = resourceOf(state);
  const token = nextUuid(m.header.rngState);
  let params: Json;
  let timeout: number | undefined;
  let heartbeat: number | undefined;
  if (queryLanguageOf(state, m.def.queryLanguage) === 'JSONata') {
    const env = jsonataEnv(m, scope, scope.input, { taskToken: token });
    params = await jsonataField(state.Arguments, env, 'Arguments', scope.input);
    timeout = await seconds(state.TimeoutSeconds, env, 'TimeoutSeconds');
    heartbeat = await seconds(state.HeartbeatSeconds, env, 'HeartbeatSeconds');
  } else {
    const effective = inputPath(state, scope.input, pathEnv(m, scope, scope.input));
    const env = pathEnv(m, scope, effective, { taskToken: token });
    params = parameters(state.Parameters, effective, env);
    timeout =
      state.TimeoutSecondsPath !== undefined
        ? integerAtPath(state.TimeoutSecondsPath, env, 'TimeoutSecondsPath', 1)
        : (state.TimeoutSeconds as number | undefined);
    heartbeat =
      state.HeartbeatSecondsPath !== undefined
        ? integerAtPath(state.HeartbeatSecondsPath, env, 'HeartbeatSecondsPath', 1)
        : (state.HeartbeatSeconds as number | undefined);
  }
  checkSize(params, `the parameters of state '${scope.state}'`);
  const attempt = scope.retryCount + 1;
  m.header.taskCalls ??= {};
  const calls = m.header.taskCalls;
  const call = { ofState: calls[scope.state] ?? 0, ofAll: calls['*'] ?? 0 };
  calls[scope.state] = call.ofState + 1;
  calls['*'] = call.ofAll + 1;
  const phase: TaskPhase = {
    kind: 'task',
    token,
    idempotencyKey: idempotencyKey(m, scope),
    attempt,
    call,
    parameters: params,
    timeoutAt: timeout === undefined ? undefined : m.now + timeout * 1000,
    heartbeatAt: heartbeat === undefined ? undefined : m.now + heartbeat * 1000,
    heartbeatSeconds: heartbeat,
  };
  scheduledEvents(m, scope, info, params, timeout, heartbeat);
  scope.phase = phase;
  m.touch(scope);
  m.command({
    kind: 'invoke',
    scopeId: scope.id,
    token,
    stateName: scope.state,
    resource: info.arn,
    parameters: params,
    idempotencyKey: phase.idempotencyKey,
    attempt,
    call,
    waitForTaskToken: info.pattern === 'wait-for-task-token',
  });
}

async function seconds(
  value: unknown,
  env: ReturnType<typeof jsonataEnv>,
  field: string,
): Promise<number | undefined> {
  if (value === undefined) return undefined;
  const v = await evaluateJsonataTemplate(value as Json, env, field);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new AslError(
      StatesErrors.QueryEvaluationError,
      `${field} must be a positive integer, got ${JSON.stringify(v)}.`,
      field,
    );
  }
  return requireInteger(v, field, 1);
}

/** The same for every attempt and every re-delivery of one visit of one state in one execution. */
function idempotencyKey(m: ExecutionMachine, scope: Scope): string {
  return createHash('sha256')
    .update(
      `${m.header.executionArn}\n${scope.id}\n${scope.state}\n${scope.visits}\n${m.header.redriveCount}`,
    )
    .digest('hex')
    .slice(0, 32);
}

function scheduledEvents(
  m: ExecutionMachine,
  scope: Scope,
  info: ResourceInfo,
  params: Json,
  timeout: number | undefined,
  heartbeat: number | undefined,
): void {
  if (info.kind === 'lambda-function') {
    const d: JsonObject = {
      resource: info.arn,
      input: JSON.stringify(params),
      inputDetails: { truncated: false },
    };
    if (timeout !== undefined) d.timeoutInSeconds = timeout;
    m.emit(scope, 'LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', d);
    m.emit(scope, 'LambdaFunctionStarted');
    return;
  }
  if (info.kind === 'activity') {
    const d: JsonObject = {
      resource: info.arn,
      input: JSON.stringify(params),
      inputDetails: { truncated: false },
    };
    if (timeout !== undefined) d.timeoutInSeconds = timeout;
    if (heartbeat !== undefined) d.heartbeatInSeconds = heartbeat;
    m.emit(scope, 'ActivityScheduled', 'activityScheduledEventDetails', d);
    m.emit(scope, 'ActivityStarted', 'activityStartedEventDetails', { workerName: 'stepvault' });
    return;
  }
  const d: JsonObject = {
    resourceType: info.resourceType,
    resource: info.resource,
    region: info.region ?? 'local',
    parameters: JSON.stringify(params),
  };
  if (timeout !== undefined) d.timeoutInSeconds = timeout;
  if (heartbeat !== undefined) d.heartbeatInSeconds = heartbeat;
  m.emit(scope, 'TaskScheduled', 'taskScheduledEventDetails', d);
  m.emit(scope, 'TaskStarted', 'taskStartedEventDetails', {
    resourceType: info.resourceType,
    resource: info.resource,
  });
}
