// The Parallel state: every branch runs as a child scope on the same input; the result is the array of
// branch outputs in branch order. One failing branch aborts the others (children.ts).

import type { State } from '../../asl/definition.ts';
import { queryLanguageOf } from '../../asl/definition.ts';
import type { Json } from '../../asl/json.ts';
import { clearChildren, finishChildren } from '../children.ts';
import { branchKey } from '../compiled.ts';
import { inputPath, jsonataField, parameters } from '../dataflow.ts';
import type { ExecutionMachine } from '../machine.ts';
import type { ChildrenPhase, Scope } from '../model.ts';
import { jsonataEnv, pathEnv } from '../scope-env.ts';

export async function runParallel(m: ExecutionMachine, scope: Scope, state: State): Promise<void> {
  clearChildren(m, scope);
  let branchInput: Json;
  if (queryLanguageOf(state, m.def.queryLanguage) === 'JSONata') {
    branchInput = await jsonataField(
      state.Arguments,
      jsonataEnv(m, scope, scope.input),
      'Arguments',
      scope.input,
    );
  } else {
    const effective = inputPath(state, scope.input, pathEnv(m, scope, scope.input));
    branchInput = parameters(state.Parameters, effective, pathEnv(m, scope, effective));
  }
  m.emit(scope, 'ParallelStateStarted');
  const branches = state.Branches ?? [];
  const phase: ChildrenPhase = {
    kind: 'children',
    mode: 'parallel',
    total: branches.length,
    nextIndex: branches.length,
    running: branches.length,
    succeeded: 0,
    failed: 0,
    maxConcurrency: 0,
    toleratedCount: undefined,
    toleratedPercentage: undefined,
  };
  scope.phase = phase;
  m.touch(scope);
  branches.forEach((_, i) => {
    const child = m.newScope({
      parentId: scope.id,
      block: branchKey(scope.block, scope.state, i),
      index: i,
      input: branchInput,
    });
    m.enqueue(child);
  });
  if (branches.length === 0) await finishChildren(m, scope, state, phase);
}
