// The stack that runs stepvault's plans on AWS, synthesized from stepvault.yaml and the same definition files the
// local engine runs: the repository bucket (Object Lock, lifecycle, KMS), the run bucket of fan-out backups, the
// workflows (activities, Lambda functions, state machines), the workers on Fargate, the plans' schedules, and
// monitoring; with the IAM split that keeps the workers from deleting or unlocking anything. README, "Run it on AWS".

import * as fs from 'node:fs';
import { aws_iam as iam, Stack, type StackProps, type aws_s3 as s3 } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { LoadedConfig } from '../src/config/load-config.ts';
import { Monitoring } from './monitoring.ts';
import { acknowledgeWildcard } from './nag.ts';
import { RepositoryBucket, type RepositoryBucketProps } from './repository-bucket.ts';
import { RepositoryRoles } from './roles.ts';
import { RunBucket } from './run-bucket.ts';
import { PlanSchedules } from './schedules.ts';
import { WorkerServices } from './workers.ts';
import { Workflows } from './workflows.ts';

export interface StepvaultStackProps extends StackProps, RepositoryBucketProps {
  /** stepvault.yaml, loaded (its plans become schedules, its text goes to the workers and functions). */
  config: LoadedConfig;
  /** The worker container image, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/stepvault:1.0`. */
  workerImage: string;
  /** The Lambda bundle's directory (`npm run build:lambda`). @default dist/lambda */
  lambdaCode: string;
  /** Most worker tasks per service. @default 4 */
  maxWorkers?: number;
}

export class StepvaultStack extends Stack {
  readonly repository: RepositoryBucket;
  readonly runs: RunBucket;
  readonly roles: RepositoryRoles;
  readonly workflows: Workflows;
  readonly workers: WorkerServices;
  readonly schedules: PlanSchedules;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: StepvaultStackProps) {
    super(scope, id, props);
    this.repository = new RepositoryBucket(this, 'Repository', props);
    this.roles = new RepositoryRoles(this, 'Roles', { repository: this.repository, config: props.config });
    this.runs = new RunBucket(this, 'Runs', { accessLogs: this.repository.accessLogs as s3.IBucket });
    this.roles.workers.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [this.runs.objectsArn()],
      }),
    );
    acknowledgeWildcard(this.roles.workers, this.runs.objectsArn(), "the run bucket's files, named per run");
    this.workflows = new Workflows(this, 'Workflows', {
      lambdaCode: props.lambdaCode,
      configFile: props.config.file,
      lambdaRole: this.roles.functions,
      runBucket: this.runs,
      awsBackup: awsBackupOf(props.config),
    });
    const workers = this.workflows.activityArns('workers');
    const maintenance = this.workflows.activityArns('maintenance');
    this.roles.grantActivities(this.roles.workers, workers);
    this.roles.grantActivities(this.roles.maintenance, maintenance);
    this.workers = new WorkerServices(this, 'Workers', {
      image: props.workerImage,
      configText: fs.readFileSync(props.config.file, 'utf8'),
      workers: { role: this.roles.workers, activities: workers },
      maintenance: { role: this.roles.maintenance, activities: maintenance },
      ...(props.maxWorkers === undefined ? {} : { maxWorkers: props.maxWorkers }),
    });
    this.schedules = new PlanSchedules(this, 'Schedules', {
      config: props.config,
      backup: this.workflows.stateMachines.backup,
      maintenance: this.workflows.stateMachines.maintenance,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      stateMachines: this.workflows.stateMachines,
      backup: this.workflows.stateMachines.backup,
    });
  }
}

/** The vaults and roles the plans' `awsBackup:` names. */
function awsBackupOf(loaded: LoadedConfig): { vaults: string[]; roles: string[] } {
  const all = Object.values(loaded.config.plans).flatMap((p) => (p.awsBackup ? [p.awsBackup] : []));
  return {
    vaults: [...new Set(all.map((a) => a.vault))].sort(),
    roles: [...new Set(all.map((a) => a.iamRole))].sort(),
  };
}
