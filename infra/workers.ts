// stepvault workers on ECS Fargate: one service for the tasks that write (backup, copy, check, restore test…)
// with the workers' role, one for the tasks that delete or extend retention with the maintenance role. Each
// polls its activities (`stepvault worker`) and scales on their backlog: tasks scheduled and not yet started.

import {
  aws_applicationautoscaling as appscaling,
  aws_cloudwatch as cw,
  Duration,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  type aws_iam as iam,
  aws_logs as logs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';

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

/** Activity tasks scheduled and not yet taken by a worker, over all `activities`. */
function backlog(activities: string[]): cw.IMetric {
  const metrics: Record<string, cw.IMetric> = {};
  activities.forEach((arn, i) => {
    const metric = (name: string) =>
      new cw.Metric({
        namespace: 'AWS/States',
        metricName: name,
        dimensionsMap: { ActivityArn: arn },
        statistic: 'Sum',
        period: Duration.minutes(1),
      });
    metrics[`s${i}`] = metric('ActivitiesScheduled');
    metrics[`t${i}`] = metric('ActivitiesStarted');
  });
  const sum = (p: string) => activities.map((_, i) => `FILL(${p}${i}, 0)`).join(' + ');
  return new cw.MathExpression({
    expression: `(${sum('s')}) - (${sum('t')})`,
    usingMetrics: metrics,
    label: 'activity backlog',
    period: Duration.minutes(1),
  });
}
