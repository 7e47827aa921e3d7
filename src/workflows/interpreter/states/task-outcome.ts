// The Task state, second half. Phase one (when the outcome arrives or a timeout fires) records
// TaskSucceeded/TaskFailed/TaskTimedOut at once; phase two (when the scope runs) applies ResultSelector,
// ResultPath, OutputPath or Output and Assign, or hands the error to Retry/Catch.

import type { State } from '../../asl/definition.ts';
import { queryLanguageOf } from '../../asl/definition.ts';
import { AslError, StatesErrors } from '../../asl/errors.ts';
import { type JsonObject, jsonByteLength, PAYLOAD_LIMIT_BYTES } from '../../asl/json.ts';
import {
  assignJsonata,
  assignJsonPath,
  jsonataField,
  outputPath,
  resultPath,
  resultSelector,
} from '../dataflow.ts';
import { exitState, handleStateError } from '../flow.ts';
import type { ExecutionMachine } from '../machine.ts';
import type { Scope, TaskOutcome, TaskPhase } from '../model.ts';
import { jsonataEnv, pathEnv } from '../scope-env.ts';
import { resourceOf } from './task.ts';

export function recordTaskOutcome(m: ExecutionMachine, scope: Scope, outcome: TaskOutcome): void {
  const phase = scope.phase as TaskPhase;
  const info = resourceOf(m.state(scope));
  if (outcome.ok && jsonByteLength(outcome.output) > PAYLOAD_LIMIT_BYTES) {
    outcome = {
      ok: false,
      error: StatesErrors.DataLimitExceeded,
      cause: `The state/task '${info.resourceType}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    };
  }
  const prefix =
    info.kind === 'lambda-function' ? 'LambdaFunction' : info.kind === 'activity' ? 'Activity' : 'Task';
  const key = (suffix: string) => `${prefix.charAt(0).toLowerCase()}${prefix.slice(1)}${suffix}EventDetails`;
  const base: JsonObject =
    info.kind === 'service' ? { resourceType: info.resourceType, resource: info.resource } : {};
  if (outcome.ok) {
    m.emit(scope, `${prefix}Succeeded`, key('Succeeded'), {
      ...base,
      output: JSON.stringify(outcome.output),
      outputDetails: { truncated: false },
    });
  } else {
    const d: JsonObject = { ...base, error: outcome.error };
    if (outcome.cause !== undefined) d.cause = outcome.cause;
    const type = outcome.timedOut ? 'TimedOut' : 'Failed';
    m.emit(scope, `${prefix}${type}`, key(type), d);
  }
  phase.outcome = outcome;
  m.tokens.delete(phase.token);
  m.touch(scope);
  m.enqueue(scope);
}

/** A task's TimeoutSeconds or HeartbeatSeconds passed: the handler is cancelled and the task times out. */
export function fireTaskTimeout(m: ExecutionMachine, scope: Scope, now: number): void {
  const phase = scope.phase as TaskPhase;
  const heartbeat =
    phase.heartbeatAt !== undefined &&
    phase.heartbeatAt <= now &&
    !(phase.timeoutAt !== undefined && phase.timeoutAt <= now);
  m.command({ kind: 'cancel', token: phase.token, reason: 'timed out' });
  recordTaskOutcome(m, scope, {
    ok: false,
    error: heartbeat ? StatesErrors.HeartbeatTimeout : StatesErrors.Timeout,
    cause: undefined,
    timedOut: true,
  });
}

export async function resumeTask(
  m: ExecutionMachine,
  scope: Scope,
  state: State,
  phase: TaskPhase,
): Promise<void> {
  const outcome = phase.outcome!;
  if (!outcome.ok) {
    await handleStateError(m, scope, state, new AslError(outcome.error, outcome.cause));
    return;
  }
  const result = outcome.output;
  if (queryLanguageOf(state, m.def.queryLanguage) === 'JSONata') {
    const env = jsonataEnv(m, scope, scope.input, { result });
    const output = await jsonataField(state.Output, env, 'Output', result);
    const assign = await assignJsonata(state.Assign, env);
    await exitState(m, scope, state, output, assign);
    return;
  }
  const env = pathEnv(m, scope, scope.input);
  const selected = resultSelector(state, result, env);
  const assign = assignJsonPath(state.Assign, pathEnv(m, scope, selected));
  const output = outputPath(state, resultPath(state.ResultPath, scope.input, selected), env);
  await exitState(m, scope, state, output, assign);
}
