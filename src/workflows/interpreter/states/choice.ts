// The Choice state: the first rule that holds picks Next (with its own Output/Assign in JSONata, its Assign in
// JSONPath); otherwise Default, otherwise States.NoChoiceMatched.

import { evaluateChoiceRule } from '../../asl/choice-rules.ts';
import type { ChoiceRule, State } from '../../asl/definition.ts';
import { queryLanguageOf } from '../../asl/definition.ts';
import { AslError, StatesErrors } from '../../asl/errors.ts';
import { evaluateJsonataTemplate } from '../../asl/jsonata.ts';
import { assignJsonata, assignJsonPath, inputPath, jsonataField, outputPath } from '../dataflow.ts';
import { exitState } from '../flow.ts';
import type { ExecutionMachine } from '../machine.ts';
import type { Scope } from '../model.ts';
import { jsonataEnv, pathEnv } from '../scope-env.ts';

export async function runChoice(m: ExecutionMachine, scope: Scope, state: State): Promise<void> {
  const rules = state.Choices ?? [];
  if (queryLanguageOf(state, m.def.queryLanguage) === 'JSONata') {
    const env = jsonataEnv(m, scope, scope.input);
    let matched: ChoiceRule | undefined;
    for (let i = 0; i < rules.length && !matched; i++) {
      const value = await evaluateJsonataTemplate(
        rules[i]!.Condition ?? null,
        env,
        `Choices[${i}].Condition`,
      );
      if (typeof value !== 'boolean') {
        throw new AslError(
          StatesErrors.QueryEvaluationError,
          `The Condition of Choices[${i}] of state '${scope.state}' must evaluate to a boolean, got ${JSON.stringify(value)}.`,
          `Choices[${i}].Condition`,
        );
      }
      if (value) matched = rules[i];
    }
    const next = matched?.Next ?? noMatch(state, scope);
    const output = await jsonataField(matched?.Output ?? state.Output, env, 'Output', scope.input);
    const assign = await assignJsonata(matched ? matched.Assign : state.Assign, env);
    await exitState(m, scope, state, output, assign, next);
    return;
  }
  const env = pathEnv(m, scope, scope.input);
  const effective = inputPath(state, scope.input, env);
  const ruleEnv = pathEnv(m, scope, effective);
  const matched = rules.find((rule) => evaluateChoiceRule(rule, ruleEnv));
  const next = matched?.Next ?? noMatch(state, scope);
  const assign = assignJsonPath(matched ? matched.Assign : state.Assign, ruleEnv);
  await exitState(m, scope, state, outputPath(state, effective, env), assign, next);
}

function noMatch(state: State, scope: Scope): string {
  if (state.Default !== undefined) return state.Default;
  throw new AslError(
    StatesErrors.NoChoiceMatched,
    `No Choice Rule of state '${scope.state}' matched and there is no Default.`,
  );
}
