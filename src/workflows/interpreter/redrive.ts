// Redrive, as Step Functions does it: a FAILED, TIMED_OUT or ABORTED execution continues from where it stopped.
// Scopes that had not succeeded re-enter the state they were in; a Map or Parallel state re-runs only its
// iterations or branches that failed or were aborted, keeping the results of those that succeeded.

import type { ExecutionMachine } from './machine.ts';
import type { Scope } from './model.ts';
import { spawnIterations } from './states/map.ts';

export const REDRIVABLE = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

export async function redriveExecution(m: ExecutionMachine): Promise<void> {
  const h = m.header;
  if (!(REDRIVABLE as readonly string[]).includes(h.status)) {
    throw new Error(
      `an execution can be redriven only when it is FAILED, TIMED_OUT or ABORTED (it is ${h.status})`,
    );
  }
  const root = [...m.scopes.values()].find((s) => s.parentId === null);
  if (!root) throw new Error('the execution has no state left to redrive');
  h.status = 'RUNNING';
  h.redriveCount++;
  h.redriveTime = m.now;
  h.stopTime = undefined;
  h.error = undefined;
  h.cause = undefined;
  const timeout = m.def.definition.TimeoutSeconds;
  h.timeoutAt = timeout === undefined ? undefined : m.now + timeout * 1000;
  m.emit(null, 'ExecutionRedriven', 'executionRedrivenEventDetails', { redriveCount: h.redriveCount });
  await redriveScope(m, root);
}

async function redriveScope(m: ExecutionMachine, scope: Scope): Promise<void> {
  if (scope.status === 'succeeded') return;
  scope.status = 'running';
  delete scope.error;
  const p = scope.phase;
  if (p.kind === 'children' && p.mode !== 'distributed') {
    delete p.failure;
    let running = 0;
    for (const child of m.childrenOf(scope)) {
      if (child.status === 'succeeded') continue;
      if (child.status === 'failed') p.failed--;
      if (child.started) child.started = false;
      await redriveScope(m, child);
      running++;
    }
    p.running = running;
    m.touch(scope);
    if (p.mode === 'map') await spawnIterations(m, scope, m.state(scope));
    if (p.running === 0) {
      scope.phase = { kind: 'run' };
      m.enqueue(scope);
    }
    return;
  }
  scope.phase = { kind: 'enter' };
  m.touch(scope);
  m.enqueue(scope);
}
