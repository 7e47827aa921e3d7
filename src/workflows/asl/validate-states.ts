// Field-level checks of each state: which fields its type and query language allow, required and mutually
// exclusive fields, and the syntax of every path, intrinsic function and JSONata expression it holds.

import { processorOf, type QueryLanguage, STATE_TYPES, type State } from './definition.ts';
import type { Diagnostics } from './diagnostics.ts';
import { type IntrinsicSyntaxError, looksLikeIntrinsic, parseIntrinsic } from './intrinsics.ts';
import { isObject, type Json } from './json.ts';
import { expressionBody, isJsonataExpression, jsonataSyntaxError } from './jsonata.ts';
import { isValidJsonPath } from './jsonpath-parser.ts';
import { isValidReferencePath } from './reference-path.ts';
import { parseResource } from './resource.ts';
import { checkChoiceRule, checkRetryAndCatch } from './validate-rules.ts';

const COMMON = ['Type', 'Comment', 'QueryLanguage'];
const FLOW = ['Next', 'End'];
const JSONPATH_IO = ['InputPath', 'OutputPath'];
const FIELDS: Record<State['Type'], string[]> = {
  Pass: [...FLOW, 'Assign', 'Output', ...JSONPATH_IO, 'Parameters', 'ResultPath', 'Result'],
  Task: [
    ...FLOW,
    'Assign',
    'Output',
    'Arguments',
    ...JSONPATH_IO,
    'Parameters',
    'ResultPath',
    'ResultSelector',
    'Resource',
    'TimeoutSeconds',
    'TimeoutSecondsPath',
    'HeartbeatSeconds',
    'HeartbeatSecondsPath',
    'Credentials',
    'Retry',
    'Catch',
  ],
  Choice: ['Choices', 'Default', 'Assign', 'Output', ...JSONPATH_IO],
  Wait: [...FLOW, 'Assign', 'Output', ...JSONPATH_IO, 'Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'],
  Succeed: ['Output', ...JSONPATH_IO],
  Fail: ['Error', 'ErrorPath', 'Cause', 'CausePath'],
  Parallel: [
    ...FLOW,
    'Assign',
    'Output',
    'Arguments',
    ...JSONPATH_IO,
    'Parameters',
    'ResultPath',
    'ResultSelector',
    'Branches',
    'Retry',
    'Catch',
  ],
  Map: [
    ...FLOW,
    'Assign',
    'Output',
    ...JSONPATH_IO,
    'Parameters',
    'ResultPath',
    'ResultSelector',
    'Iterator',
    'ItemProcessor',
    'ItemsPath',
    'Items',
    'ItemSelector',
    'ItemReader',
    'ItemBatcher',
    'ResultWriter',
    'MaxConcurrency',
    'MaxConcurrencyPath',
    'ToleratedFailurePercentage',
    'ToleratedFailurePercentagePath',
    'ToleratedFailureCount',
    'ToleratedFailureCountPath',
    'Label',
    'Retry',
    'Catch',
  ],
};
const JSONPATH_ONLY = [
  'InputPath',
  'OutputPath',
  'Parameters',
  'ResultPath',
  'ResultSelector',
  'ItemsPath',
  'Result',
];
const JSONATA_ONLY = ['Output', 'Arguments', 'Items'];
const PATH_FIELDS = [
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'SecondsPath',
  'TimestampPath',
  'ItemsPath',
  'MaxConcurrencyPath',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCountPath',
];
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface StateCheckContext {
  d: Diagnostics;
  top: QueryLanguage | undefined;
  /** Explains why a Task's resource cannot be served, or undefined when it can (or no registry was given). */
  whyUnknownResource?: (state: State, name: string) => string | undefined;
}

export function checkState(name: string, state: State, at: string, ctx: StateCheckContext): void {
  const { d } = ctx;
  if (!isObject(state as unknown as Json)) {
    d.error('SCHEMA_VALIDATION_FAILED', at, `State '${name}' must be an object`);
    return;
  }
  if (!STATE_TYPES.includes(state.Type)) {
    d.error(
      'SCHEMA_VALIDATION_FAILED',
      `${at}/Type`,
      `State '${name}' has an unknown Type '${String(state.Type)}' (expected one of ${STATE_TYPES.join(', ')})`,
    );
    return;
  }
  if (
    state.QueryLanguage !== undefined &&
    state.QueryLanguage !== 'JSONPath' &&
    state.QueryLanguage !== 'JSONata'
  ) {
    d.error(
      'SCHEMA_VALIDATION_FAILED',
      `${at}/QueryLanguage`,
      `State '${name}': QueryLanguage must be 'JSONPath' or 'JSONata'`,
    );
  }
  if (ctx.top === 'JSONata' && state.QueryLanguage === 'JSONPath') {
    d.error(
      'SCHEMA_VALIDATION_FAILED',
      at,
      "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
    );
  }
  const ql: QueryLanguage = state.QueryLanguage ?? ctx.top ?? 'JSONPath';
  const allowed = new Set([...COMMON, ...FIELDS[state.Type]]);
  for (const field of Object.keys(state)) {
    if (!allowed.has(field))
      d.error(
        'SCHEMA_VALIDATION_FAILED',
        `${at}/${field}`,
        `Field '${field}' is not supported by ${state.Type} state '${name}'`,
      );
    else if (ql === 'JSONata' && JSONPATH_ONLY.includes(field)) {
      d.error(
        'SCHEMA_VALIDATION_FAILED',
        `${at}/${field}`,
        `Field '${field}' of state '${name}' needs QueryLanguage JSONPath (the state uses JSONata: use Arguments/Output instead)`,
      );
    } else if (ql === 'JSONPath' && JSONATA_ONLY.includes(field)) {
      d.error(
        'SCHEMA_VALIDATION_FAILED',
        `${at}/${field}`,
        `Field '${field}' of state '${name}' needs QueryLanguage JSONata`,
      );
    }
  }
  checkFlow(name, state, at, d);
  if (ql === 'JSONPath') checkJsonPathFields(name, state, at, d);
  checkExpressions(name, state as unknown as Json, at, ql, d);
  if (state.Assign !== undefined) checkAssign(name, state.Assign, `${at}/Assign`, ql, d);
  checkTypeSpecific(name, state, at, ql, ctx);
}

