// Payload templates of the JSONPath query language (Parameters, ResultSelector, ItemSelector, Assign): objects
// whose keys ending in `.$` take their value from a path (`$.x`, `$$.x`, `$variable`) or an intrinsic function;
// every other value is a literal. Nested objects and objects inside arrays are templates too.

import { AslError, StatesErrors } from './errors.ts';
import { evaluateIntrinsic, type IntrinsicEnv, looksLikeIntrinsic } from './intrinsics.ts';
import { isObject, type Json, type JsonObject } from './json.ts';
import { evaluateJsonPath } from './jsonpath.ts';

export function evaluatePayloadTemplate(template: Json, env: IntrinsicEnv): Json {
  if (Array.isArray(template)) return template.map((item) => evaluatePayloadTemplate(item, env));
  if (!isObject(template)) return template;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) out[key.slice(0, -2)] = evaluateDynamicValue(value, env, key);
    else out[key] = evaluatePayloadTemplate(value, env);
  }
  return out;
}

/** The value of one `key.$` entry: an intrinsic function call or a path. */
export function evaluateDynamicValue(expression: Json, env: IntrinsicEnv, field: string): Json {
  if (typeof expression !== 'string') {
    throw new AslError(
      StatesErrors.Runtime,
      `The value of the field '${field}' must be a path or an intrinsic function.`,
    );
  }
  if (looksLikeIntrinsic(expression)) return evaluateIntrinsic(expression, env);
  return evaluatePath(expression, env, field);
}

/** Evaluates a path that must select something; a miss is the `States.Runtime` error AWS raises. */
export function evaluatePath(path: string, env: IntrinsicEnv, field: string): Json {
  let result: ReturnType<typeof evaluateJsonPath>;
  try {
    result = evaluateJsonPath(path, env.roots);
  } catch (e) {
    throw new AslError(
      StatesErrors.Runtime,
      `Invalid path '${path}' in the field '${field}': ${(e as Error).message}`,
    );
  }
  if (!result.found) {
    throw new AslError(
      StatesErrors.Runtime,
      `The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${JSON.stringify(env.roots.input)}'`,
    );
  }
  return result.value;
}
