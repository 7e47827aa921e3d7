// EventBridge Scheduler schedules from the plans' rules: each rule with a schedule starts the backup state
// machine with the input `stepvault plan run` would give it, in the rule's time zone. The rule's start window
// ("a run that cannot start within this time after it is due is skipped") is the schedule's retry policy: the
// Scheduler keeps trying to start the run for that long (MaximumEventAgeInSeconds), then drops it. Not the
// flexible time window, which would delay every run by a random part of the window (8 hours by default).
// Also the start of a run from an EventBridge event (a CI pipeline's pre-deployment backup): an event
// `stepvault.backup.requested` on the `stepvault` bus whose detail names a plan and a rule starts that rule's run.
// And maintenance: once a week per repository that plans back up into, the maintenance workflow (prune, and the
// retention extension that keeps an immutable repository's needed objects locked).

import {
  aws_events as events,
  aws_iam as iam,
  aws_scheduler as scheduler,
  aws_events_targets as targets,
} from 'aws-cdk-lib';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { LoadedConfig } from '../src/config/load-config.ts';
import { parseElapsedDuration } from '../src/domain/duration.ts';
import { allPlanSettings } from '../src/plans/config-environment.ts';
import { workflowInput } from '../src/plans/plan-settings.ts';

const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];

/**
 * A rule's schedule as EventBridge Scheduler takes it: `rate(…)` and `cron(…)` as written; a 5-field cron
 * ("0 3 * * 1-5") translated (weekdays by name, `?` in the unused day field). A 5-field cron that restricts both
 * the day of month and the day of week (cron runs when either matches) has no EventBridge form: refused.
 */
export function eventBridgeExpression(schedule: string): string {
  const text = schedule.trim();
  if (/^(rate|cron)\(.*\)$/i.test(text)) return text;
  const fields = text.split(/\s+/);
  if (fields.length !== 5) throw new Error(`"${schedule}" is not a schedule EventBridge Scheduler can take`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  if (dow === '*' || dow === '?') return `cron(${minute} ${hour} ${dom} ${month} ? *)`;
  if (dom !== '*') {
    throw new Error(
      `"${schedule}" restricts both the day of the month and the day of the week; write it as cron(…) for AWS, with ? in one of them`,
    );
  }
  if (/[/]/.test(dow)) throw new Error(`"${schedule}": write a day-of-week step as cron(…) for AWS`);
  const named = dow.replace(/\d+/g, (n) => {
    const name = WEEKDAYS[Number(n)];
    if (!name) throw new Error(`"${schedule}": ${n} is not a day of the week (0-7)`);
    return name;
  });
  return `cron(${minute} ${hour} ? ${month} ${named} *)`;
}

export interface PlanSchedulesProps {
  config: LoadedConfig;
  backup: IStateMachine;
  maintenance: IStateMachine;
  /** How often each plan's repositories are maintained. @default 'rate(7 days)' */
  maintenanceSchedule?: string;
}

export class PlanSchedules extends Construct {
  /** The schedules, by `plan/rule`. */
  readonly schedules: Record<string, scheduler.CfnSchedule> = {};
  /** The bus that takes requests for runs (`stepvault.backup.requested`). */
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string, props: PlanSchedulesProps) {
    super(scope, id);
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler starts the backup state machine for the plans',
    });
    props.backup.grantStartExecution(role);
    props.maintenance.grantStartExecution(role);
    for (const plan of allPlanSettings(props.config)) {
      const rules = props.config.config.plans[plan.name]?.rules ?? [];
      for (const rule of plan.rules) {
        if (rule.schedule === null) continue;
        const startWindow = rules.find((r) => r.name === rule.name)?.startWindow;
        // the Scheduler accepts 60 s to 24 h
        const seconds = Math.min(
          86_400,
          Math.max(60, Math.round(parseElapsedDuration(startWindow ?? '8h') / 1000)),
        );
        this.schedules[`${plan.name}/${rule.name}`] = new scheduler.CfnSchedule(
          this,
          `${plan.name}-${rule.name}`,
          {
            name: `stepvault-${plan.name}-${rule.name}`.slice(0, 64),
            description: `stepvault plan ${plan.name}, rule ${rule.name}`,
            scheduleExpression: eventBridgeExpression(rule.schedule),
            scheduleExpressionTimezone: rule.timezone,
            flexibleTimeWindow: { mode: 'OFF' },
            target: {
              arn: props.backup.stateMachineArn,
              roleArn: role.roleArn,
              input: JSON.stringify(workflowInput('backup', plan, rule)),
              retryPolicy: { maximumEventAgeInSeconds: seconds, maximumRetryAttempts: 185 },
            },
          },
        );
      }
    }
    // Maintenance of each plan's repositories (its first rule's settings), weekly by default: retention of what
    // kept snapshots need is extended long before the lock period (30 days by default) runs out.
    for (const plan of allPlanSettings(props.config)) {
      const rule = plan.rules[0];
      if (!rule) continue;
      this.schedules[`${plan.name}/maintenance`] = new scheduler.CfnSchedule(
        this,
        `${plan.name}-maintenance`,
        {
          name: `stepvault-${plan.name}-maintenance`.slice(0, 64),
          description: `stepvault maintenance of plan ${plan.name}'s repositories`,
          scheduleExpression: props.maintenanceSchedule ?? 'rate(7 days)',
          flexibleTimeWindow: { mode: 'OFF' },
          target: {
            arn: props.maintenance.stateMachineArn,
            roleArn: role.roleArn,
            input: JSON.stringify(workflowInput('maintenance', plan, rule)),
            retryPolicy: { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 },
          },
        },
      );
    }
    // A run on request (a pipeline's pre-deployment backup): an event on stepvault's own bus naming a plan and a
    // rule, `{"plan": "docs", "rule": "nightly"}`. Only the names come from the event: the run's input (retention,
    // copies, …) is the configuration's, fixed at deployment, so whoever may send events cannot widen what a run
    // deletes. Sending needs events:PutEvents on this bus, which no role of the stack has.
    this.bus = new events.EventBus(this, 'Requests', { eventBusName: 'stepvault' });
    for (const plan of allPlanSettings(props.config)) {
      for (const rule of plan.rules) {
        new events.Rule(this, `OnRequest-${plan.name}-${rule.name}`, {
          eventBus: this.bus,
          description: `starts a stepvault backup of plan ${plan.name}, rule ${rule.name}, when a pipeline asks for one`,
          eventPattern: {
            source: ['stepvault'],
            detailType: ['stepvault.backup.requested'],
            detail: { plan: [plan.name], rule: [rule.name] },
          },
          targets: [
            new targets.SfnStateMachine(props.backup, {
              input: events.RuleTargetInput.fromObject(workflowInput('backup', plan, rule)),
            }),
          ],
        });
      }
    }
  }
}
