// Follows the executions the daemon started or resumed until they end, by looking at their status in the store
// (every 250 ms of real time, and whenever asked): the daemon logs the end, refreshes statistics and lets the
// scheduler start runs that waited. Looking at the store never touches a running execution.

import type { DescribeOutput } from '../workflows/engine/describe.ts';
import type { WorkflowEngine } from '../workflows/engine/engine.ts';

export class ExecutionWatch {
  readonly #engine: WorkflowEngine;
  readonly #onEnded: (execution: DescribeOutput) => void;
  readonly #arns = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(engine: WorkflowEngine, onEnded: (execution: DescribeOutput) => void) {
    this.#engine = engine;
    this.#onEnded = onEnded;
  }

  get size(): number {
    return this.#arns.size;
  }

  watch(executionArn: string): void {
    this.#arns.add(executionArn);
  }

  start(intervalMs = 250): void {
    this.#timer ??= setInterval(() => this.check(), intervalMs);
    this.#timer.unref();
  }

  /** Reports every watched execution that is no longer RUNNING (once). */
  check(): void {
    for (const arn of [...this.#arns]) {
      const stored = this.#engine.execution(arn);
      if (stored && stored.header.status === 'RUNNING') continue;
      this.#arns.delete(arn);
      if (stored) this.#onEnded(this.#engine.describeExecution(arn));
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
