// The commands a distributed Map gives the driver — read the items, start child executions, write the results —
// built from the state's fields, and the ones to give again after a restart (from what the store holds).

import type { State } from '../../asl/definition.ts';
import { queryLanguageOf } from '../../asl/definition.ts';
import type { Json, JsonObject } from '../../asl/json.ts';
import { evaluateJsonataTemplate } from '../../asl/jsonata.ts';
import { evaluateJsonPath } from '../../asl/jsonpath.ts';
import { evaluatePayloadTemplate } from '../../asl/payload-template.ts';
import { resultKey } from '../children.ts';
import { processorKey } from '../compiled.ts';
import { inputPath, integerAtPath } from '../dataflow.ts';
import type { ExecutionMachine } from '../machine.ts';
import type { ChildrenPhase, Command, Scope } from '../model.ts';
import { jsonataEnv, pathEnv } from '../scope-env.ts';

export const unitsKey = (scope: Scope) => `${scope.id}:units`;
export const failedKey = (scope: Scope, index: number) => `${scope.id}:f:${index}`;

export async function readCommand(m: ExecutionMachine, scope: Scope, state: State): Promise<Command> {
  const reader = state.ItemReader!;
  if (queryLanguageOf(state, m.def.queryLanguage) === 'JSONata') {
    const args = await evaluateJsonataTemplate(
      reader.Arguments ?? {},
      jsonataEnv(m, scope, scope.input),
      'ItemReader.Arguments',
    );
    return {
      kind: 'read-items',
      scopeId: scope.id,
      resource: reader.Resource,
      parameters: args,
      config: { ...((reader.ReaderConfig ?? {}) as JsonObject) },
    };
  }
  const env = pathEnv(m, scope, inputPath(state, scope.input, pathEnv(m, scope, scope.input)));
  const config: JsonObject = { ...((reader.ReaderConfig ?? {}) as JsonObject) };
  const maxItems = maxItemsOf(m, scope, state);
  if (typeof maxItems === 'number') config.MaxItems = maxItems;
  return {
    kind: 'read-items',
    scopeId: scope.id,
    resource: reader.Resource,
    parameters: evaluatePayloadTemplate(reader.Parameters ?? {}, env),
    config,
  };
}

/**
 * The ItemReader's `MaxItemsPath` value: a number, a string that names the reader's complaint about it (as AWS
 * fails the map run with it after the run started), or undefined when there is none.
 */
export function maxItemsOf(
  m: ExecutionMachine,
  scope: Scope,
  state: State,
): number | { problem: string } | undefined {
  const path = state.ItemReader?.ReaderConfig?.MaxItemsPath;
  if (!path || queryLanguageOf(state, m.def.queryLanguage) === 'JSONata') return undefined;
  const env = pathEnv(m, scope, inputPath(state, scope.input, pathEnv(m, scope, scope.input)));
  try {
    return integerAtPath(path, env, 'MaxItemsPath', 0);
  } catch (error) {
    const value = evaluateJsonPath(path, env.roots);
    if (!value.found) throw error; // a path that finds nothing fails the state, before the run
    return {
      problem:
        typeof value.value === 'number' && value.value < 0
          ? 'field MaxItems must be positive'
          : `field MaxItems must be an integer, got ${JSON.stringify(value.value)}`,
    };
  }
}

export function startCommand(
  m: ExecutionMachine,
  scope: Scope,
  children: { index: number; input: Json }[],
): Command {
  return {
    kind: 'start-children',
    scopeId: scope.id,
    mapRunArn: (scope.phase as ChildrenPhase).mapRunArn!,
    block: processorKey(scope.block, scope.state),
    label: m.state(scope).Label ?? scope.state,
    children,
  };
}

/**
 * What a distributed Map was waiting for when the process stopped, asked for again after a restart: its items,
 * the children that have not reported (starting a child is idempotent), or the writing of its results.
 */
export async function pendingDistributedCommands(m: ExecutionMachine): Promise<Command[]> {
  const out: Command[] = [];
  for (const scope of m.scopes.values()) {
    const p = scope.phase;
    if (scope.status !== 'running' || p.kind !== 'children' || p.mode !== 'distributed') continue;
    const state = m.state(scope);
    const units = m.blobs.get(unitsKey(scope)) as Json[] | undefined;
    if (!units) {
      if (state.ItemReader) out.push(await readCommand(m, scope, state));
      continue;
    }
    if (p.running === -1) {
      out.push(await writeCommand(m, scope, state, p));
      continue;
    }
    const children: { index: number; input: Json }[] = [];
    for (let i = 0; i < p.nextIndex; i++) {
      if (!m.blobs.has(resultKey(scope, i)) && !m.blobs.has(failedKey(scope, i)))
        children.push({ index: i, input: units[i]! });
    }
    if (children.length > 0) out.push(startCommand(m, scope, children));
  }
  return out;
}

export function runResults(
  m: ExecutionMachine,
  scope: Scope,
  p: ChildrenPhase,
): { index: number; ok: boolean; value: Json }[] {
  const results: { index: number; ok: boolean; value: Json }[] = [];
  for (let i = 0; i < p.total; i++) {
    const ok = m.blobs.has(resultKey(scope, i));
    results.push({
      index: i,
      ok,
      value: (ok ? m.blobs.get(resultKey(scope, i)) : m.blobs.get(failedKey(scope, i))) ?? null,
    });
  }
  return results;
}

export async function writeCommand(
  m: ExecutionMachine,
  scope: Scope,
  state: State,
  p: ChildrenPhase,
): Promise<Command> {
  const w = state.ResultWriter!;
  const args =
    queryLanguageOf(state, m.def.queryLanguage) === 'JSONata'
      ? await evaluateJsonataTemplate(
          w.Arguments ?? {},
          jsonataEnv(m, scope, scope.input),
          'ResultWriter.Arguments',
        )
      : evaluatePayloadTemplate(w.Parameters ?? {}, pathEnv(m, scope, scope.input));
  return {
    kind: 'write-results',
    scopeId: scope.id,
    mapRunArn: p.mapRunArn!,
    resource: w.Resource ?? '',
    parameters: args,
    config: (w.WriterConfig ?? {}) as JsonObject,
    results: runResults(m, scope, p),
  };
}
