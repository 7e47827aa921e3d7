// What Parallel and Map states share: child scopes that report back when they end. A child's result is kept as
// a blob until every child is done; the first failure that the state does not tolerate aborts the siblings and
// fails the state (which its Retry/Catch then handle).

import type { State } from '../asl/definition.ts';
import { queryLanguageOf } from '../asl/definition.ts';
import { AslError, StatesErrors } from '../asl/errors.ts';
import type { Json } from '../asl/json.ts';
import {
  assignJsonata,
  assignJsonPath,
  jsonataField,
  outputPath,
  resultPath,
  resultSelector,
} from './dataflow.ts';
import { abortScope, exitState, guard, handleStateError } from './flow.ts';
import type { ExecutionMachine } from './machine.ts';
import type { ChildrenPhase, Scope } from './model.ts';
import { jsonataEnv, pathEnv } from './scope-env.ts';
import { spawnIterations } from './states/map.ts';

export function resultKey(parent: Scope, index: number): string {
  return `${parent.id}:r:${index}`;
}

/** Removes a state's child scopes (recursively) and its blobs: before a retry, after success or a catch. */
export function clearChildren(m: ExecutionMachine, scope: Scope): void {
  for (const child of m.childrenOf(scope)) {
    clearChildren(m, child);
    m.deleteScope(child);
  }
  const prefix = `${scope.id}:`;
  for (const key of [...m.blobs.keys()]) if (key.startsWith(prefix)) m.deleteBlob(key);
}

export async function childFinished(m: ExecutionMachine, parent: Scope, child: Scope): Promise<void> {
  const p = parent.phase;
  if (parent.status !== 'running' || p.kind !== 'children') return;
  const state = m.state(parent);
  await guard(m, parent, state, async () => {
    p.running--;
    if (child.status === 'succeeded') {
      m.putBlob(resultKey(parent, child.index), child.output ?? null);
      p.succeeded++;
      if (p.mode === 'map') iterationEvent(m, parent, 'Succeeded', child.index);
      m.deleteScope(child);
    } else {
      p.failed++;
      if (p.mode === 'map') iterationEvent(m, parent, 'Failed', child.index);
      const err = child.error ?? { error: StatesErrors.Runtime, cause: undefined };
      if (p.mode !== 'map' || exceedsTolerance(p)) {
        await failChildren(m, parent, state, p, err);
        return;
      }
      m.putBlob(resultKey(parent, child.index), { Error: err.error, Cause: err.cause ?? '' });
      m.deleteScope(child);
    }
    m.touch(parent);
    if (p.mode === 'map') await spawnIterations(m, parent, state);
    if (p.succeeded + p.failed === p.total) await finishChildren(m, parent, state, p);
  });
}

export function iterationEvent(m: ExecutionMachine, parent: Scope, what: string, index: number): void {
  const detailsKey = `mapIteration${what}EventDetails`;
  m.emit(parent, `MapIteration${what}`, detailsKey, { index, name: parent.state });
}

export function toleranceConfigured(p: ChildrenPhase): boolean {
  return p.toleratedCount !== undefined || p.toleratedPercentage !== undefined;
}

function exceedsTolerance(p: ChildrenPhase): boolean {
  if (!toleranceConfigured(p)) return true;
  if (p.toleratedCount !== undefined && p.failed > p.toleratedCount) return true;
  if (
    p.toleratedPercentage !== undefined &&
    p.total > 0 &&
    (p.failed / p.total) * 100 > p.toleratedPercentage
  )
    return true;
  return false;
}

async function failChildren(
  m: ExecutionMachine,
  parent: Scope,
  state: State,
  p: ChildrenPhase,
  err: { error: string; cause: string | undefined },
): Promise<void> {
  p.failure = err;
  for (const sibling of m.childrenOf(parent)) {
    if (sibling.status !== 'running') continue;
    abortScope(m, sibling, true);
    if (p.mode === 'map' && sibling.started) iterationEvent(m, parent, 'Aborted', sibling.index);
  }
  m.touch(parent);
  const error =
    p.mode !== 'parallel' && toleranceConfigured(p)
      ? new AslError(
          StatesErrors.ExceedToleratedFailureThreshold,
          `The number of failed items (${p.failed}) exceeded the tolerated failure threshold of state '${parent.state}'.`,
        )
      : new AslError(err.error, err.cause);
  await handleStateError(m, parent, state, error);
}

/** Every child succeeded (or failed within tolerance): the state's result is the array of their outputs. */
export async function finishChildren(
  m: ExecutionMachine,
  parent: Scope,
  state: State,
  p: ChildrenPhase,
): Promise<void> {
  const results: Json[] = [];
  for (let i = 0; i < p.total; i++) results.push(m.blobs.get(resultKey(parent, i)) ?? null);
  m.emit(parent, p.mode === 'parallel' ? 'ParallelStateSucceeded' : 'MapStateSucceeded');
  clearChildren(m, parent);
  await finishWithResult(m, parent, state, results);
}

/** Applies the result half of a Parallel/Map state's data flow and leaves the state. */
export async function finishWithResult(
  m: ExecutionMachine,
  parent: Scope,
  state: State,
  result: Json,
): Promise<void> {
  if (queryLanguageOf(state, m.def.queryLanguage) === 'JSONata') {
    const env = jsonataEnv(m, parent, parent.input, { result });
    const output = await jsonataField(state.Output, env, 'Output', result);
    await exitState(m, parent, state, output, await assignJsonata(state.Assign, env));
    return;
  }
  const env = pathEnv(m, parent, parent.input);
  const selected = resultSelector(state, result, env);
  const assign = assignJsonPath(state.Assign, pathEnv(m, parent, selected));
  await exitState(
    m,
    parent,
    state,
    outputPath(state, resultPath(state.ResultPath, parent.input, selected), env),
    assign,
  );
}
