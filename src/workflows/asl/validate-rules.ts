// Checks of the rules inside a state: Retry and Catch (error lists, States.ALL last and alone, backoff values,
// catcher targets) and Choice rules (one operator, valid paths, values of the right type).

import { COMPARISON_OPERATORS, TYPE_TESTS } from './choice-rules.ts';
import type { ChoiceRule, QueryLanguage, State } from './definition.ts';
import type { Diagnostics } from './diagnostics.ts';
import { isObject, type Json } from './json.ts';
import { isValidJsonPath } from './jsonpath-parser.ts';
import { isValidReferencePath } from './reference-path.ts';

export function checkRetryAndCatch(
  name: string,
  state: State,
  at: string,
  ql: QueryLanguage,
  d: Diagnostics,
): void {
  for (const [field, list] of [
    ['Retry', state.Retry],
    ['Catch', state.Catch],
  ] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      d.error('SCHEMA_VALIDATION_FAILED', `${at}/${field}`, `${field} of state '${name}' must be an array`);
      continue;
    }
    list.forEach((item, i) => {
      checkErrorList(name, item?.ErrorEquals, `${at}/${field}/${i}/ErrorEquals`, d);
      if (item?.ErrorEquals?.includes('States.ALL') && i !== list.length - 1) {
        d.error(
          'SCHEMA_VALIDATION_FAILED',
          `${at}/${field}/${i}`,
          `State '${name}': the ${field}er with 'States.ALL' must be the last one`,
        );
      }
      if (field === 'Retry') {
        const r = item as NonNullable<State['Retry']>[number];
        if (r.MaxAttempts !== undefined && (!Number.isInteger(r.MaxAttempts) || r.MaxAttempts < 0)) {
          d.error(
            'SCHEMA_VALIDATION_FAILED',
            `${at}/Retry/${i}/MaxAttempts`,
            `MaxAttempts of state '${name}' must be a non-negative integer`,
          );
        }
        if (
          r.IntervalSeconds !== undefined &&
          (!Number.isInteger(r.IntervalSeconds) || r.IntervalSeconds < 1)
        ) {
          d.error(
            'SCHEMA_VALIDATION_FAILED',
            `${at}/Retry/${i}/IntervalSeconds`,
            `IntervalSeconds of state '${name}' must be a positive integer`,
          );
        }
        if (r.BackoffRate !== undefined && (typeof r.BackoffRate !== 'number' || r.BackoffRate < 1)) {
          d.error(
            'SCHEMA_VALIDATION_FAILED',
            `${at}/Retry/${i}/BackoffRate`,
            `BackoffRate of state '${name}' must be a number of at least 1.0`,
          );
        }
      } else if (typeof (item as { Next?: unknown }).Next !== 'string') {
        d.error(
          'SCHEMA_VALIDATION_FAILED',
          `${at}/Catch/${i}/Next`,
          `Catcher ${i} of state '${name}' needs a Next state`,
        );
      } else if (ql === 'JSONPath') {
        const rp = (item as { ResultPath?: unknown }).ResultPath;
        if (rp !== undefined && rp !== null && !isValidReferencePath(String(rp))) {
          d.error(
            'INVALID_JSONPATH',
            `${at}/Catch/${i}/ResultPath`,
            `ResultPath of catcher ${i} of state '${name}' is not a reference path`,
          );
        }
      }
    });
  }
}

function checkErrorList(name: string, list: unknown, at: string, d: Diagnostics): void {
  if (!Array.isArray(list) || list.length === 0 || !list.every((e) => typeof e === 'string')) {
    d.error(
      'SCHEMA_VALIDATION_FAILED',
      at,
      `ErrorEquals of state '${name}' must be a non-empty array of error names`,
    );
    return;
  }
  if (list.includes('States.ALL') && list.length > 1) {
    d.error('SCHEMA_VALIDATION_FAILED', at, `State '${name}': 'States.ALL' must appear alone in ErrorEquals`);
  }
}

export function checkChoiceRule(
  name: string,
  rule: ChoiceRule,
  at: string,
  ql: QueryLanguage,
  top: boolean,
  d: Diagnostics,
): void {
  if (!isObject(rule as unknown as Json)) {
    d.error('SCHEMA_VALIDATION_FAILED', at, `A choice rule of state '${name}' must be an object`);
    return;
  }
  if (top && typeof rule.Next !== 'string')
    d.error('SCHEMA_VALIDATION_FAILED', at, `A top-level choice rule of state '${name}' needs Next`);
  if (!top && rule.Next !== undefined)
    d.error(
      'SCHEMA_VALIDATION_FAILED',
      `${at}/Next`,
      `A nested choice rule of state '${name}' must not have Next`,
    );
  if (ql === 'JSONata') {
    if (rule.Condition === undefined)
      d.error('SCHEMA_VALIDATION_FAILED', at, `A choice rule of JSONata state '${name}' needs a Condition`);
    return;
  }
  if (rule.And || rule.Or) {
    const list = (rule.And ?? rule.Or) as ChoiceRule[];
    if (!Array.isArray(list) || list.length === 0)
      d.error('SCHEMA_VALIDATION_FAILED', at, `And/Or of state '${name}' needs a non-empty array of rules`);
    else
      list.forEach((r, i) => {
        checkChoiceRule(name, r, `${at}/${rule.And ? 'And' : 'Or'}/${i}`, ql, false, d);
      });
    return;
  }
  if (rule.Not) {
    checkChoiceRule(name, rule.Not, `${at}/Not`, ql, false, d);
    return;
  }
  const ops = Object.keys(rule).filter((k) => COMPARISON_OPERATORS.includes(k) || TYPE_TESTS.includes(k));
  if (ops.length !== 1) {
    d.error(
      'SCHEMA_VALIDATION_FAILED',
      at,
      `A choice rule of state '${name}' needs exactly one comparison operator (found ${ops.length ? ops.join(', ') : 'none'})`,
    );
    return;
  }
  if (typeof rule.Variable !== 'string' || !isValidJsonPath(rule.Variable)) {
    d.error(
      'INVALID_JSONPATH',
      `${at}/Variable`,
      `Variable of a choice rule of state '${name}' must be a valid path`,
    );
  }
  const op = ops[0]!;
  const value = rule[op];
  if (op.endsWith('Path')) {
    if (typeof value !== 'string' || !isValidJsonPath(value))
      d.error('INVALID_JSONPATH', `${at}/${op}`, `${op} of state '${name}' must be a valid path`);
  } else if (op.startsWith('String') || op.startsWith('Timestamp')) {
    if (typeof value !== 'string')
      d.error('SCHEMA_VALIDATION_FAILED', `${at}/${op}`, `${op} of state '${name}' needs a string value`);
  } else if (op.startsWith('Numeric')) {
    if (typeof value !== 'number')
      d.error('SCHEMA_VALIDATION_FAILED', `${at}/${op}`, `${op} of state '${name}' needs a number`);
  } else if (typeof value !== 'boolean') {
    d.error('SCHEMA_VALIDATION_FAILED', `${at}/${op}`, `${op} of state '${name}' needs true or false`);
  }
}
