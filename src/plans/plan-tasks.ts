// The Resource ARNs of stepvault's plan tasks and their registration in a TaskRegistry: one thin handler over
// an operation each (see the *-task.ts modules), plus Step Functions' own `states:startExecution` for nested
// workflows (the backup workflow's restore test).

import type { TaskHandler, TaskRegistry } from '../workflows/engine/task-registry.ts';
import { anomalyGuardTask } from './anomaly-guard-task.ts';
import { backupTask } from './backup-task.ts';
import { checkTask } from './check-task.ts';
import { copyTask } from './copy-task.ts';
import { extendRetentionTask } from './extend-retention-task.ts';
import { type NestedExecutionHost, START_EXECUTION, startExecutionTask } from './nested-execution-task.ts';
import { notifyTask } from './notify-task.ts';
import { pickSnapshotTask } from './pick-snapshot-task.ts';
import type { PlanEnvironment } from './plan-environment.ts';
import { preflightTask } from './preflight-task.ts';
import { restoreTestTask } from './restore-test-task.ts';
import { forgetTask, pruneTask } from './retention-tasks.ts';

export const PLAN_TASK_ARNS = {
  preflight: 'arn:aws:states:::stepvault:preflight',
  backup: 'arn:aws:states:::stepvault:backup',
  anomalyGuard: 'arn:aws:states:::stepvault:anomaly-guard',
  check: 'arn:aws:states:::stepvault:check',
  copy: 'arn:aws:states:::stepvault:copy',
  forget: 'arn:aws:states:::stepvault:forget',
  prune: 'arn:aws:states:::stepvault:prune',
  extendRetention: 'arn:aws:states:::stepvault:extend-retention',
  pickSnapshot: 'arn:aws:states:::stepvault:pick-snapshot',
  restoreTest: 'arn:aws:states:::stepvault:restore-test',
  notify: 'arn:aws:states:::stepvault:notify',
} as const;

/** The handler of each plan task, built over one environment. */
export function planTaskHandlers(env: PlanEnvironment): Record<keyof typeof PLAN_TASK_ARNS, TaskHandler> {
  return {
    preflight: preflightTask(env),
    backup: backupTask(env),
    anomalyGuard: anomalyGuardTask(env),
    check: checkTask(env),
    copy: copyTask(env),
    forget: forgetTask(env),
    prune: pruneTask(env),
    extendRetention: extendRetentionTask(env),
    pickSnapshot: pickSnapshotTask(env),
    restoreTest: restoreTestTask(env),
    notify: notifyTask(env),
  };
}

/** Registers every plan task (and nested executions) in `registry`. */
export function registerPlanTasks(
  registry: TaskRegistry,
  env: PlanEnvironment,
  nested: NestedExecutionHost,
): TaskRegistry {
  const handlers = planTaskHandlers(env);
  for (const [key, arn] of Object.entries(PLAN_TASK_ARNS))
    registry.register(arn, handlers[key as keyof typeof PLAN_TASK_ARNS]);
  return registry.register(START_EXECUTION, startExecutionTask(nested));
}
