// Choice rules of the JSONPath query language: `Variable` with a comparison operator (and its `...Path` form),
// the `Is...` type tests, and `And`/`Or`/`Not`. Type mismatches make a comparison false; a missing `Variable`
// (except for `IsPresent`) or a missing `...Path` value is the `States.Runtime` error AWS raises.

import type { ChoiceRule } from './definition.ts';
import { AslError, StatesErrors } from './errors.ts';
import type { IntrinsicEnv } from './intrinsics.ts';
import type { Json } from './json.ts';
import { evaluateJsonPath } from './jsonpath.ts';
import { compareInstants, parseTimestamp } from './timestamps.ts';

type Kind = 'String' | 'Numeric' | 'Boolean' | 'Timestamp';
type Cmp = 'Equals' | 'LessThan' | 'GreaterThan' | 'LessThanEquals' | 'GreaterThanEquals';

export const COMPARISON_OPERATORS: readonly string[] = (() => {
  const out: string[] = ['StringMatches'];
  for (const kind of ['String', 'Numeric', 'Timestamp']) {
    for (const cmp of ['Equals', 'LessThan', 'GreaterThan', 'LessThanEquals', 'GreaterThanEquals']) {
      out.push(`${kind}${cmp}`, `${kind}${cmp}Path`);
    }
  }
  out.push('BooleanEquals', 'BooleanEqualsPath');
  return out;
})();

export const TYPE_TESTS: readonly string[] = [
  'IsNull',
  'IsPresent',
  'IsNumeric',
  'IsString',
  'IsBoolean',
  'IsTimestamp',
];

/** The operator key of a leaf rule, if it has exactly one. */
export function operatorOf(rule: ChoiceRule): string | undefined {
  return Object.keys(rule).find((k) => COMPARISON_OPERATORS.includes(k) || TYPE_TESTS.includes(k));
}

export function evaluateChoiceRule(rule: ChoiceRule, env: IntrinsicEnv): boolean {
  if (rule.And) return rule.And.every((r) => evaluateChoiceRule(r, env));
  if (rule.Or) return rule.Or.some((r) => evaluateChoiceRule(r, env));
  if (rule.Not) return !evaluateChoiceRule(rule.Not, env);
  const op = operatorOf(rule);
  if (!op || typeof rule.Variable !== 'string') {
    throw new AslError(StatesErrors.Runtime, 'A choice rule needs a Variable and one comparison operator.');
  }
  const variable = evaluateJsonPath(rule.Variable, env.roots);
  if (TYPE_TESTS.includes(op))
    return typeTest(op, variable.found ? variable.value : undefined, rule[op] as Json);
  if (!variable.found) {
    throw new AslError(
      StatesErrors.Runtime,
      `Invalid path '${rule.Variable}': The choice state's condition path references an invalid value.`,
    );
  }
  let expected = rule[op] as Json;
  const base = op.endsWith('Path') ? op.slice(0, -4) : op;
  if (op.endsWith('Path')) {
    const r = evaluateJsonPath(String(expected), env.roots);
    if (!r.found) {
      throw new AslError(
        StatesErrors.Runtime,
        `Invalid path '${String(expected)}': The choice state's condition path references an invalid value.`,
      );
    }
    expected = r.value;
  }
  return compare(base, variable.value, expected);
}

function typeTest(op: string, value: Json | undefined, expected: Json): boolean {
  let result: boolean;
  switch (op) {
    case 'IsPresent':
      result = value !== undefined;
      break;
    case 'IsNull':
      result = value === null;
      break;
    case 'IsNumeric':
      result = typeof value === 'number';
      break;
    case 'IsString':
      result = typeof value === 'string';
      break;
    case 'IsBoolean':
      result = typeof value === 'boolean';
      break;
    default:
      result = parseTimestamp(value) !== undefined;
  }
  return expected === false ? !result : result;
}

function compare(op: string, actual: Json, expected: Json): boolean {
  if (op === 'StringMatches') {
    return typeof actual === 'string' && typeof expected === 'string' && matchesPattern(actual, expected);
  }
  if (op === 'BooleanEquals') return typeof actual === 'boolean' && actual === expected;
  const kind = (['String', 'Numeric', 'Timestamp'] as Kind[]).find((k) => op.startsWith(k))!;
  const cmp = op.slice(kind.length) as Cmp;
  let order: number;
  if (kind === 'String') {
    if (typeof actual !== 'string' || typeof expected !== 'string') return false;
    order = actual < expected ? -1 : actual > expected ? 1 : 0;
  } else if (kind === 'Numeric') {
    if (typeof actual !== 'number' || typeof expected !== 'number') return false;
    order = actual - expected;
  } else {
    const a = parseTimestamp(actual);
    const b = parseTimestamp(expected);
    if (!a || !b) return false;
    order = compareInstants(a, b);
  }
  switch (cmp) {
    case 'Equals':
      return order === 0;
    case 'LessThan':
      return order < 0;
    case 'GreaterThan':
      return order > 0;
    case 'LessThanEquals':
      return order <= 0;
    case 'GreaterThanEquals':
      return order >= 0;
  }
}

/** `StringMatches`: `*` matches any run of characters; `\*` and `\\` are literal. */
export function matchesPattern(value: string, pattern: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRegex(pattern[i + 1]!);
      i++;
    } else if (c === '*') re += '[\\s\\S]*';
    else re += escapeRegex(c);
  }
  return new RegExp(`${re}$`).test(value);
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
