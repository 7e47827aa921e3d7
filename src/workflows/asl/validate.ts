// Static validation of a state machine definition: JSON syntax (with line and column), the `asl-validator`
// schema, and our own semantic checks (fields per state type and query language, transitions, unreachable
// states, cycles without exit, paths, intrinsic functions, JSONata syntax, unknown resources). Every message
// names the state and the field.

import { createRequire } from 'node:module';
import type aslValidatorFn from 'asl-validator';
import { StepvaultError } from '../../common/errors.ts';
import { processorOf, type State, type StateMachineDefinition } from './definition.ts';
import { type Diagnostic, Diagnostics, formatDiagnostic } from './diagnostics.ts';
import { isObject, type Json } from './json.ts';
import { awsFindings } from './validate-aws.ts';
import { checkGraph } from './validate-graph.ts';
import { checkState, type StateCheckContext } from './validate-states.ts';

export interface ValidationOptions {
  /** Explains why a Task's resource cannot be served; omit to skip the resource check. */
  whyUnknownResource?: (state: State, name: string) => string | undefined;
  /** Also run the asl-validator JSON schema (default true). */
  schema?: boolean;
  /** `aws`: also what AWS Step Functions refuses or cannot run (validate-aws.ts). Default `local`. */
  target?: 'local' | 'aws';
}

export interface ValidationResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  definition: StateMachineDefinition | undefined;
}

/** Parses definition text; a syntax error becomes an INVALID_JSON_DESCRIPTION diagnostic with line and column. */
export function parseDefinitionText(text: string): { value?: Json; diagnostic?: Diagnostic } {
  try {
    return { value: JSON.parse(text) as Json };
  } catch (e) {
    const message = (e as Error).message;
    const pos = /position (\d+)/.exec(message);
    let where = '';
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      const column = Number(pos[1]) - before.lastIndexOf('\n');
      where = ` (line ${line}, column ${column})`;
    }
    return {
      diagnostic: {
        code: 'INVALID_JSON_DESCRIPTION',
        location: '',
        message: `The definition is not valid JSON${where}: ${message}`,
        severity: 'ERROR',
      },
    };
  }
}

export function validateDefinition(input: string | Json, options: ValidationOptions = {}): ValidationResult {
  let value: Json;
  if (typeof input === 'string') {
    const parsed = parseDefinitionText(input);
    if (parsed.diagnostic) return { ok: false, diagnostics: [parsed.diagnostic], definition: undefined };
    value = parsed.value!;
  } else value = input;
  const d = new Diagnostics();
  if (!isObject(value)) {
    d.error('SCHEMA_VALIDATION_FAILED', '', 'Definition must be a valid JSON object');
    return { ok: false, diagnostics: d.items, definition: undefined };
  }
  const def = value as unknown as StateMachineDefinition;
  const missing = ['States', 'StartAt'].filter((k) => !(k in def));
  if (missing.length > 0)
    d.error('SCHEMA_VALIDATION_FAILED', '/', `These fields are required: [${missing.join(', ')}]`);
  for (const key of Object.keys(def)) {
    if (!['Comment', 'StartAt', 'States', 'TimeoutSeconds', 'Version', 'QueryLanguage'].includes(key)) {
      d.error(
        'SCHEMA_VALIDATION_FAILED',
        `/${key}`,
        `Field '${key}' is not supported at the top level of a state machine`,
      );
    }
  }
  if (
    def.QueryLanguage !== undefined &&
    def.QueryLanguage !== 'JSONPath' &&
    def.QueryLanguage !== 'JSONata'
  ) {
    d.error('SCHEMA_VALIDATION_FAILED', '/QueryLanguage', "QueryLanguage must be 'JSONPath' or 'JSONata'");
  }
  if (def.TimeoutSeconds !== undefined && (!Number.isInteger(def.TimeoutSeconds) || def.TimeoutSeconds < 1)) {
    d.error('SCHEMA_VALIDATION_FAILED', '/TimeoutSeconds', 'TimeoutSeconds must be a positive integer');
  }
  const ctx: StateCheckContext = { d, top: def.QueryLanguage };
  if (options.whyUnknownResource) ctx.whyUnknownResource = options.whyUnknownResource;
  checkBlock(def.States, def.StartAt, '', ctx);
  if (d.errors.length === 0 && options.schema !== false) addSchemaFindings(def, d);
  if (d.errors.length === 0 && options.target === 'aws')
    d.items.push(...awsFindings(def, typeof input === 'string' ? input : JSON.stringify(input)));
  return {
    ok: d.errors.length === 0,
    diagnostics: d.items,
    definition: d.errors.length === 0 ? def : undefined,
  };
}

