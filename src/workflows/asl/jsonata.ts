// The JSONata query language of ASL: `{% expression %}` strings anywhere inside Arguments, Output, Assign and
// the other JSONata fields, evaluated with the `jsonata` package plus the functions AWS adds ($partition, $range,
// $hash, $random, $uuid, $parse). `$now()`, `$millis()`, `$random()` and `$uuid()` read the injected clock and
// random source instead of the process's, so that evaluation is deterministic.

import { createHash } from 'node:crypto';
import jsonata from 'jsonata';
import { AslError, StatesErrors } from './errors.ts';
import { isObject, type Json, type JsonObject, toJson } from './json.ts';

export function isJsonataExpression(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('{%') && value.endsWith('%}') && value.length >= 4;
}

export function expressionBody(value: string): string {
  return value.slice(2, -2);
}

const cache = new Map<string, jsonata.Expression>();

/** Compiles (and caches) an expression; throws the jsonata syntax error for invalid ones. */
export function compileJsonata(body: string): jsonata.Expression {
  let compiled = cache.get(body);
  if (!compiled) {
    compiled = jsonata(body);
    if (cache.size > 10_000) cache.clear();
    cache.set(body, compiled);
  }
  return compiled;
}

/** The syntax error of an expression body, or undefined when it compiles. */
export function jsonataSyntaxError(body: string): string | undefined {
  try {
    compileJsonata(body);
    return undefined;
  } catch (e) {
    const err = e as { message?: string; position?: number };
    return `${err.message ?? String(e)}${err.position === undefined ? '' : ` (at position ${err.position})`}`;
  }
}

export interface JsonataEnv {
  /** The `$states` variable: input, context and, where AWS offers them, result and errorOutput. */
  states: JsonObject;
  /** User variables visible to the state (name without `$`). */
  variables: (name: string) => { found: boolean; value?: Json };
  variableNames: () => string[];
  now: () => Date;
  random: () => number;
  uuid: () => string;
  /** The state whose field is evaluated, for error causes. */
  stateName: string;
}

const HASH_ALGORITHMS: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

function bindings(env: JsonataEnv): Record<string, unknown> {
  const b: Record<string, unknown> = {};
  for (const name of env.variableNames()) {
    const v = env.variables(name);
    if (v.found) b[name] = v.value;
  }
  b.states = env.states;
  b.now = (picture?: string, timezone?: string) => {
    const now = env.now();
    if (picture === undefined && timezone === undefined) return now.toISOString();
    return jsonata('$fromMillis($m, $p, $t)').evaluate(null, { m: now.getTime(), p: picture, t: timezone });
  };
  b.millis = () => env.now().getTime();
  b.random = () => env.random();
  b.uuid = () => env.uuid();
  b.partition = (array: unknown, size: unknown) => {
    if (!Array.isArray(array))
      throw jsonataFunctionError('$partition', 'the first argument must be an array');
    if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
      throw jsonataFunctionError('$partition', 'the chunk size must be a positive integer');
    }
    const out: unknown[][] = [];
    for (let i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));
    return out;
  };
  b.range = (start: unknown, end: unknown, step: unknown) => {
    if (![start, end, step].every((v) => typeof v === 'number' && Number.isInteger(v)) || step === 0) {
      throw jsonataFunctionError('$range', 'start, end and a non-zero step must be integers');
    }
    const out: number[] = [];
    const s = step as number;
    for (let v = start as number; s > 0 ? v <= (end as number) : v >= (end as number); v += s) {
      out.push(v);
      if (out.length > 1000) throw jsonataFunctionError('$range', 'the range may hold at most 1000 items');
    }
    return asSequence(out);
  };
  b.hash = (value: unknown, algorithm: unknown) => {
    const algo = typeof algorithm === 'string' ? HASH_ALGORITHMS[algorithm] : undefined;
    if (!algo) throw jsonataFunctionError('$hash', `unsupported algorithm '${String(algorithm)}'`);
    if (value === null || value === undefined)
      throw jsonataFunctionError('$hash', 'the value must not be null');
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return createHash(algo).update(text, 'utf8').digest('hex');
  };
  b.parse = (text: unknown) => {
    if (typeof text !== 'string') throw jsonataFunctionError('$parse', 'the argument must be a string');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw jsonataFunctionError('$parse', `'${text}' is not valid JSON`);
    }
  };
  return b;
}

/** Marks an array as a JSONata sequence, so that a single item collapses to the item as built-ins do. */
function asSequence<T>(items: T[]): T[] {
  Object.defineProperty(items, 'sequence', { value: true, enumerable: false });
  return items;
}

function jsonataFunctionError(fn: string, message: string): Error {
  return Object.assign(new Error(`${fn}: ${message}`), { code: 'AWS' });
}

/** Evaluates one `{% %}` string. `field` names the ASL field for error messages and EvaluationFailed events. */
export async function evaluateExpression(source: string, env: JsonataEnv, field: string): Promise<Json> {
  const body = expressionBody(source);
  let result: unknown;
  try {
    result = await compileJsonata(body).evaluate(env.states.input ?? null, bindings(env));
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    throw new AslError(
      StatesErrors.QueryEvaluationError,
      `An error occurred while executing the state '${env.stateName}'. The JSONata expression '${body}' specified for the field '${field}' threw an error: ${message}`,
      field,
    );
  }
  if (result === undefined) {
    throw new AslError(
      StatesErrors.QueryEvaluationError,
      `An error occurred while executing the state '${env.stateName}'. The JSONata expression '${body}' specified for the field '${field}' returned nothing (undefined).`,
      field,
    );
  }
  if (typeof result === 'function') {
    throw new AslError(
      StatesErrors.QueryEvaluationError,
      `The JSONata expression '${body}' specified for the field '${field}' returned a function, not a JSON value.`,
      field,
    );
  }
  if (typeof result === 'number' && !Number.isFinite(result)) {
    throw new AslError(
      StatesErrors.QueryEvaluationError,
      `The JSONata expression '${body}' specified for the field '${field}' returned a non-finite number.`,
      field,
    );
  }
  return toJson(result);
}

/**
 * Evaluates a JSONata template: a `{% %}` string, or an object/array whose strings may be expressions. Other
 * values are literals.
 */
export async function evaluateJsonataTemplate(template: Json, env: JsonataEnv, field: string): Promise<Json> {
  if (isJsonataExpression(template)) return evaluateExpression(template, env, field);
  if (Array.isArray(template)) {
    const out: Json[] = [];
    for (const item of template) out.push(await evaluateJsonataTemplate(item, env, field));
    return out;
  }
  if (isObject(template)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(template)) out[k] = await evaluateJsonataTemplate(v, env, field);
    return out;
  }
  return template;
}

/** Whether a template holds any expression (literal templates need no evaluation). */
export function hasExpression(template: Json | undefined): boolean {
  if (isJsonataExpression(template)) return true;
  if (Array.isArray(template)) return template.some(hasExpression);
  if (isObject(template)) return Object.values(template).some(hasExpression);
  return false;
}
