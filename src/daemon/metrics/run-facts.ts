// What the workflow store says about runs, in the few fields metrics and the API need: per execution its
// workflow, status, times, the plan/rule/source/repository its input names and its output. The store is the
// truth (runs started by `stepvault plan run` count too), so nothing here has to survive a restart.
//
// Reading every execution at each scrape would grow with the store's age, so `RunFacts` keeps what it read:
// each refresh reads the running executions, the executions newer than the newest it knows (a page at a time)
// and the ones it knew as running that have ended since. An ended execution that is redriven is seen again
// when a refresh finds it running.

import { isObject, type JsonObject } from '../../workflows/asl/json.ts';
import type { ExecutionRecord, WorkflowEngine } from '../../workflows/engine/engine.ts';

export interface RunFact {
  seq: number;
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

export function runFact({ seq, header: h }: ExecutionRecord): RunFact {
  const input = isObject(h.input) ? h.input : {};
  const text = (key: string) => (typeof input[key] === 'string' ? (input[key] as string) : null);
  return {
    seq,
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
}

export class RunFacts {
  readonly #engine: WorkflowEngine;
  readonly #bySeq = new Map<number, RunFact>();
  #newest = 0;

  constructor(engine: WorkflowEngine) {
    this.#engine = engine;
  }

  /** Every top-level execution, newest first, as the store has it now. */
  all(): RunFact[] {
    this.#refresh();
    return [...this.#bySeq.values()].sort((a, b) => b.seq - a.seq);
  }

  #refresh(): void {
    const running = new Set<number>();
    for (const e of this.#engine.executionRecords({ status: 'RUNNING', limit: 1_000_000 })) {
      running.add(e.seq);
      this.#put(e);
    }
    for (let limit = 64; ; limit *= 4) {
      const page = this.#engine.executionRecords({ limit });
      for (const e of page) if (e.seq > this.#newest) this.#put(e);
      if (page.length < limit || page.at(-1)!.seq <= this.#newest) break;
    }
    for (const fact of this.#bySeq.values()) {
      if (fact.status !== 'RUNNING' || running.has(fact.seq)) continue;
      const stored = this.#engine.executionBySeq(fact.seq);
      if (stored) this.#put(stored);
    }
    for (const seq of this.#bySeq.keys()) if (seq > this.#newest) this.#newest = seq;
  }

  #put(e: ExecutionRecord): void {
    this.#bySeq.set(e.seq, runFact(e));
  }
}
