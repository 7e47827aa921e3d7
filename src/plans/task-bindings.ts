// The placeholders of stepvault's workflow definitions and what each one is bound to. A definition names its
// tasks by placeholder (`"Resource": "${BackupTask}"`, `"StateMachineArn": "${RestoreTestStateMachine}"`), the
// same bytes everywhere: on AWS the deployment substitutes the Step Functions activity (or Lambda function) and
// state machine ARNs; here the local engine substitutes local activity ARNs, under which the plan tasks' handlers
// are registered. An activity is named after its task (`stepvault-backup`), so `stepvault worker` finds the
// handler for an activity ARN of any region and account.

import { StepvaultError } from '../common/errors.ts';
import { substitute } from '../workflows/asl/substitutions.ts';
import { LOCAL_PARTITION, type Partition, stateMachineArn } from '../workflows/engine/naming.ts';

/** The tasks a definition can name, by the placeholder it uses (`${<Placeholder>}`). */
export const PLAN_TASKS = {
  PreflightTask: 'preflight',
  BackupTask: 'backup',
  AnomalyGuardTask: 'anomaly-guard',
  CheckTask: 'check',
  CopyTask: 'copy',
  ForgetTask: 'forget',
  PruneTask: 'prune',
  ExtendRetentionTask: 'extend-retention',
  PickSnapshotTask: 'pick-snapshot',
  RestoreTestTask: 'restore-test',
  NotifyTask: 'notify',
  RestoreTask: 'restore',
  FanOutPlanTask: 'fan-out-plan',
  BackupPartTask: 'backup-part',
  CommitPartsTask: 'commit-parts',
} as const;

export type PlanTask = (typeof PLAN_TASKS)[keyof typeof PLAN_TASKS];

/** The state machines a definition can start (a nested execution), by placeholder. */
export const PLAN_STATE_MACHINES = {
  BackupStateMachine: 'stepvault-backup',
  RestoreTestStateMachine: 'stepvault-restore-test',
  MaintenanceStateMachine: 'stepvault-maintenance',
  RestoreStateMachine: 'stepvault-restore',
  AwsBackupStateMachine: 'stepvault-aws-backup',
} as const;

/**
 * The bucket of fan-out runs (the spaces a distributed Map reads, the results it writes): on AWS the stack's run
 * bucket; here a bucket of the local engine's (a directory under its buckets, or S3 with `--buckets s3`).
 */
export const RUN_BUCKET_PLACEHOLDER = 'RunBucket';
export const LOCAL_RUN_BUCKET = 'stepvault-runs';

const ACTIVITY_PREFIX = 'stepvault-';

/** The Step Functions activity of a task: `stepvault-<task>`. */
export function activityName(task: PlanTask): string {
  return `${ACTIVITY_PREFIX}${task}`;
}

export function activityArn(partition: Partition, task: PlanTask): string {
  return `arn:aws:states:${partition.region}:${partition.accountId}:activity:${activityName(task)}`;
}

/** The task an activity ARN (of any region and account) or activity name stands for, if it is one of ours. */
export function taskOfActivity(arnOrName: string): PlanTask | undefined {
  const name = arnOrName.startsWith('arn:') ? arnOrName.split(':activity:')[1] : arnOrName;
  if (!name?.startsWith(ACTIVITY_PREFIX)) return undefined;
  const task = name.slice(ACTIVITY_PREFIX.length);
  return Object.values(PLAN_TASKS).find((t) => t === task);
}

/**
 * The resource under which a handler was registered before definitions used placeholders
 * (`arn:aws:states:::stepvault:<task>`). Step Functions refuses it; the local engine still runs definitions that
 * use it (plans' own workflow files written for earlier versions), and `workflow validate --target aws` names it.
 */
export function legacyResource(task: PlanTask): string {
  return `arn:aws:states:::stepvault:${task}`;
}

/** What every placeholder stands for in `partition`: activity ARNs for tasks, state machine ARNs, the run bucket. */
export function substitutionsFor(partition: Partition): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [placeholder, task] of Object.entries(PLAN_TASKS))
    values[placeholder] = activityArn(partition, task);
  for (const [placeholder, name] of Object.entries(PLAN_STATE_MACHINES))
    values[placeholder] = stateMachineArn(partition, name);
  values[RUN_BUCKET_PLACEHOLDER] = LOCAL_RUN_BUCKET;
  return values;
}

/**
 * `text` with its placeholders bound for `partition` (the local engine's by default); a placeholder stepvault does
 * not know is a `config` error naming it (`origin` says which definition).
 */
export function bindDefinition(text: string, origin: string, partition: Partition = LOCAL_PARTITION): string {
  const values = substitutionsFor(partition);
  const { text: bound, unbound } = substitute(text, values);
  if (unbound.length === 0) return bound;
  const known = Object.keys(values).map((p) => `\${${p}}`);
  throw new StepvaultError(
    'config',
    `the workflow ${origin} uses ${unbound.map((p) => `\${${p}}`).join(', ')}, which stepvault does not define`,
    { hint: `the placeholders a definition can use are ${known.join(', ')}` },
  );
}
