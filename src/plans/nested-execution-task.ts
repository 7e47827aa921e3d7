// `arn:aws:states:::states:startExecution.sync:2` (and `.sync`, and plain `startExecution`): starts an execution
// of another built-in workflow on the same engine, as Step Functions starts a nested state machine. With
// `.sync` the task waits for it: its output (as JSON with `:2`, as text with `.sync`) becomes the result, its
// failure the task's failure (same error name and cause). Idempotent: the child is named after the task's
// idempotency key, so a re-invocation after a crash waits for the child it started (which the engine resumes)
// instead of starting another. A parent task that is cancelled (or a process that shuts down) stops waiting but
// leaves the child running: it ends on its own, and a resumed parent finds it by name.

import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { StepvaultError } from '../common/errors.ts';
import type { Json } from '../workflows/asl/json.ts';
import type { DescribeOutput } from '../workflows/engine/describe.ts';
import type { WorkflowEngine } from '../workflows/engine/engine.ts';
import { executionArn } from '../workflows/engine/naming.ts';
import { type TaskContext, TaskFailure } from '../workflows/engine/task-registry.ts';
import { workflowOfStateMachine } from './builtin-workflows.ts';
import { asTask } from './task-errors.ts';
import { parseTaskInput } from './task-input.ts';

export const START_EXECUTION = 'arn:aws:states:::states:startExecution';

/** How often a waiting task looks at its child's status. */
const POLL_MS = 50;

export const StartExecutionInput = z
  .object({
    StateMachineArn: z.string().regex(/:stateMachine:[A-Za-z0-9_.-]+$/, 'a state machine ARN'),
    Input: z.record(z.string(), z.unknown()).default({}),
    Name: z.string().min(1).max(80).optional(),
  })
  .strict();

export interface NestedExecutionHost {
  engine(): WorkflowEngine;
  /** The definition text of a built-in workflow's state machine, as the current plan runs it. */
  definition(stateMachineName: string): string;
}

export function startExecutionTask(host: NestedExecutionHost) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(StartExecutionInput, input, ctx);
      const smName = request.StateMachineArn.split(':').at(-1)!;
      if (!workflowOfStateMachine(smName)) {
        throw new StepvaultError('usage', `state '${ctx.stateName}': no state machine '${smName}'`, {
          hint: 'nested executions can start stepvault-backup, stepvault-restore-test or stepvault-maintenance',
        });
      }
      const engine = host.engine();
      const name = request.Name ?? `${smName}-${ctx.idempotencyKey.slice(0, 16)}`;
      const arn = executionArn(engine.partition, smName, name);
      const { AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: _parent, ...childInput } = request.Input;
      if (!engine.execution(arn)) {
        await engine.startExecution(host.definition(smName), childInput as Json, {
          name,
          stateMachineName: smName,
        });
      }
      const sync = ctx.resource.includes('.sync');
      if (!sync) return { ExecutionArn: arn, StartDate: engine.describeExecution(arn).startDate };
      const d = await waitUnlessAborted(engine, arn, ctx.signal);
      if (d.status !== 'SUCCEEDED') {
        throw new TaskFailure(
          d.error || 'States.TaskFailed',
          d.cause ?? `execution ${name} ended ${d.status}`,
        );
      }
      const output = d.output ?? 'null';
      return {
        ExecutionArn: arn,
        StateMachineArn: d.stateMachineArn,
        Name: name,
        Status: d.status,
        StartDate: d.startDate,
        StopDate: d.stopDate ?? null,
        Output: ctx.resource.endsWith(':2') ? (JSON.parse(output) as Json) : output,
      };
    });
}

/**
 * Waits for the child to end by reading the store (the child may run in this process or, after a restart, in
 * whichever process resumed it). It does not resume the child itself: the engine's resume does that.
 */
async function waitUnlessAborted(
  engine: WorkflowEngine,
  arn: string,
  signal: AbortSignal,
): Promise<DescribeOutput> {
  for (;;) {
    if (signal.aborted) throw new StepvaultError('interrupted', 'the task was cancelled');
    const d = engine.describeExecution(arn);
    if (d.status !== 'RUNNING') return d;
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
}
