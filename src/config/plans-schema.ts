// `plans:` in stepvault.yaml — backup plans in AWS Backup's vocabulary: a source, a repository, and rules that
// say when to run (schedule, start and completion windows), what to keep (retention), where to copy, how to
// verify, which tags to set and the recovery point objective.

import { z } from 'zod';
import { parseElapsedDuration } from '../domain/duration.ts';
import {
  calendarDurationSchema,
  elapsedDurationSchema,
  keepCountSchema,
  namedMap,
  nameSchema,
  scheduleSchema,
  strictObject,
  subsetSchema,
  timeZoneSchema,
} from './schema-primitives.ts';

export const retentionSchema = strictObject(
  {
    keepLast: keepCountSchema('keep the n newest snapshots').optional(),
    keepHourly: keepCountSchema('keep the newest snapshot of each of the last n hours').optional(),
    keepDaily: keepCountSchema('keep the newest snapshot of each of the last n days').optional(),
    keepWeekly: keepCountSchema('keep the newest snapshot of each of the last n ISO weeks').optional(),
    keepMonthly: keepCountSchema('keep the newest snapshot of each of the last n months').optional(),
    keepYearly: keepCountSchema('keep the newest snapshot of each of the last n years').optional(),
    keepWithin: calendarDurationSchema('keep every snapshot this close to the newest').optional(),
  },
  'Which snapshots to keep (restic semantics); the rest are forgotten',
)
  .refine((r) => Object.values(r).some((v) => v !== undefined), {
    error: 'a retention keeps something: give at least one of keepLast, keepHourly, …, keepWithin',
    // only when the keys themselves are fine: an unknown (misspelt) key is the problem to report then
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: 'Retention' });

const tagSchema = z
  .string()
  .regex(/^[^,\s]{1,64}$/, { error: 'a tag has 1-64 characters, no commas or spaces' });

const ruleSchema = strictObject(
  {
    name: nameSchema,
    schedule: scheduleSchema,
    timezone: timeZoneSchema.default('UTC'),
    startWindow: elapsedDurationSchema(
      'a run that cannot start within this time after it is due is skipped',
    ).default('8h'),
    completionWindow: elapsedDurationSchema(
      'a run still going this long after it started is stopped',
    ).default('7d'),
    retention: retentionSchema.optional(),
    copyTo: z
      .array(
        strictObject({
          repository: nameSchema.describe('the repository that receives a copy of each new snapshot'),
          retention: retentionSchema.optional(),
        }),
      )
      .default([]),
    verify: strictObject({
      checkSubset: subsetSchema.optional(),
      restoreTest: strictObject({
        pick: z.enum(['latest', 'random']).default('latest').describe('which snapshot to restore'),
        within: calendarDurationSchema('with pick: random, choose among snapshots this recent').optional(),
        compare: z
          .enum(['all', 'sample'])
          .default('sample')
          .describe('compare every restored item with the snapshot, or a sample'),
      }).optional(),
    }).optional(),
    tags: z.array(tagSchema).default([]).describe('tags set on every snapshot of this rule'),
    rpo: elapsedDurationSchema('a source whose last good backup is older than this is in breach').optional(),
  },
  'When to back up and what to do with the snapshots',
).superRefine((rule, ctx) => {
  if (!safeWindow(rule.startWindow) || !safeWindow(rule.completionWindow)) return;
  if (parseElapsedDuration(rule.completionWindow) <= parseElapsedDuration(rule.startWindow)) {
    ctx.addIssue({
      code: 'custom',
      path: ['completionWindow'],
      message: `the completion window (${rule.completionWindow}) must be longer than the start window (${rule.startWindow})`,
    });
  }
});

function safeWindow(text: string): boolean {
  try {
    parseElapsedDuration(text);
    return true;
  } catch {
    return false;
  }
}

/** AWS resources a plan protects through AWS Backup (README, "AWS-native resources"). */
export const awsBackupSchema = strictObject(
  {
    vault: z
      .string()
      .regex(/^[A-Za-z0-9_-]{2,50}$/, { error: 'not a backup vault name (2-50 letters, digits, "-", "_")' })
      .describe('the AWS Backup vault the recovery points go to'),
    iamRole: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/\S+$/, { error: 'not an IAM role ARN' })
      .describe('the role AWS Backup assumes to back the resources up (arn:aws:iam::ACCOUNT:role/NAME)'),
    tags: z
      .record(z.string().min(1), z.union([z.string(), z.array(z.string()).min(1)]))
      .refine((t) => Object.keys(t).length > 0, { error: 'name at least one tag' })
      .describe('the resources whose tags match all of these (a value, or a list of which any matches)'),
    resourceTypes: z
      .array(z.string().regex(/^[a-z0-9-]+(:[a-z0-9-]+)?$/, { error: 'not a resource type (e.g. rds:db)' }))
      .default([])
      .describe(
        'only resources of these types (rds:db, ec2:volume, elasticfilesystem:file-system, dynamodb:table, …); empty: any',
      ),
    copyTo: z
      .string()
      .regex(/^arn:aws[a-z-]*:backup:[a-z0-9-]+:[0-9]{12}:backup-vault:\S+$/, {
        error: 'not a backup vault ARN (arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME)',
      })
      .optional()
      .describe('a vault in another region or account each recovery point is copied to'),
    pollEvery: elapsedDurationSchema('how often a job is asked whether it ended').default('2min'),
    maxWait: elapsedDurationSchema('how long a job may take before it is named as timed out').default('24h'),
  },
  'AWS resources (RDS, EBS, EFS, DynamoDB, …) backed up by AWS Backup in each run of the plan',
);

export const planSchema = strictObject(
  {
    source: nameSchema.describe('the source this plan backs up (a key of sources)'),
    repository: nameSchema.describe('the repository snapshots go to (a key of repositories)'),
    rules: z.array(ruleSchema).min(1),
    workflow: z
      .string()
      .min(1)
      .optional()
      .describe('an ASL definition (relative to this file) that replaces the built-in backup workflow'),
    awsBackup: awsBackupSchema.optional(),
    approvalForProductionRestore: z
      .boolean()
      .default(false)
      .describe("a restore into the source itself needs an admin's approval"),
  },
  'A backup plan',
);

export const plansSchema = namedMap(planSchema, 'Backup plans, by name');

export type PlanConfig = z.output<typeof planSchema>;
export type RuleConfig = PlanConfig['rules'][number];
export type RetentionConfig = z.output<typeof retentionSchema>;
export type AwsBackupConfig = z.output<typeof awsBackupSchema>;
