// The workflows on Step Functions: an activity for each task the workers run, a Lambda function for each short
// task (the bundle of scripts/build-lambda.ts with stepvault.yaml beside it), and the built-in state machines —
// Standard, logging to CloudWatch Logs, traced — from the same definition files the local engine runs, their
// placeholders substituted with these resources' ARNs (DefinitionSubstitutions).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ArnFormat,
  Duration,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { LAMBDA_TASKS } from '../src/aws/lambda-handler.ts';
import { builtinDefinitionPath, stateMachineName } from '../src/plans/builtin-workflows.ts';
import {
  activityName,
  PLAN_STATE_MACHINES,
  PLAN_TASKS,
  type PlanTask,
  RUN_BUCKET_PLACEHOLDER,
} from '../src/plans/task-bindings.ts';
import { placeholdersIn } from '../src/workflows/asl/substitutions.ts';
import { acknowledge, acknowledgeWildcard } from './nag.ts';
import type { RunBucket } from './run-bucket.ts';

/** The state machines deployed, in an order where a nested one comes before the one that starts it. */
const DEPLOYED = ['restore-test', 'maintenance', 'aws-backup', 'backup'] as const;
/** Tasks that delete or change retention: served by the maintenance workers (their role may). */
export const MAINTENANCE_TASKS: readonly PlanTask[] = ['forget', 'prune', 'extend-retention'];

export interface WorkflowsProps {
  /** The directory of the Lambda bundle (npm run build:lambda). */
  lambdaCode: string;
  /** stepvault.yaml, shipped with the functions. */
  configFile: string;
  /** The role the functions run with (they only notify and read). */
  lambdaRole: iam.IRole;
  /** Where fan-out backups keep their run's files (`${RunBucket}`). */
  runBucket: RunBucket;
  /** The vaults and roles of the plans' `awsBackup:` (the AWS Backup workflow may use only those). */
  awsBackup: { vaults: string[]; roles: string[] };
}

