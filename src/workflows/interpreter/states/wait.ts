// The Wait state: a persisted timer until `Seconds` from now or until `Timestamp` (or their Path/JSONata
// forms). A timestamp in the past continues at once; a delay beyond AWS's maximum (99,999,999 s) fails with
// States.Runtime, as on AWS.

import type { State } from '../../asl/definition.ts';
import { queryLanguageOf } from '../../asl/definition.ts';
import { AslError, StatesErrors } from '../../asl/errors.ts';
import type { Json, JsonObject } from '../../asl/json.ts';
import { evaluateJsonataTemplate } from '../../asl/jsonata.ts';
import { evaluatePath } from '../../asl/payload-template.ts';
import { parseTimestamp } from '../../asl/timestamps.ts';
import {
  assignJsonata,
  assignJsonPath,
  inputPath,
  jsonataField,
  outputPath,
  requireInteger,
} from '../dataflow.ts';
import { exitState } from '../flow.ts';
import type { ExecutionMachine } from '../machine.ts';
import type { Scope } from '../model.ts';
import { jsonataEnv, pathEnv } from '../scope-env.ts';

/** The longest wait AWS accepts (the `Seconds` field's maximum), in seconds. */
export const MAX_WAIT_SECONDS = 99_999_999;

/** A wait longer than AWS allows fails as it does on AWS, instead of sleeping for decades. */
function checkDelay(dueAt: number, now: number): void {
  const seconds = Math.ceil((dueAt - now) / 1000);
  if (seconds > MAX_WAIT_SECONDS)
    throw new AslError(
      StatesErrors.Runtime,
      `Wait state delay is too long: ${seconds} seconds, at most ${MAX_WAIT_SECONDS} are allowed.`,
    );
}

export async function runWait(m: ExecutionMachine, scope: Scope, state: State): Promise<void> {
  let dueAt: number;
  let output: Json;
  let assign: JsonObject | undefined;
  if (queryLanguageOf(state, m.def.queryLanguage) === 'JSONata') {
    const env = jsonataEnv(m, scope, scope.input);
    if (state.Seconds !== undefined) {
      const s = await evaluateJsonataTemplate(state.Seconds, env, 'Seconds');
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) {
        throw new AslError(
          StatesErrors.QueryEvaluationError,
          `Seconds must be a non-negative integer, got ${JSON.stringify(s)}.`,
          'Seconds',
        );
      }
      dueAt = m.now + s * 1000;
    } else {
      const t = await evaluateJsonataTemplate(state.Timestamp ?? null, env, 'Timestamp');
      const instant = parseTimestamp(t);
      if (!instant) {
        throw new AslError(
          StatesErrors.QueryEvaluationError,
          `Timestamp must be an RFC 3339 timestamp, got ${JSON.stringify(t)}.`,
          'Timestamp',
        );
      }
      dueAt = instant.ms;
    }
    output = await jsonataField(state.Output, env, 'Output', scope.input);
    assign = await assignJsonata(state.Assign, env);
  } else {
    const env = pathEnv(m, scope, scope.input);
    const effective = inputPath(state, scope.input, env);
    const effEnv = pathEnv(m, scope, effective);
    if (state.Seconds !== undefined)
      dueAt = m.now + requireInteger(state.Seconds as Json, 'Seconds', 0) * 1000;
    else if (state.SecondsPath !== undefined) {
      dueAt =
        m.now +
        requireInteger(evaluatePath(state.SecondsPath, effEnv, 'SecondsPath'), 'SecondsPath', 0) * 1000;
    } else {
      const t =
        state.TimestampPath !== undefined
          ? evaluatePath(state.TimestampPath, effEnv, 'TimestampPath')
          : (state.Timestamp ?? null);
      const instant = parseTimestamp(t);
      if (!instant) {
        throw new AslError(
          StatesErrors.Runtime,
          `The ${state.TimestampPath !== undefined ? 'TimestampPath' : 'Timestamp'} of state '${scope.state}' must be an RFC 3339 timestamp, got ${JSON.stringify(t)}.`,
        );
      }
      dueAt = instant.ms;
    }
    output = outputPath(state, effective, env);
    assign = assignJsonPath(state.Assign, effEnv);
  }
  checkDelay(dueAt, m.now);
  if (dueAt <= m.now) {
    await exitState(m, scope, state, output, assign);
    return;
  }
  scope.phase = { kind: 'timer', purpose: 'wait', dueAt, output };
  if (assign) scope.phase.assign = assign;
  m.touch(scope);
}
