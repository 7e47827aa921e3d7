// stepvault workers on ECS Fargate: one service for the tasks that write (backup, copy, check, restore test…)
// with the workers' role, one for the tasks that delete or extend retention with the maintenance role. Each
// polls its activities (`stepvault worker`) and scales on the tasks scheduled on them: out while new tasks come,
// in a minute after none came. A worker protects its ECS task from scale-in while it works (the worker's
// task-protection.ts), so scaling in only ever stops idle workers.

import {
  aws_applicationautoscaling as appscaling,
  aws_cloudwatch as cw,
  Duration,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  aws_iam as iam,
  aws_logs as logs,
  Stack,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcard } from './nag.ts';

export interface WorkerServicesProps {
  /** The container image with stepvault (its entry point runs `stepvault`). */
  image: string;
  /** stepvault.yaml's text: references to secrets only, never secrets. */
  configText: string;
  workers: { role: iam.IRole; activities: string[] };
  maintenance: { role: iam.IRole; activities: string[] };
  /** Most tasks per service; 0: none ever started here (workers run elsewhere). @default 4 */
  maxWorkers?: number;
}

export class WorkerServices extends Construct {
  readonly cluster: ecs.Cluster;
  readonly services: ecs.FargateService[] = [];

  constructor(scope: Construct, id: string, props: WorkerServicesProps) {
    super(scope, id);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0, // workers reach AWS and the data sources through public addresses: no NAT to pay for
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
      flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: vpc as ec2.IVpc, // (typed without exactOptionalPropertyTypes: a Vpc is an IVpc all the same)
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    for (const [name, spec] of [
      ['Workers', props.workers],
      ['Maintenance', props.maintenance],
    ] as const) {
      // the worker's own scale-in protection, through the ECS agent with the task's role
      const protection = Stack.of(this).formatArn({
        service: 'ecs',
        resource: 'task',
        resourceName: `${this.cluster.clusterName}/*`,
      });
      spec.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ecs:UpdateTaskProtection', 'ecs:GetTaskProtection'],
          resources: [protection],
        }),
      );
      acknowledgeWildcard(
        spec.role,
        protection,
        "this cluster's tasks, whose IDs ECS chooses when it starts them",
      );
      const task = new ecs.FargateTaskDefinition(this, `${name}Task`, {
        cpu: 1024,
        memoryLimitMiB: 2048,
        taskRole: spec.role,
      });
      task.addContainer('stepvault', {
        image: ecs.ContainerImage.fromRegistry(props.image),
        entryPoint: ['sh', '-c'],
        command: [
          `printf '%s' "$STEPVAULT_CONFIG_TEXT" > /tmp/stepvault.yaml && exec stepvault worker --config /tmp/stepvault.yaml --grace 110 ${spec.activities
            .map((a) => `--activity ${a}`)
            .join(' ')}`,
        ],
        environment: { STEPVAULT_CONFIG_TEXT: props.configText },
        logging: ecs.LogDrivers.awsLogs({
          streamPrefix: `stepvault-${name.toLowerCase()}`,
          logRetention: logs.RetentionDays.SIX_MONTHS,
        }),
        stopTimeout: Duration.seconds(120), // SIGTERM, then --grace to finish the running task
      });
      acknowledge(
        task,
        'AwsSolutions-ECS2',
        'the one variable is stepvault.yaml, which names its secrets (SSM, Secrets Manager, files) and never holds them',
      );
      const service = new ecs.FargateService(this, `${name}Service`, {
        cluster: this.cluster as ecs.ICluster,
        taskDefinition: task,
        desiredCount: 0,
        assignPublicIp: true,
        minHealthyPercent: 100,
        circuitBreaker: { enable: true, rollback: true },
      });
      this.services.push(service);
      if (props.maxWorkers === 0) continue; // the work runs elsewhere (`stepvault worker` next to the data)
      const scaling = service.autoScaleTaskCount({ minCapacity: 0, maxCapacity: props.maxWorkers ?? 4 });
      scaling.scaleOnMetric('Backlog', {
        metric: backlog(spec.activities),
        scalingSteps: [
          { upper: 0, change: -1 },
          { lower: 1, change: +1 },
          { lower: 4, change: +2 },
        ],
        adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
        cooldown: Duration.minutes(5),
      });
    }
  }
}

/** Activity tasks scheduled in the last minute, over all `activities`. */
function backlog(activities: string[]): cw.IMetric {
  const metrics: Record<string, cw.IMetric> = {};
  activities.forEach((arn, i) => {
    metrics[`s${i}`] = new cw.Metric({
      namespace: 'AWS/States',
      metricName: 'ActivitiesScheduled',
      dimensionsMap: { ActivityArn: arn },
      statistic: 'Sum',
      period: Duration.minutes(1),
    });
  });
  return new cw.MathExpression({
    expression: activities.map((_, i) => `FILL(s${i}, 0)`).join(' + '),
    usingMetrics: metrics,
    label: 'activity tasks scheduled',
    period: Duration.minutes(1),
  });
}
