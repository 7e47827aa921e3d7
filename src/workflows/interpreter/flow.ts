// How a scope moves through its states: entering a state (StateEntered), leaving it (StateExited, Assign, Next
// or End), errors (Retry with backoff, Catch, or failing the scope), and how scopes end: succeeded, failed or
// aborted, which completes the execution or tells the enclosing Parallel/Map.

import type { Retrier, State } from '../asl/definition.ts';
import { queryLanguageOf } from '../asl/definition.ts';
import { AslError, errorMatches, isTerminalError, StatesErrors } from '../asl/errors.ts';
import { type Json, type JsonObject, jsonByteLength, PAYLOAD_LIMIT_BYTES } from '../asl/json.ts';
import { childFinished } from './children.ts';
import { assignJsonata, assignJsonPath, jsonataField, resultPath } from './dataflow.ts';
import type { ExecutionMachine } from './machine.ts';
import type { Scope } from './model.ts';
import { nextFloat } from './random.ts';
import { jsonataEnv, pathEnv } from './scope-env.ts';
import { runChoice } from './states/choice.ts';
import { runMap } from './states/map.ts';
import { runParallel } from './states/parallel.ts';
import { runFail, runPass, runSucceed } from './states/simple.ts';
import { runTask } from './states/task.ts';
import { resumeTask } from './states/task-outcome.ts';
import { runWait } from './states/wait.ts';

export async function enterState(m: ExecutionMachine, scope: Scope): Promise<void> {
  const state = m.state(scope);
  scope.visits++;
  scope.retryCount = 0;
  scope.retrierAttempts = [];
  scope.enteredTime = m.now;
  if (scope.mapItem && !scope.started) {
    const parent = m.parentOf(scope)!;
    const id = m.emit(parent, 'MapIterationStarted', 'mapIterationStartedEventDetails', {
      index: scope.index,
      name: parent.state,
    });
    scope.lastEventId = id;
    scope.started = true;
  }
  await guard(m, scope, state, async () => {
    scope.enteredEventId = m.emit(scope, `${state.Type}StateEntered`, 'stateEnteredEventDetails', {
      name: scope.state,
      input: JSON.stringify(scope.input),
      inputDetails: { truncated: false },
    });
    checkSize(scope.input, `the input of state '${scope.state}'`);
    await runBody(m, scope, state);
  });
}

/** Continues a scope that was waiting: a retry or Wait timer fired, or a task outcome arrived. */
export async function resumeScope(m: ExecutionMachine, scope: Scope): Promise<void> {
  const state = m.state(scope);
  const p = scope.phase;
  await guard(m, scope, state, async () => {
    if (p.kind === 'run') await runBody(m, scope, state);
    else if (p.kind === 'timer' && p.fired && p.purpose === 'retry') {
      scope.phase = { kind: 'run' };
      await runBody(m, scope, state);
    } else if (p.kind === 'timer' && p.fired) await exitState(m, scope, state, p.output ?? null, p.assign);
    else if (p.kind === 'task' && p.outcome) await resumeTask(m, scope, state, p);
  });
}

async function runBody(m: ExecutionMachine, scope: Scope, state: State): Promise<void> {
  switch (state.Type) {
    case 'Pass':
      return runPass(m, scope, state);
    case 'Succeed':
      return runSucceed(m, scope, state);
    case 'Fail':
      return runFail(m, scope, state);
    case 'Choice':
      return runChoice(m, scope, state);
    case 'Wait':
      return runWait(m, scope, state);
    case 'Task':
      return runTask(m, scope, state);
    case 'Parallel':
      return runParallel(m, scope, state);
    case 'Map':
      return runMap(m, scope, state);
    default:
      throw new AslError(StatesErrors.Runtime, `Unsupported state type '${String(state.Type)}'.`);
  }
}

/** Runs a step of a state and routes any ASL error it raises to Retry/Catch. */
export async function guard(
  m: ExecutionMachine,
  scope: Scope,
  state: State,
  fn: () => Promise<void>,
): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof AslError)) throw e;
    if (scope.status !== 'running' || !m.running) return;
    await handleStateError(m, scope, state, e);
  }
}

