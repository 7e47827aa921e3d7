// What tells people a backup went wrong: an SNS topic (KMS-encrypted, TLS only) that the alarms and stepvault's
// own notifications (an `sns` target in stepvault.yaml) publish to; alarms on executions failed, timed out and
// throttled for each state machine, and on the recovery point objective (no backup succeeded within it); and a
// dashboard of the executions.

import {
  aws_cloudwatch_actions as actions,
  aws_cloudwatch as cw,
  Duration,
  aws_iam as iam,
  aws_kms as kms,
  aws_sns as sns,
} from 'aws-cdk-lib';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface MonitoringProps {
  stateMachines: Record<string, StateMachine>;
  /** The state machine whose successes keep the recovery point objective. */
  backup: StateMachine;
  /** @default 1 day */
  rpo?: Duration;
}

export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cw.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const key = new kms.Key(this, 'TopicKey', {
      description: 'stepvault notifications',
      enableKeyRotation: true,
    });
    key.grantEncryptDecrypt(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'stepvault', masterKey: key, enforceSSL: true });
    const action = new actions.SnsAction(this.topic);
    const dashboard = new cw.Dashboard(this, 'Dashboard', { dashboardName: 'stepvault' });
    for (const [name, machine] of Object.entries(props.stateMachines)) {
      const five = { period: Duration.minutes(5), statistic: 'Sum' };
      for (const [what, metric] of [
        ['failed', machine.metricFailed(five)],
        ['timed-out', machine.metricTimedOut(five)],
        ['throttled', machine.metricThrottled(five)],
      ] as const) {
        const alarm = new cw.Alarm(this, `${name}-${what}`, {
          alarmName: `stepvault-${name}-${what}`,
          alarmDescription: `a stepvault ${name} execution ${what.replace('-', ' ')}`,
          metric,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cw.TreatMissingData.NOT_BREACHING,
        });
        alarm.addAlarmAction(action);
        this.alarms.push(alarm);
      }
      dashboard.addWidgets(
        new cw.GraphWidget({
          title: `${name} executions`,
          left: [
            machine.metricSucceeded(),
            machine.metricFailed(),
            machine.metricTimedOut(),
            machine.metricAborted(),
          ],
          width: 12,
        }),
      );
    }
    const rpo = props.rpo ?? Duration.days(1);
    const rpoAlarm = new cw.Alarm(this, 'rpo', {
      alarmName: 'stepvault-rpo-breached',
      alarmDescription: `no stepvault backup succeeded within the recovery point objective (${rpo.toHumanString()})`,
      metric: props.backup.metricSucceeded({ period: rpo, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cw.TreatMissingData.BREACHING,
    });
    rpoAlarm.addAlarmAction(action);
    this.alarms.push(rpoAlarm);
  }
}
