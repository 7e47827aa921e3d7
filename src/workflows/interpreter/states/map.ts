// The inline Map state: one child scope per item, at most MaxConcurrency at a time (0 = no limit), each started
// lazily so that a Map over many items keeps only the running iterations in memory and in the store. Items are
// kept once as a blob; ItemSelector builds each iteration's input when it starts.

import type { State } from '../../asl/definition.ts';
import { processorOf, queryLanguageOf } from '../../asl/definition.ts';
import { AslError, StatesErrors } from '../../asl/errors.ts';
import type { Json } from '../../asl/json.ts';
import { evaluateJsonataTemplate } from '../../asl/jsonata.ts';
import { evaluatePath, evaluatePayloadTemplate } from '../../asl/payload-template.ts';
import { clearChildren, finishChildren } from '../children.ts';
import { processorKey } from '../compiled.ts';
import { inputPath, integerAtPath, requireInteger } from '../dataflow.ts';
import type { ExecutionMachine } from '../machine.ts';
import type { ChildrenPhase, Scope } from '../model.ts';
import { jsonataEnv, pathEnv } from '../scope-env.ts';
import { runDistributedMap } from './distributed-map.ts';

interface MapItems {
  items: Json[];
  selectorInput: Json;
}

export function itemsKey(scope: Scope): string {
  return `${scope.id}:items`;
}

export async function runMap(m: ExecutionMachine, scope: Scope, state: State): Promise<void> {
  clearChildren(m, scope);
  if (processorOf(state)?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
    await runDistributedMap(m, scope, state);
    return;
  }
  const jsonata = queryLanguageOf(state, m.def.queryLanguage) === 'JSONata';
  let items: Json;
  let selectorInput: Json;
  let maxConcurrency = 0;
  if (jsonata) {
    const env = jsonataEnv(m, scope, scope.input);
    items =
      state.Items !== undefined ? await evaluateJsonataTemplate(state.Items, env, 'Items') : scope.input;
    if (!Array.isArray(items)) {
      throw new AslError(
        StatesErrors.QueryEvaluationError,
        `The Items of state '${scope.state}' must be a JSON array, got ${JSON.stringify(items)}.`,
        'Items',
      );
    }
    if (state.MaxConcurrency !== undefined)
      maxConcurrency = await jsonataInt(state.MaxConcurrency, env, 'MaxConcurrency', 0);
    selectorInput = scope.input;
  } else {
    const effective = inputPath(state, scope.input, pathEnv(m, scope, scope.input));
    const env = pathEnv(m, scope, effective);
    items = state.ItemsPath !== undefined ? evaluatePath(state.ItemsPath, env, 'ItemsPath') : effective;
    if (!Array.isArray(items)) {
      throw new AslError(
        StatesErrors.Runtime,
        `The ItemsPath of state '${scope.state}' must select a JSON array, got ${JSON.stringify(items)}.`,
      );
    }
    if (state.MaxConcurrencyPath !== undefined)
      maxConcurrency = integerAtPath(state.MaxConcurrencyPath, env, 'MaxConcurrencyPath', 0);
    else if (state.MaxConcurrency !== undefined)
      maxConcurrency = requireInteger(state.MaxConcurrency as Json, 'MaxConcurrency', 0);
    selectorInput = effective;
  }
  m.emit(scope, 'MapStateStarted', 'mapStateStartedEventDetails', { length: items.length });
  const phase: ChildrenPhase = {
    kind: 'children',
    mode: 'map',
    total: items.length,
    nextIndex: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    maxConcurrency,
    ...(await tolerance(m, scope, state, selectorInput)),
  };
  m.putBlob(itemsKey(scope), { items, selectorInput } as unknown as Json);
  scope.phase = phase;
  m.touch(scope);
  await spawnIterations(m, scope, state);
  if (phase.total === 0) await finishChildren(m, scope, state, phase);
}