function checkFlow(name: string, state: State, at: string, d: Diagnostics): void {
  const flows = state.Type !== 'Choice' && state.Type !== 'Succeed' && state.Type !== 'Fail';
  if (!flows) return;
  if (state.Next !== undefined && state.End !== undefined) {
    d.error('SCHEMA_VALIDATION_FAILED', at, `State '${name}' has both Next and End: keep one`);
  } else if (state.Next === undefined && state.End !== true) {
    d.error('SCHEMA_VALIDATION_FAILED', at, `State '${name}' has neither Next nor "End": true`);
  }
  if (state.Next !== undefined && typeof state.Next !== 'string')
    d.error('SCHEMA_VALIDATION_FAILED', `${at}/Next`, `Next of state '${name}' must be a state name`);
}

function checkJsonPathFields(name: string, state: State, at: string, d: Diagnostics): void {
  for (const field of ['InputPath', 'OutputPath'] as const) {
    const v = state[field];
    if (v !== undefined && v !== null && (typeof v !== 'string' || !isValidJsonPath(v))) {
      d.error(
        'INVALID_JSONPATH',
        `${at}/${field}`,
        `${field} of state '${name}' is not a valid path: ${JSON.stringify(v)}`,
      );
    }
  }
  if (
    state.ResultPath !== undefined &&
    state.ResultPath !== null &&
    !isValidReferencePath(String(state.ResultPath))
  ) {
    d.error(
      'INVALID_JSONPATH',
      `${at}/ResultPath`,
      `ResultPath of state '${name}' is not a reference path ('$', '$.a.b', '$.a[0]'): ${JSON.stringify(state.ResultPath)}`,
    );
  }
  for (const field of PATH_FIELDS) {
    const v = (state as unknown as Record<string, unknown>)[field];
    if (v !== undefined && (typeof v !== 'string' || !isValidJsonPath(v))) {
      d.error(
        'INVALID_JSONPATH',
        `${at}/${field}`,
        `${field} of state '${name}' is not a valid path: ${JSON.stringify(v)}`,
      );
    }
  }
  for (const field of ['ErrorPath', 'CausePath'] as const) {
    const v = state[field];
    if (v !== undefined) checkDynamic(name, v, `${at}/${field}`, field, d);
  }
  for (const field of ['Parameters', 'ResultSelector', 'ItemSelector'] as const) {
    const v = state[field];
    if (v !== undefined) checkPayloadTemplate(name, v as Json, `${at}/${field}`, d);
  }
}

function checkDynamic(name: string, value: unknown, at: string, field: string, d: Diagnostics): void {
  if (typeof value !== 'string') {
    d.error(
      'SCHEMA_VALIDATION_FAILED',
      at,
      `${field} of state '${name}' must be a path or an intrinsic function`,
    );
  } else if (looksLikeIntrinsic(value)) {
    try {
      parseIntrinsic(value);
    } catch (e) {
      d.error('INVALID_INTRINSIC', at, `State '${name}', ${field}: ${(e as IntrinsicSyntaxError).message}`);
    }
  } else if (!isValidJsonPath(value)) {
    d.error(
      'INVALID_JSONPATH',
      at,
      `State '${name}', ${field}: '${value}' is not a valid path or intrinsic function`,
    );
  }
}

export function checkPayloadTemplate(name: string, template: Json, at: string, d: Diagnostics): void {
  if (Array.isArray(template))
    template.forEach((v, i) => {
      checkPayloadTemplate(name, v, `${at}/${i}`, d);
    });
  else if (isObject(template)) {
    for (const [k, v] of Object.entries(template)) {
      if (k.endsWith('.$')) checkDynamic(name, v, `${at}/${k}`, k, d);
      else checkPayloadTemplate(name, v, `${at}/${k}`, d);
    }
  }
}

