// A plan as the workflows need it: names, not secrets (repositories and sources are resolved by name in the
// task environment), every optional setting present as null, so ASL Choice rules can test it. Built from the
// configuration (config-environment.ts); the inputs of the three built-in workflows are derived from it here.
// These inputs are the documented contract of the workflows, also for overridden definitions.

import { StepvaultError } from '../common/errors.ts';
import { checkPlanName } from '../domain/plan-tags.ts';
import type { Json } from '../workflows/asl/json.ts';
import type { BuiltinWorkflow } from './builtin-workflows.ts';
import type { RetentionSettings } from './retention-tasks.ts';

export interface RestoreTestSettings {
  pick: 'latest' | 'random';
  /** Only snapshots taken within this elapsed duration (e.g. "30d"); null: any. */
  within: string | null;
  /** What is compared: every restored file, or a sample of them. */
  compare: 'all' | 'sample';
  /** With `compare: sample`: how much ("5%"); null: the restore test's default. */
  sample: string | null;
}

export interface RuleSettings {
  name: string;
  /** The schedule as written (cron, `cron(...)` or `rate(...)`), for listing; null: run on demand only. */
  schedule: string | null;
  timezone: string;
  retention: RetentionSettings | null;
  copyTo: { repository: string; retention: RetentionSettings | null }[];
  verify: { checkSubset: string | null; restoreTest: RestoreTestSettings | null };
  tags: string[];
  /** Prune after retention removed snapshots (null: leave it to the maintenance workflow). */
  prune: { maxUnused: string | null } | null;
}

export interface PlanSettings {
  name: string;
  source: string;
  sourceType: string;
  repository: string;
  /** The backup workflow's definition file when the plan overrides the built-in one (absolute). */
  workflow: string | null;
  /** Anomaly guard thresholds (Confluence sources): counts or "N%". */
  anomaly: { maxDeletedPages?: number | string; maxChangedPages?: number | string } | null;
  /** A Confluence site backed up in parts by many workers (null: in one task). */
  fanOut: { workers: number; parts: number | null } | null;
  /** AWS resources backed up by AWS Backup in each run, as the AWS Backup workflow takes them (null: none). */
  awsBackup: AwsBackupSettings | null;
  rules: RuleSettings[];
}

/** The AWS Backup workflow's input for a plan (definitions/aws-backup.asl.json), less plan, rule and source. */
export interface AwsBackupSettings {
  tagFilters: { Key: string; Values: string[] }[];
  resourceTypes: string[];
  vault: string;
  iamRoleArn: string;
  copyTo: string | null;
  pollSeconds: number;
  maxPolls: number;
}

/** How an AWS Backup run names what it backed up (in notifications): the vault. */
export function awsBackupSource(settings: AwsBackupSettings): string {
  return `aws-backup:${settings.vault}`;
}

/** The rule to run: the one named, or the plan's only/first rule. */
export function ruleOf(plan: PlanSettings, rule?: string): RuleSettings {
  if (rule === undefined) {
    const first = plan.rules[0];
    if (!first)
      throw new StepvaultError('config', `plan ${plan.name} has no rules`, {
        hint: 'add a rule to the plan',
      });
    return first;
  }
  const found = plan.rules.find((r) => r.name === rule);
  if (!found) {
    throw new StepvaultError('usage', `plan ${plan.name} has no rule ${JSON.stringify(rule)}`, {
      hint: `its rules: ${plan.rules.map((r) => r.name).join(', ') || '(none)'}`,
    });
  }
  return found;
}

/** The execution input of a built-in workflow for one rule of a plan. */
export function workflowInput(workflow: BuiltinWorkflow, plan: PlanSettings, rule: RuleSettings): Json {
  checkPlanName('plan', plan.name);
  checkPlanName('rule', rule.name);
  const common = { plan: plan.name, rule: rule.name, source: plan.source, repository: plan.repository };
  switch (workflow) {
    case 'backup':
      return {
        ...common,
        sourceType: plan.sourceType,
        tags: [...rule.tags],
        timezone: rule.timezone,
        retention: rule.retention,
        prune: rule.prune,
        copyTo: rule.copyTo.map((c) => ({ repository: c.repository, retention: c.retention })),
        verify: { checkSubset: rule.verify.checkSubset, restoreTest: rule.verify.restoreTest },
        anomaly: plan.anomaly,
        fanOut: plan.fanOut,
        awsBackup: plan.awsBackup,
      } as unknown as Json;
    case 'aws-backup':
      if (!plan.awsBackup)
        throw new StepvaultError('usage', `plan ${plan.name} protects no AWS resources`, {
          hint: 'add awsBackup: to the plan in stepvault.yaml (README, "AWS-native resources")',
        });
      return {
        plan: plan.name,
        rule: rule.name,
        source: awsBackupSource(plan.awsBackup),
        ...plan.awsBackup,
      } as unknown as Json;
    case 'restore-test':
      return {
        ...common,
        snapshotId: null,
        restoreTest: rule.verify.restoreTest ?? {
          pick: 'latest',
          within: null,
          compare: 'all',
          sample: null,
        },
      } as unknown as Json;
    case 'maintenance':
      return {
        plan: plan.name,
        rule: rule.name,
        repositories: [plan.repository, ...rule.copyTo.map((c) => c.repository)],
        prune: { maxUnused: rule.prune?.maxUnused ?? null },
        check: { readData: true, subset: rule.verify.checkSubset ?? '10%' },
      };
  }
}
