// Pass, Succeed and Fail: states that finish as soon as they are entered.

import { queryLanguageOf, type State } from '../../asl/definition.ts';
import { AslError } from '../../asl/errors.ts';
import { evaluateIntrinsic, looksLikeIntrinsic } from '../../asl/intrinsics.ts';
import type { Json } from '../../asl/json.ts';
import { evaluateJsonataTemplate } from '../../asl/jsonata.ts';
import { evaluatePath } from '../../asl/payload-template.ts';
import {
  assignJsonata,
  assignJsonPath,
  inputPath,
  jsonataField,
  outputPath,
  parameters,
  resultPath,
} from '../dataflow.ts';
import { exitState, failScope } from '../flow.ts';
import type { ExecutionMachine } from '../machine.ts';
import type { Scope } from '../model.ts';
import { jsonataEnv, pathEnv } from '../scope-env.ts';

export async function runPass(m: ExecutionMachine, scope: Scope, state: State): Promise<void> {
  if (queryLanguageOf(state, m.def.queryLanguage) === 'JSONata') {
    const env = jsonataEnv(m, scope, scope.input);
    const output = await jsonataField(state.Output, env, 'Output', scope.input);
    const assign = await assignJsonata(state.Assign, env);
    await exitState(m, scope, state, output, assign);
    return;
  }
  const env = pathEnv(m, scope, scope.input);
  const effective = inputPath(state, scope.input, env);
  const result =
    state.Result !== undefined
      ? state.Result
      : parameters(state.Parameters, effective, pathEnv(m, scope, effective));
  const assign = assignJsonPath(state.Assign, pathEnv(m, scope, result));
  const output = outputPath(state, resultPath(state.ResultPath, scope.input, result), env);
  await exitState(m, scope, state, output, assign);
}

export async function runSucceed(m: ExecutionMachine, scope: Scope, state: State): Promise<void> {
  if (queryLanguageOf(state, m.def.queryLanguage) === 'JSONata') {
    const env = jsonataEnv(m, scope, scope.input);
    await exitState(m, scope, state, await jsonataField(state.Output, env, 'Output', scope.input), undefined);
    return;
  }
  const env = pathEnv(m, scope, scope.input);
  await exitState(m, scope, state, outputPath(state, inputPath(state, scope.input, env), env), undefined);
}

export async function runFail(m: ExecutionMachine, scope: Scope, state: State): Promise<void> {
  let error: Json | undefined;
  let cause: Json | undefined;
  if (queryLanguageOf(state, m.def.queryLanguage) === 'JSONata') {
    const env = jsonataEnv(m, scope, scope.input);
    if (state.Error !== undefined) error = await evaluateJsonataTemplate(state.Error, env, 'Error');
    if (state.Cause !== undefined) cause = await evaluateJsonataTemplate(state.Cause, env, 'Cause');
  } else {
    const env = pathEnv(m, scope, scope.input);
    error = state.ErrorPath !== undefined ? dynamic(state.ErrorPath, env, 'ErrorPath') : state.Error;
    cause = state.CausePath !== undefined ? dynamic(state.CausePath, env, 'CausePath') : state.Cause;
  }
  for (const [field, value] of [
    ['Error', error],
    ['Cause', cause],
  ] as const) {
    if (value !== undefined && typeof value !== 'string') {
      throw new AslError(
        'States.Runtime',
        `The value of the field '${field}' of state '${scope.state}' must be a string, got ${JSON.stringify(value)}.`,
      );
    }
  }
  await failScope(m, scope, {
    error: (error as string | undefined) ?? '',
    cause: cause as string | undefined,
  });
}

function dynamic(expr: string, env: ReturnType<typeof pathEnv>, field: string): Json {
  return looksLikeIntrinsic(expr) ? evaluateIntrinsic(expr, env) : evaluatePath(expr, env, field);
}
