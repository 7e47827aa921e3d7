// What the workflow store says about runs, in the few fields metrics and the API need: per execution its
// workflow, status, times, the plan/rule/source/repository its input names and its output. The store is the
// truth (runs started by `stepvault plan run` count too), so nothing here has to survive a restart.

import { isObject, type JsonObject } from '../../workflows/asl/json.ts';
import type { WorkflowEngine } from '../../workflows/engine/engine.ts';

export interface RunFact {
  executionArn: string;
  name: string;
  /** The state machine without the `stepvault-` prefix: backup, restore-test, maintenance, restore, … */
  workflow: string;
  status: string;
  start: number;
  stop: number | undefined;
  plan: string | null;
  rule: string | null;
  source: string | null;
  repository: string | null;
  output: JsonObject | null;
  error: string | null;
  /** A backup run that verifies a sample of the repository (`verify.checkSubset`). */
  checksSample: boolean;
}

/** Every top-level execution, newest first. */
export function runFacts(engine: WorkflowEngine): RunFact[] {
  return engine.store.listExecutions({ limit: 1_000_000 }).map(({ header: h }) => {
    const input = isObject(h.input) ? h.input : {};
    const text = (key: string) => (typeof input[key] === 'string' ? (input[key] as string) : null);
    return {
      executionArn: h.executionArn,
      name: h.name,
      workflow: h.stateMachineName.replace(/^stepvault-/, ''),
      status: h.status,
      start: h.startTime,
      stop: h.stopTime,
      plan: text('plan'),
      rule: text('rule'),
      source: text('source'),
      repository: text('repository'),
      output: isObject(h.output) ? h.output : null,
      error: h.error ?? null,
      checksSample:
        isObject(input.verify) && input.verify.checkSubset !== null && input.verify.checkSubset !== undefined,
    };
  });
}
