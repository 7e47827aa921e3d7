// The data-flow fields of a state, in both query languages. JSONPath: InputPath -> Parameters -> (work) ->
// ResultSelector -> ResultPath -> OutputPath, with Assign. JSONata: Arguments -> (work) -> Output, with Assign.
// Path misses and bad values raise the `States.*` errors AWS raises for them.

import type { State } from '../asl/definition.ts';
import { AslError, StatesErrors } from '../asl/errors.ts';
import type { IntrinsicEnv } from '../asl/intrinsics.ts';
import { isObject, type Json, type JsonObject } from '../asl/json.ts';
import { evaluateJsonataTemplate, type JsonataEnv } from '../asl/jsonata.ts';
import { evaluateJsonPath } from '../asl/jsonpath.ts';
import { evaluatePayloadTemplate } from '../asl/payload-template.ts';
import { applyResultPath } from '../asl/reference-path.ts';

export function inputPath(state: State, input: Json, env: IntrinsicEnv): Json {
  if (state.InputPath === undefined) return input;
  if (state.InputPath === null) return {};
  return selectPath(state.InputPath, env, 'InputPath');
}

export function outputPath(state: State, output: Json, env: IntrinsicEnv): Json {
  if (state.OutputPath === undefined) return output;
  if (state.OutputPath === null) return {};
  return selectPath(state.OutputPath, { ...env, roots: { ...env.roots, input: output } }, 'OutputPath');
}

function selectPath(path: string, env: IntrinsicEnv, field: string): Json {
  const r = evaluateJsonPath(path, env.roots);
  if (!r.found) {
    const members = path
      .replace(/^\$/, '')
      .split('.')
      .filter(Boolean)
      .map((m) => `['${m}']`)
      .join('');
    throw new AslError(
      StatesErrors.Runtime,
      `Invalid path '${path}' : No results for path: $${members} (${field})`,
    );
  }
  return r.value;
}

export function parameters(template: Json | undefined, effectiveInput: Json, env: IntrinsicEnv): Json {
  if (template === undefined) return effectiveInput;
  return evaluatePayloadTemplate(template, env);
}

export function resultSelector(state: State, result: Json, env: IntrinsicEnv): Json {
  if (state.ResultSelector === undefined) return result;
  return evaluatePayloadTemplate(state.ResultSelector, { ...env, roots: { ...env.roots, input: result } });
}

export function resultPath(path: string | null | undefined, rawInput: Json, result: Json): Json {
  if (path === null) return rawInput;
  if (path === undefined || path === '$') return result;
  return applyResultPath(rawInput, path, result);
}

/** JSONPath `Assign`: a payload template whose `$` is the given value (the state's result or input). */
export function assignJsonPath(assign: JsonObject | undefined, env: IntrinsicEnv): JsonObject | undefined {
  if (assign === undefined) return undefined;
  const out = evaluatePayloadTemplate(assign, env);
  return isObject(out) ? out : {};
}

/** JSONata `Assign`: each value is a template of `{% %}` expressions. */
export async function assignJsonata(
  assign: JsonObject | undefined,
  env: JsonataEnv,
): Promise<JsonObject | undefined> {
  if (assign === undefined) return undefined;
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(assign)) {
    out[name] = await evaluateJsonataTemplate(value, env, `Assign.${name}`);
  }
  return out;
}

/** JSONata `Output` (or `Arguments`): evaluated when present, else `fallback`. */
export async function jsonataField(
  template: Json | undefined,
  env: JsonataEnv,
  field: string,
  fallback: Json,
): Promise<Json> {
  if (template === undefined) return fallback;
  return evaluateJsonataTemplate(template, env, field);
}

/** Reads a positive integer from a JSONPath field such as `TimeoutSecondsPath`. */
/**
 * An integer field given by path (`MaxConcurrencyPath`, `ToleratedFailureCountPath`, `MaxItemsPath`, ...). As on
 * AWS, a string that holds an integer (`"3"`) is taken as that integer; anything else that is not one fails.
 */
export function integerAtPath(path: string, env: IntrinsicEnv, field: string, min: number): number {
  const r = evaluateJsonPath(path, env.roots);
  if (!r.found) {
    throw new AslError(
      StatesErrors.Runtime,
      `The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${JSON.stringify(env.roots.input)}'`,
    );
  }
  const value = r.value;
  if (typeof value === 'string' && /^[+-]?\d+$/.test(value) && Number.isSafeInteger(Number(value)))
    return requireInteger(Number(value), field, min);
  return requireInteger(value, field, min);
}

export function requireInteger(value: Json, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new AslError(
      StatesErrors.Runtime,
      `The value of the field '${field}' must be an integer of at least ${min}, got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}
