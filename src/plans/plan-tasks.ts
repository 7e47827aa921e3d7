// The plan tasks' handlers and their registration in a TaskRegistry: one thin handler over an operation each
// (see the *-task.ts modules), registered under the local activity ARN their placeholder is bound to
// (task-bindings.ts) and under the resource definitions of earlier versions used, plus Step Functions' own
// `states:startExecution` for nested workflows (the backup workflow's restore test).

import type { ObjectStore } from '../workflows/engine/item-io.ts';
import { LOCAL_PARTITION } from '../workflows/engine/naming.ts';
import type { TaskHandler, TaskRegistry } from '../workflows/engine/task-registry.ts';
import { anomalyGuardTask } from './anomaly-guard-task.ts';
import { awsSdkIntegration } from './aws-sdk/aws-sdk-integration.ts';
import { backupTask } from './backup-task.ts';
import { checkTask } from './check-task.ts';
import { copyTask } from './copy-task.ts';
import { extendRetentionTask } from './extend-retention-task.ts';
import { backupPartTask, commitPartsTask, fanOutPlanTask } from './fan-out-tasks.ts';
import { type NestedExecutionHost, START_EXECUTION, startExecutionTask } from './nested-execution-task.ts';
import { notifyTask } from './notify-task.ts';
import { pickSnapshotTask } from './pick-snapshot-task.ts';
import type { PlanEnvironment } from './plan-environment.ts';
import { preflightTask } from './preflight-task.ts';
import { restoreTestTask } from './restore-test-task.ts';
import { forgetTask, pruneTask } from './retention-tasks.ts';
import { activityArn, legacyResource, type PlanTask } from './task-bindings.ts';

/** The tasks of plan runs (the daemon adds `restore`, which needs its configuration). */
export type PlanRunTask = Exclude<PlanTask, 'restore'>;

/**
 * The handler of each plan task, built over one environment; `objects` is the run bucket's store (the engine's
 * buckets, or S3), which fan-out backups keep their run's files in.
 */
export function planTaskHandlers(
  env: PlanEnvironment,
  objects?: () => ObjectStore,
): Record<PlanRunTask, TaskHandler> {
  return {
    preflight: preflightTask(env),
    backup: backupTask(env),
    'anomaly-guard': anomalyGuardTask(env),
    check: checkTask(env),
    copy: copyTask(env),
    forget: forgetTask(env),
    prune: pruneTask(env),
    'extend-retention': extendRetentionTask(env),
    'pick-snapshot': pickSnapshotTask(env),
    'restore-test': restoreTestTask(env),
    notify: notifyTask(env),
    'fan-out-plan': fanOutPlanTask(env, objects),
    'backup-part': backupPartTask(env, objects),
    'commit-parts': commitPartsTask(env, objects),
  };
}

/** Registers `handler` for `task` under the local engine's activity ARN and the legacy resource. */
export function registerTask(registry: TaskRegistry, task: PlanTask, handler: TaskHandler): TaskRegistry {
  return registry
    .register(activityArn(LOCAL_PARTITION, task), handler)
    .register(legacyResource(task), handler);
}

/** Registers every plan task (and nested executions, and AWS SDK integrations) in `registry`. */
export function registerPlanTasks(
  registry: TaskRegistry,
  env: PlanEnvironment,
  nested: NestedExecutionHost,
  objects?: () => ObjectStore,
): TaskRegistry {
  const handlers = planTaskHandlers(env, objects);
  for (const [task, handler] of Object.entries(handlers))
    registerTask(registry, task as PlanRunTask, handler);
  registry.registerIntegration('aws-sdk:', awsSdkIntegration);
  return registry.register(START_EXECUTION, startExecutionTask(nested));
}