export function checkSize(value: Json, what: string): void {
  if (jsonByteLength(value) > PAYLOAD_LIMIT_BYTES) {
    throw new AslError(
      StatesErrors.DataLimitExceeded,
      `The size of ${what} exceeds the maximum number of bytes service limit (${PAYLOAD_LIMIT_BYTES}).`,
    );
  }
}

/** Leaves a state: applies assignments, records StateExited, then goes to `next` (or Next) or ends the scope. */
export async function exitState(
  m: ExecutionMachine,
  scope: Scope,
  state: State,
  output: Json,
  assign: JsonObject | undefined,
  next?: string,
): Promise<void> {
  checkSize(output, `the output of state '${scope.state}'`);
  const details: JsonObject = {
    name: scope.state,
    output: JSON.stringify(output),
    outputDetails: { truncated: false },
  };
  if (assign && Object.keys(assign).length > 0) {
    const assigned: JsonObject = {};
    for (const [k, v] of Object.entries(assign)) {
      checkSize(v, `the variable '${k}'`);
      scope.vars[k] = v;
      assigned[k] = JSON.stringify(v);
    }
    details.assignedVariables = assigned;
    details.assignedVariablesDetails = { truncated: false };
  }
  m.emit(scope, `${state.Type}StateExited`, 'stateExitedEventDetails', details);
  const target = next ?? state.Next;
  if (state.Type === 'Succeed' || target === undefined) {
    await completeScope(m, scope, output);
    return;
  }
  scope.state = target;
  scope.input = output;
  scope.phase = { kind: 'enter' };
  m.touch(scope);
  m.enqueue(scope);
}

export async function handleStateError(
  m: ExecutionMachine,
  scope: Scope,
  state: State,
  err: AslError,
): Promise<void> {
  if (err.location !== undefined) {
    m.emit(scope, 'EvaluationFailed', 'evaluationFailedEventDetails', {
      error: err.error,
      cause: err.cause ?? '',
      location: err.location,
      state: scope.state,
    });
  }
  const cause = isTerminalError(err.error)
    ? `An error occurred while executing the state '${scope.state}' (entered at the event id #${scope.enteredEventId}). ${err.cause ?? ''}`.trim()
    : err.cause;
  if (isTerminalError(err.error)) {
    await failExecution(m, scope, { error: err.error, cause });
    return;
  }
  const retriers =
    state.Type === 'Task' || state.Type === 'Map' || state.Type === 'Parallel' ? (state.Retry ?? []) : [];
  const ri = retriers.findIndex((r) => errorMatches(r.ErrorEquals, err.error));
  if (ri >= 0) {
    const r = retriers[ri]!;
    const attempts = scope.retrierAttempts[ri] ?? 0;
    if (attempts < (r.MaxAttempts ?? 3)) {
      scope.retrierAttempts[ri] = attempts + 1;
      scope.retryCount++;
      scope.phase = { kind: 'timer', purpose: 'retry', dueAt: m.now + backoffMs(r, attempts, m) };
      m.touch(scope);
      return;
    }
  }
  if (state.Type === 'Map' || state.Type === 'Parallel') m.emit(scope, `${state.Type}StateFailed`);
  const catchers =
    state.Type === 'Task' || state.Type === 'Map' || state.Type === 'Parallel' ? (state.Catch ?? []) : [];
  const catcher = catchers.find((c) => errorMatches(c.ErrorEquals, err.error));
  if (catcher) {
    const errorOutput: JsonObject = { Error: err.error, Cause: cause ?? '' };
    let output: Json;
    let assign: JsonObject | undefined;
    if (queryLanguageOf(state, m.def.queryLanguage) === 'JSONata') {
      const env = jsonataEnv(m, scope, scope.input, { errorOutput });
      output = await jsonataField(catcher.Output, env, 'Catch.Output', errorOutput);
      assign = await assignJsonata(catcher.Assign, env);
    } else {
      output = resultPath(catcher.ResultPath, scope.input, errorOutput);
      assign = assignJsonPath(catcher.Assign, pathEnv(m, scope, errorOutput));
    }
    await exitState(m, scope, state, output, assign, catcher.Next);
    return;
  }
  await failScope(m, scope, { error: err.error, cause });
}

