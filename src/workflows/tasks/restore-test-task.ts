// `arn:aws:states:::stepvault:restore-test`: restores a snapshot into a fresh scratch directory and compares what
// it restored with what the snapshot recorded. Its operation (operations/verify/restore-test.ts) is not part of
// this build yet: the task fails with a clear cause until it is.

import { StepvaultError } from '../../common/errors.ts';
import type { Json } from '../asl/json.ts';
import type { TaskContext } from '../engine/task-registry.ts';
import type { PlanEnvironment } from './plan-environment.ts';
import { asTask } from './task-errors.ts';

export function restoreTestTask(_env: PlanEnvironment) {
  return (_input: Json, _ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      throw new StepvaultError('usage', 'restore tests are not available in this build', {
        hint: 'remove verify.restoreTest from the rule, or update stepvault',
      });
    });
}
