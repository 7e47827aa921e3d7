// The engine's side of a distributed Map: reads items and writes results through an ItemIo, starts the child
// executions the interpreter asks for (idempotently: a child that already exists is resumed, or its result is
// delivered again), and stops the children of a map run that failed or was aborted.

import { StatesErrors } from '../asl/errors.ts';
import type { Json } from '../asl/json.ts';
import type { Command, TaskOutcome } from '../interpreter/model.ts';
import type { StoredExecution } from '../store/workflow-store.ts';
import type { ExecutionRunner } from './execution-runner.ts';
import type { ItemIo } from './item-io.ts';
import { TaskFailure } from './task-registry.ts';

export interface MapRunHost {
  itemIo: ItemIo;
  /** Creates and runs a child execution unless it exists; returns the existing one otherwise. */
  startChild(
    parent: ExecutionRunner,
    cmd: Extract<Command, { kind: 'start-children' }>,
    index: number,
    input: Json,
  ): StoredExecution | undefined;
  /** Makes sure a RUNNING child runs somewhere (resumes it here if no live process does). */
  ensureRunning(child: StoredExecution): void;
  stopChildren(parentArn: string, mapRunArn: string): Promise<void>;
}

/** The outcome a finished child execution reports to its Map. */
export function childOutcome(child: StoredExecution): TaskOutcome | undefined {
  const h = child.header;
  if (h.status === 'RUNNING') return undefined;
  if (h.status === 'SUCCEEDED') return { ok: true, output: h.output ?? null };
  return {
    ok: false,
    error: h.error || (h.status === 'TIMED_OUT' ? StatesErrors.Timeout : StatesErrors.BranchFailed),
    cause: h.cause,
  };
}

function failure(e: unknown, fallback: string): { error: string; cause: string } {
  if (e instanceof TaskFailure) return { error: e.error, cause: e.causeText ?? '' };
  return { error: fallback, cause: (e as Error).message ?? String(e) };
}

export function handleMapCommand(host: MapRunHost, runner: ExecutionRunner, cmd: Command): void {
  switch (cmd.kind) {
    case 'read-items':
      host.itemIo.read(cmd.resource, cmd.parameters, cmd.config).then(
        (items) =>
          runner.deliver({ kind: 'call', fn: (m, now) => m.deliverItems(cmd.scopeId, { items }, now) }),
        (e: unknown) =>
          runner.deliver({
            kind: 'call',
            fn: (m, now) => m.deliverItems(cmd.scopeId, failure(e, StatesErrors.ItemReaderFailed), now),
          }),
      );
      return;
    case 'write-results':
      host.itemIo.write(cmd.resource, cmd.parameters, cmd.config, cmd.mapRunArn, cmd.results).then(
        (details) =>
          runner.deliver({
            kind: 'call',
            fn: (m, now) => m.deliverResultsWritten(cmd.scopeId, { details }, now),
          }),
        (e: unknown) =>
          runner.deliver({
            kind: 'call',
            fn: (m, now) =>
              m.deliverResultsWritten(cmd.scopeId, failure(e, StatesErrors.ResultWriterFailed), now),
          }),
      );
      return;
    case 'start-children':
      for (const child of cmd.children) {
        const existing = host.startChild(runner, cmd, child.index, child.input);
        if (!existing) continue;
        const outcome = childOutcome(existing);
        if (outcome)
          runner.deliver({
            kind: 'call',
            fn: (m, now) => m.deliverChildResult(cmd.scopeId, child.index, outcome, now),
          });
        else host.ensureRunning(existing);
      }
      return;
    case 'cancel':
      if (cmd.token.includes(':mapRun:'))
        void host.stopChildren(runner.machine.header.executionArn, cmd.token);
      return;
    default:
      return;
  }
}