function checkExpressions(name: string, value: Json, at: string, ql: QueryLanguage, d: Diagnostics): void {
  if (typeof value === 'string') {
    if (!isJsonataExpression(value)) return;
    if (ql !== 'JSONata') return;
    const err = jsonataSyntaxError(expressionBody(value));
    if (err)
      d.error(
        'INVALID_JSONATA',
        at,
        `State '${name}': the JSONata expression '${expressionBody(value)}' is invalid: ${err}`,
      );
  } else if (Array.isArray(value))
    value.forEach((v, i) => {
      checkExpressions(name, v, `${at}/${i}`, ql, d);
    });
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Branches' || k === 'Iterator' || k === 'ItemProcessor') continue;
      checkExpressions(name, v, `${at}/${k}`, ql, d);
    }
  }
}

function checkAssign(name: string, assign: unknown, at: string, ql: QueryLanguage, d: Diagnostics): void {
  if (!isObject(assign as Json)) {
    d.error('SCHEMA_VALIDATION_FAILED', at, `Assign of state '${name}' must be an object of variable names`);
    return;
  }
  for (const [key, value] of Object.entries(assign as Record<string, Json>)) {
    const variable = ql === 'JSONPath' && key.endsWith('.$') ? key.slice(0, -2) : key;
    if (!VARIABLE_NAME.test(variable) || variable === 'states') {
      d.error(
        'SCHEMA_VALIDATION_FAILED',
        `${at}/${key}`,
        `State '${name}' assigns an invalid variable name '${variable}' (letters, digits and _; not 'states')`,
      );
    }
    if (ql === 'JSONPath') {
      if (key.endsWith('.$')) checkDynamic(name, value, `${at}/${key}`, key, d);
      else checkPayloadTemplate(name, value, `${at}/${key}`, d);
    }
  }
}

function checkTypeSpecific(
  name: string,
  state: State,
  at: string,
  ql: QueryLanguage,
  ctx: StateCheckContext,
): void {
  const { d } = ctx;
  checkRetryAndCatch(name, state, at, ql, d);
  switch (state.Type) {
    case 'Task': {
      if (typeof state.Resource !== 'string')
        d.error('SCHEMA_VALIDATION_FAILED', at, `Task state '${name}' needs a Resource`);
      else if (!parseResource(state.Resource))
        d.error(
          'SCHEMA_VALIDATION_FAILED',
          `${at}/Resource`,
          `Task state '${name}': '${state.Resource}' is not a valid Resource ARN`,
        );
      else {
        const why = ctx.whyUnknownResource?.(state, name);
        if (why)
          d.error(
            'UNKNOWN_RESOURCE',
            `${at}/Resource`,
            `Task state '${name}': ${why}; register a handler for it (or replay recorded outcomes)`,
          );
      }
      exclusive(name, state, at, ['TimeoutSeconds', 'TimeoutSecondsPath'], d);
      exclusive(name, state, at, ['HeartbeatSeconds', 'HeartbeatSecondsPath'], d);
      break;
    }
    case 'Wait': {
      const given = ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'].filter(
        (f) => (state as unknown as Record<string, unknown>)[f] !== undefined,
      );
      if (given.length !== 1)
        d.error(
          'SCHEMA_VALIDATION_FAILED',
          at,
          `Wait state '${name}' needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath (has ${given.length})`,
        );
      if (typeof state.Seconds === 'number' && (state.Seconds < 0 || state.Seconds > 99_999_999))
        d.error(
          'SCHEMA_VALIDATION_FAILED',
          `${at}/Seconds`,
          `Wait state '${name}' waits ${state.Seconds} seconds; AWS accepts 0 to 99999999`,
        );
      break;
    }
    case 'Fail':
      exclusive(name, state, at, ['Error', 'ErrorPath'], d);
      exclusive(name, state, at, ['Cause', 'CausePath'], d);
      break;
    case 'Choice':
      if (!Array.isArray(state.Choices) || state.Choices.length === 0)
        d.error(
          'SCHEMA_VALIDATION_FAILED',
          `${at}/Choices`,
          `Choice state '${name}' needs a non-empty Choices array`,
        );
      else
        state.Choices.forEach((rule, i) => {
          checkChoiceRule(name, rule, `${at}/Choices/${i}`, ql, true, d);
        });
      break;
    case 'Parallel':
      if (!Array.isArray(state.Branches) || state.Branches.length === 0)
        d.error(
          'SCHEMA_VALIDATION_FAILED',
          `${at}/Branches`,
          `Parallel state '${name}' needs a non-empty Branches array`,
        );
      break;
    case 'Map':
      if (!processorOf(state))
        d.error('SCHEMA_VALIDATION_FAILED', at, `Map state '${name}' needs an ItemProcessor`);
      exclusive(name, state, at, ['MaxConcurrency', 'MaxConcurrencyPath'], d);
      exclusive(name, state, at, ['ItemSelector', 'Parameters'], d);
      break;
    default:
      break;
  }
}

function exclusive(name: string, state: State, at: string, fields: string[], d: Diagnostics): void {
  const given = fields.filter((f) => (state as unknown as Record<string, unknown>)[f] !== undefined);
  if (given.length > 1)
    d.error('SCHEMA_VALIDATION_FAILED', at, `State '${name}' may have only one of ${fields.join(', ')}`);
}