export class Workflows extends Construct {
  readonly activities: Partial<Record<PlanTask, sfn.Activity>> = {};
  readonly functions: Partial<Record<PlanTask, lambda.Function>> = {};
  readonly stateMachines: Record<(typeof DEPLOYED)[number], sfn.StateMachine>;

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    const code = lambda.Code.fromAsset(stageFunctionCode(props.lambdaCode, props.configFile));
    const substitutions: Record<string, string> = {
      [RUN_BUCKET_PLACEHOLDER]: props.runBucket.bucket.bucketName,
    };
    for (const [placeholder, task] of Object.entries(PLAN_TASKS)) {
      if (task === 'restore') continue; // the daemon's restore workflow stays with `stepvault serve`
      if (LAMBDA_TASKS.includes(task)) {
        const fn = new lambda.Function(this, `${placeholder}Function`, {
          functionName: `stepvault-${task}`,
          description: `stepvault ${task} task`,
          runtime: lambda.Runtime.NODEJS_24_X,
          architecture: lambda.Architecture.X86_64,
          handler: 'index.handler',
          code,
          memorySize: 512,
          timeout: Duration.minutes(5),
          role: props.lambdaRole,
          environment: { STEPVAULT_TASK: task, STEPVAULT_CONFIG: '/var/task/stepvault.yaml' },
          tracing: lambda.Tracing.ACTIVE,
        });
        this.functions[task] = fn;
        acknowledge(
          fn,
          'AwsSolutions-L1',
          'Node.js 24 (LTS) is the runtime stepvault is built for and tested on; the bundle targets it',
        );
        acknowledge(
          fn.role ?? fn,
          'AwsSolutions-IAM5[Resource::*]',
          'X-Ray tracing (PutTraceSegments) has no resource-level permissions',
        );
        substitutions[placeholder] = fn.functionArn;
      } else {
        const activity = new sfn.Activity(this, `${placeholder}Activity`, {
          activityName: activityName(task),
        });
        this.activities[task] = activity;
        substitutions[placeholder] = activity.activityArn;
      }
    }
    const machines: Partial<Record<(typeof DEPLOYED)[number], sfn.StateMachine>> = {};
    for (const workflow of DEPLOYED) {
      const text = fs.readFileSync(builtinDefinitionPath(workflow), 'utf8');
      const used = placeholdersIn(text);
      const values: Record<string, string> = {};
      for (const name of used) {
        const value = substitutions[name];
        if (value === undefined) throw new Error(`${workflow}: nothing deployed for \${${name}}`);
        values[name] = value;
      }
      const logGroup = new logs.LogGroup(this, `${workflow}-logs`, {
        logGroupName: `/aws/vendedlogs/states/stepvault-${workflow}`,
        retention: logs.RetentionDays.SIX_MONTHS,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const machine = new sfn.StateMachine(this, workflow, {
        stateMachineName: stateMachineName(workflow),
        stateMachineType: sfn.StateMachineType.STANDARD,
        definitionBody: sfn.DefinitionBody.fromString(text),
        definitionSubstitutions: values,
        logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
        tracingEnabled: true,
      });
      for (const name of used) {
        const fn = this.functions[PLAN_TASKS[name as keyof typeof PLAN_TASKS]];
        if (!fn) continue;
        fn.grantInvoke(machine);
        acknowledgeWildcard(
          machine,
          `${fn.functionArn}:*`,
          "invoking the function's versions and aliases, as the CDK grants it",
        );
      }
      acknowledge(
        machine,
        'AwsSolutions-IAM5[Resource::*]',
        workflow === 'aws-backup'
          ? "X-Ray tracing, the delivery of logs to CloudWatch Logs, the tagging API's GetResources and AWS Backup's DescribeBackupJob and DescribeCopyJob have no resource-level permissions"
          : 'X-Ray tracing and the delivery of logs to CloudWatch Logs have no resource-level permissions',
      );
      machines[workflow] = machine;
      // a later definition that starts this one (the backup's nested restore test) gets its ARN
      for (const [placeholder, name] of Object.entries(PLAN_STATE_MACHINES))
        if (name === stateMachineName(workflow)) substitutions[placeholder] = machine.stateMachineArn;
    }
    this.stateMachines = machines as Record<(typeof DEPLOYED)[number], sfn.StateMachine>;
    // the backup workflow runs the restore test and AWS Backup as nested executions (startExecution.sync:2)
    const backup = this.stateMachines.backup;
    for (const workflow of ['restore-test', 'aws-backup'] as const) {
      this.stateMachines[workflow].grantStartExecution(backup);
      const nestedExecutions = Stack.of(this).formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${stateMachineName(workflow)}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      backup.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [nestedExecutions],
        }),
      );
      acknowledgeWildcard(
        backup,
        nestedExecutions,
        `the ${workflow} executions, named when the backup starts them`,
      );
    }
    this.#grantDistributedMap(backup, stateMachineName('backup'), props.runBucket);
    this.#grantDistributedMap(this.stateMachines['aws-backup'], stateMachineName('aws-backup'));
    this.#grantAwsBackup(this.stateMachines['aws-backup'], props.awsBackup);
    backup.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          Stack.of(this).formatArn({
            service: 'events',
            resource: 'rule',
            resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
          }),
        ],
      }),
    );
  }

  /**
   * What a distributed Map of `machine` needs (the backup's fan-out, AWS Backup's jobs): reading its items from and
   * writing its results to the run bucket (when it uses one), and starting, watching and stopping its child executions (named after the machine,
   * so no reference to the machine itself, which would be circular).
   */
  #grantDistributedMap(machine: sfn.StateMachine, name: string, runBucket?: RunBucket): void {
    const stack = Stack.of(this);
    if (runBucket) {
      machine.addToRolePolicy(
        new iam.PolicyStatement({
          // (the ResultWriter may upload large result files in parts)
          actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          resources: [runBucket.objectsArn()],
        }),
      );
      acknowledgeWildcard(machine, runBucket.objectsArn(), "the run bucket's files, named per run");
    }
    const self = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const children = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${name}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const mapRuns = stack.formatArn({
      service: 'states',
      resource: 'mapRun',
      resourceName: `${name}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    machine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [self] }),
    );
    machine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [children],
      }),
    );
    machine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeMapRun'],
        resources: [mapRuns],
      }),
    );
    acknowledgeWildcard(machine, children, "the fan-out's child executions, named by the map run");
    acknowledgeWildcard(machine, mapRuns, "the fan-out's map runs, named when they start");
  }

  /**
   * What the AWS Backup workflow calls: the tagging API to select resources, backup and copy jobs into the plans'
   * vaults only, with the plans' roles only (passed to AWS Backup and nothing else).
   */
  #grantAwsBackup(machine: sfn.StateMachine, config: WorkflowsProps['awsBackup']): void {
    const stack = Stack.of(this);
    machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['tag:GetResources'], resources: ['*'] }));
    machine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['backup:DescribeBackupJob', 'backup:DescribeCopyJob'],
        resources: ['*'],
      }),
    );
    if (config.vaults.length > 0) {
      const vaults = config.vaults.map((vault) =>
        stack.formatArn({
          service: 'backup',
          resource: 'backup-vault',
          resourceName: vault,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
      const recoveryPoints = stack.formatArn({
        service: 'backup',
        resource: 'recovery-point',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      machine.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['backup:StartBackupJob'], resources: vaults }),
      );
      machine.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['backup:StartCopyJob'], resources: [recoveryPoints] }),
      );
      acknowledgeWildcard(
        machine,
        recoveryPoints,
        'the recovery points the backup jobs make, named by AWS Backup',
      );
    }
    if (config.roles.length > 0)
      machine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['iam:PassRole'],
          resources: config.roles,
          conditions: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
        }),
      );
  }

  /** Activity ARNs served by the workers (`maintenance`: those of the maintenance workers). */
  activityArns(kind: 'workers' | 'maintenance'): string[] {
    return Object.entries(this.activities)
      .filter(([task]) => MAINTENANCE_TASKS.includes(task as PlanTask) === (kind === 'maintenance'))
      .map(([, activity]) => activity.activityArn);
  }
}

/** The function's code: the bundle and stepvault.yaml (secrets stay references: the functions resolve them). */
function stageFunctionCode(bundleDir: string, configFile: string): string {
  if (!fs.existsSync(path.join(bundleDir, 'index.mjs'))) {
    throw new Error(`no Lambda bundle in ${bundleDir}: run \`npm run build:lambda\` first`);
  }
  const staged = fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-lambda-'));
  fs.cpSync(bundleDir, staged, { recursive: true });
  fs.copyFileSync(configFile, path.join(staged, 'stepvault.yaml'));
  return staged;
}
