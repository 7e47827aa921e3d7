// What a state's expressions can see: the state input, the Context object (`$$` / `$states.context`), the
// variables of its scope and the enclosing ones, and the execution's clock and random source. Both query
// languages get their environment from here.

import type { IntrinsicEnv } from '../asl/intrinsics.ts';
import type { Json, JsonObject } from '../asl/json.ts';
import type { JsonataEnv } from '../asl/jsonata.ts';
import type { CompiledDefinition } from './compiled.ts';
import type { ExecutionHeader, Scope } from './model.ts';
import { nextFloat, nextUuid } from './random.ts';

export interface EnvSource {
  def: CompiledDefinition;
  header: ExecutionHeader;
  now: number;
  scopes: Map<string, Scope>;
}

export interface ContextExtras {
  taskToken?: string;
  mapItem?: { index: number; value: Json };
}

export function contextObject(src: EnvSource, scope: Scope, extras: ContextExtras = {}): JsonObject {
  const h = src.header;
  const state: JsonObject = { EnteredTime: new Date(scope.enteredTime).toISOString(), Name: scope.state };
  const type = src.def.state(scope.block, scope.state).Type;
  if (type === 'Task' || type === 'Map' || type === 'Parallel') state.RetryCount = scope.retryCount;
  const execution: JsonObject = {
    Id: h.executionArn,
    Input: h.input,
    StartTime: new Date(h.startTime).toISOString(),
    Name: h.name,
    RoleArn: h.roleArn,
    RedriveCount: h.redriveCount,
  };
  if (h.redriveTime !== undefined) execution.RedriveTime = new Date(h.redriveTime).toISOString();
  const ctx: JsonObject = {
    Execution: execution,
    State: state,
    StateMachine: { Id: h.stateMachineArn, Name: h.stateMachineName },
  };
  if (extras.taskToken !== undefined) ctx.Task = { Token: extras.taskToken };
  if (extras.mapItem) ctx.Map = { Item: { Index: extras.mapItem.index, Value: extras.mapItem.value } };
  return ctx;
}

export function lookupVariable(src: EnvSource, scope: Scope, name: string): { found: boolean; value?: Json } {
  let s: Scope | undefined = scope;
  while (s) {
    if (Object.hasOwn(s.vars, name)) return { found: true, value: s.vars[name]! };
    s = s.parentId === null ? undefined : src.scopes.get(s.parentId);
  }
  return { found: false };
}

export function variableNames(src: EnvSource, scope: Scope): string[] {
  const names = new Set<string>();
  let s: Scope | undefined = scope;
  while (s) {
    for (const k of Object.keys(s.vars)) names.add(k);
    s = s.parentId === null ? undefined : src.scopes.get(s.parentId);
  }
  return [...names];
}

/** The JSONPath environment: `$` is `input`. */
export function pathEnv(src: EnvSource, scope: Scope, input: Json, extras: ContextExtras = {}): IntrinsicEnv {
  let ctx: JsonObject | undefined;
  return {
    roots: {
      input,
      get context() {
        ctx ??= contextObject(src, scope, extras);
        return ctx;
      },
      variable: (name) => lookupVariable(src, scope, name),
    },
    random: () => nextFloat(src.header.rngState),
    uuid: () => nextUuid(src.header.rngState),
  };
}

export interface StatesExtras extends ContextExtras {
  result?: Json;
  errorOutput?: Json;
}

/** The JSONata environment: `$states.input` is the state input; result/errorOutput where AWS provides them. */
export function jsonataEnv(src: EnvSource, scope: Scope, input: Json, extras: StatesExtras = {}): JsonataEnv {
  const states: JsonObject = { input, context: contextObject(src, scope, extras) };
  if (extras.result !== undefined) states.result = extras.result;
  if (extras.errorOutput !== undefined) states.errorOutput = extras.errorOutput;
  return {
    states,
    variables: (name) => lookupVariable(src, scope, name),
    variableNames: () => variableNames(src, scope),
    now: () => new Date(src.now),
    random: () => nextFloat(src.header.rngState),
    uuid: () => nextUuid(src.header.rngState),
    stateName: scope.state,
  };
}