function backoffMs(r: Retrier, attempts: number, m: ExecutionMachine): number {
  let seconds = (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** attempts;
  if (r.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, r.MaxDelaySeconds);
  if (r.JitterStrategy === 'FULL') seconds = nextFloat(m.header.rngState) * seconds;
  return Math.round(seconds * 1000);
}

export async function completeScope(m: ExecutionMachine, scope: Scope, output: Json): Promise<void> {
  scope.status = 'succeeded';
  scope.output = output;
  scope.phase = { kind: 'done' };
  m.touch(scope);
  const parent = m.parentOf(scope);
  if (parent) {
    await childFinished(m, parent, scope);
    return;
  }
  m.emit(scope, 'ExecutionSucceeded', 'executionSucceededEventDetails', {
    output: JSON.stringify(output),
    outputDetails: { truncated: false },
  });
  Object.assign(m.header, { status: 'SUCCEEDED', output, stopTime: m.now });
  for (const s of [...m.scopes.values()]) m.deleteScope(s);
  for (const k of [...m.blobs.keys()]) m.deleteBlob(k);
}

export async function failScope(
  m: ExecutionMachine,
  scope: Scope,
  err: { error: string; cause: string | undefined },
): Promise<void> {
  scope.status = 'failed';
  scope.error = err;
  m.touch(scope);
  const parent = m.parentOf(scope);
  if (parent) await childFinished(m, parent, scope);
  else await failExecution(m, scope, err);
}

/** Ends the execution FAILED (or TIMED_OUT); every scope still running is aborted without events. */
export async function failExecution(
  m: ExecutionMachine,
  scope: Scope | null,
  err: { error: string; cause: string | undefined },
  kind: 'failed' | 'timed-out' = 'failed',
): Promise<void> {
  if (!m.running) return;
  for (const s of m.scopes.values()) if (s.parentId === null) abortScope(m, s, false);
  const details: JsonObject = {};
  if (err.error !== '') details.error = err.error;
  if (err.cause !== undefined) details.cause = err.cause;
  if (kind === 'failed') m.emit(scope, 'ExecutionFailed', 'executionFailedEventDetails', details);
  else m.emit(scope, 'ExecutionTimedOut', 'executionTimedOutEventDetails', details);
  Object.assign(m.header, {
    status: kind === 'failed' ? 'FAILED' : 'TIMED_OUT',
    error: err.error,
    cause: err.cause,
    stopTime: m.now,
  });
}

/**
 * Aborts a running scope and everything under it: handlers are cancelled and, with `withEvents`, the
 * StateAborted / MapIterationAborted events are recorded (sibling failures do; StopExecution does not).
 */
export function abortScope(m: ExecutionMachine, scope: Scope, withEvents: boolean): void {
  if (scope.status !== 'running') return;
  const p = scope.phase;
  if (p.kind === 'task' && !p.outcome) {
    m.command({ kind: 'cancel', token: p.token, reason: 'aborted' });
    m.tokens.delete(p.token);
  }
  if (p.kind === 'children') {
    for (const child of m.childrenOf(scope)) {
      if (child.status !== 'running') continue;
      abortScope(m, child, withEvents);
      if (withEvents && p.mode === 'map' && child.started) {
        m.emit(scope, 'MapIterationAborted', 'mapIterationAbortedEventDetails', {
          index: child.index,
          name: scope.state,
        });
      }
    }
    if (p.mode === 'distributed' && p.mapRunArn)
      m.command({ kind: 'cancel', token: p.mapRunArn, reason: 'aborted' });
  }
  if (withEvents && p.kind !== 'enter' && p.kind !== 'done')
    m.emit(scope, `${m.state(scope).Type}StateAborted`);
  scope.status = 'aborted';
  m.touch(scope);
}