/** ToleratedFailureCount/Percentage (or their Path and JSONata forms), checked after MapStateStarted as AWS does. */
export async function tolerance(
  m: ExecutionMachine,
  scope: Scope,
  state: State,
  effective: Json,
): Promise<{ toleratedCount: number | undefined; toleratedPercentage: number | undefined }> {
  let count: Json | undefined;
  let pct: Json | undefined;
  if (queryLanguageOf(state, m.def.queryLanguage) === 'JSONata') {
    const env = jsonataEnv(m, scope, scope.input);
    if (state.ToleratedFailureCount !== undefined)
      count = await jsonataInt(state.ToleratedFailureCount, env, 'ToleratedFailureCount', 0);
    if (state.ToleratedFailurePercentage !== undefined) {
      pct = await evaluateJsonataTemplate(
        state.ToleratedFailurePercentage as Json,
        env,
        'ToleratedFailurePercentage',
      );
    }
  } else {
    const env = pathEnv(m, scope, effective);
    count =
      state.ToleratedFailureCountPath !== undefined
        ? integerAtPath(state.ToleratedFailureCountPath, env, 'ToleratedFailureCountPath', 0)
        : (state.ToleratedFailureCount as Json | undefined);
    pct =
      state.ToleratedFailurePercentagePath !== undefined
        ? evaluatePath(state.ToleratedFailurePercentagePath, env, 'ToleratedFailurePercentagePath')
        : (state.ToleratedFailurePercentage as Json | undefined);
  }
  if (count !== undefined) requireInteger(count, 'ToleratedFailureCount', 0);
  if (pct !== undefined && (typeof pct !== 'number' || pct < 0 || pct > 100)) {
    throw new AslError(
      StatesErrors.Runtime,
      `ToleratedFailurePercentage must be a number from 0 to 100, got ${JSON.stringify(pct)}.`,
    );
  }
  return { toleratedCount: count as number | undefined, toleratedPercentage: pct as number | undefined };
}

async function jsonataInt(
  value: unknown,
  env: ReturnType<typeof jsonataEnv>,
  field: string,
  min: number,
): Promise<number> {
  const v = await evaluateJsonataTemplate(value as Json, env, field);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new AslError(
      StatesErrors.QueryEvaluationError,
      `${field} must be an integer of at least ${min}, got ${JSON.stringify(v)}.`,
      field,
    );
  }
  return v;
}

/** Starts iterations until MaxConcurrency are running or every item has been started. */
export async function spawnIterations(m: ExecutionMachine, parent: Scope, state: State): Promise<void> {
  const p = parent.phase as ChildrenPhase;
  if (p.mode !== 'map') return;
  const limit = p.maxConcurrency > 0 ? p.maxConcurrency : Number.POSITIVE_INFINITY;
  if (p.running >= limit || p.nextIndex >= p.total) return;
  const { items, selectorInput } = m.blobs.get(itemsKey(parent)) as unknown as MapItems;
  while (p.running < limit && p.nextIndex < p.total) {
    const index = p.nextIndex++;
    const value = items[index]!;
    const input = await iterationInput(m, parent, state, value, index, selectorInput);
    const child = m.newScope({
      parentId: parent.id,
      block: processorKey(parent.block, parent.state),
      index,
      input,
      mapItem: { index, value },
    });
    p.running++;
    m.enqueue(child);
  }
  m.touch(parent);
}

async function iterationInput(
  m: ExecutionMachine,
  parent: Scope,
  state: State,
  value: Json,
  index: number,
  selectorInput: Json,
): Promise<Json> {
  const selector = state.ItemSelector ?? state.Parameters;
  if (selector === undefined) return value;
  const mapItem = { index, value };
  if (queryLanguageOf(state, m.def.queryLanguage) === 'JSONata') {
    return evaluateJsonataTemplate(
      selector,
      jsonataEnv(m, parent, parent.input, { mapItem }),
      'ItemSelector',
    );
  }
  return evaluatePayloadTemplate(selector, pathEnv(m, parent, selectorInput, { mapItem }));
}