function checkBlock(states: unknown, startAt: unknown, base: string, ctx: StateCheckContext): void {
  if (!isObject(states as Json) || Object.keys(states as object).length === 0) {
    ctx.d.error(
      'SCHEMA_VALIDATION_FAILED',
      `${base}/States`,
      'States must be a non-empty object of named states',
    );
    return;
  }
  if (typeof startAt !== 'string')
    ctx.d.error('SCHEMA_VALIDATION_FAILED', `${base}/StartAt`, 'StartAt must be the name of a state');
  const record = states as Record<string, State>;
  for (const [name, state] of Object.entries(record)) {
    if (name.length > 80)
      ctx.d.error(
        'SCHEMA_VALIDATION_FAILED',
        `${base}/States/${name}`,
        `State name '${name}' is longer than 80 characters`,
      );
    const at = `${base}/States/${name}`;
    checkState(name, state, at, ctx);
    if (!isObject(state as unknown as Json)) continue;
    state.Branches?.forEach?.((b, i) => {
      checkBlock(b?.States, b?.StartAt, `${at}/Branches/${i}`, ctx);
    });
    const processor = processorOf(state);
    if (processor) {
      const field = state.ItemProcessor ? 'ItemProcessor' : 'Iterator';
      checkBlock(processor.States, processor.StartAt, `${at}/${field}`, ctx);
    }
  }
  checkGraph(record, startAt, base, ctx.d);
}

/** asl-validator compiles its schemas on every call (~150 ms), so results are kept per definition. */
const schemaCache = new Map<string, ReturnType<typeof aslValidatorFn>>();
let aslValidator: typeof aslValidatorFn | undefined;

/** Loaded on first use: it pulls in ajv, which takes a quarter of a second to load. */
function loadAslValidator(): typeof aslValidatorFn {
  aslValidator ??= createRequire(import.meta.url)('asl-validator') as typeof aslValidatorFn;
  return aslValidator;
}

/**
 * asl-validator's JSON schema, for what our checks do not cover. Its schema predates parts of JSONata (it
 * rejects valid Output/Assign/Condition values), so findings inside JSONata-only fields, and the `Type` errors
 * its schema reports as a consequence, are left to our own checks.
 */
function addSchemaFindings(def: StateMachineDefinition, d: Diagnostics): void {
  const key = JSON.stringify(def);
  let result = schemaCache.get(key);
  if (!result) {
    try {
      // asl-validator edits the definition it is given (it fills in QueryLanguage): give it a copy.
      result = loadAslValidator()(structuredClone(def), { checkArn: false, checkPaths: true });
    } catch {
      return;
    }
    if (schemaCache.size > 200) schemaCache.clear();
    schemaCache.set(key, result);
  }
  if (result.isValid) return;
  const ours =
    /\/(Assign|Output|Arguments|Condition|Items|ItemSelector|Type|Error|Cause|Seconds|Timestamp|TimeoutSeconds|HeartbeatSeconds|MaxConcurrency|ToleratedFailureCount|ToleratedFailurePercentage|Credentials)(\/|$)/;
  for (const e of result.errors ?? []) {
    if (e['Error code'] !== 'SCHEMA_VALIDATION_FAILED') continue; // transitions and terminals: our graph checks
    const where = e.schemaError?.instancePath ?? '';
    if (ours.test(where)) continue;
    d.error('SCHEMA_VALIDATION_FAILED', where, `asl-validator: ${e.Message}`);
  }
}

/** Validates and returns the definition, or throws a `usage` error listing every problem. */
export function requireValidDefinition(
  input: string | Json,
  options: ValidationOptions = {},
): StateMachineDefinition {
  const r = validateDefinition(input, options);
  if (!r.ok || !r.definition) {
    const errors = r.diagnostics.filter((x) => x.severity === 'ERROR');
    throw new StepvaultError(
      'usage',
      `invalid state machine definition:\n  ${errors.map(formatDiagnostic).join('\n  ')}`,
      {
        hint: 'fix the fields named above (`stepvault workflow validate FILE` lists the same findings)',
      },
    );
  }
  return r.definition;
}
