// The AWS Backup workflow (src/plans/definitions/aws-backup.asl.json) on the local engine, its AWS SDK
// integrations made through the real SDK clients against a loopback double of AWS Backup and the Resource Groups
// Tagging API: resources are selected by tags; a job that completes is copied to the other vault; one that fails
// and one that never ends (bounded by maxPolls) are named in a failed run and its notification, after the others
// finished; a run where every job completes succeeds and notifies so.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awsSdkIntegration } from '../src/plans/aws-sdk/aws-sdk-integration.ts';
import { activityArn, bindDefinition } from '../src/plans/task-bindings.ts';
import type { Json } from '../src/workflows/asl/json.ts';
import { WorkflowEngine } from '../src/workflows/engine/engine.ts';
import { LOCAL_PARTITION } from '../src/workflows/engine/naming.ts';
import { TaskRegistry } from '../src/workflows/engine/task-registry.ts';
import { type AwsBackupDouble, startAwsBackupDouble } from './support/aws-backup-double.ts';
import { setProcessEnv } from './support/process-env.ts';

const DEFINITION = path.join(import.meta.dirname, '..', 'src', 'plans', 'definitions', 'aws-backup.asl.json');
const ROLE = 'arn:aws:iam::123456789012:role/stepvault-aws-backup';
const OFFSITE = 'arn:aws:backup:eu-central-1:123456789012:backup-vault:offsite';
const DB = 'arn:aws:rds:eu-west-1:123456789012:db:orders';
const VOLUME = 'arn:aws:ec2:eu-west-1:123456789012:volume/vol-0abc';
const TABLE = 'arn:aws:dynamodb:eu-west-1:123456789012:table/sessions';
const UNTAGGED = 'arn:aws:rds:eu-west-1:123456789012:db:scratch';

describe('the AWS Backup workflow', () => {
  let aws: AwsBackupDouble;
  let engine: WorkflowEngine;
  const notified: Record<string, Json>[] = [];
  let restoreEnv: () => void = () => {};

  before(async () => {
    aws = await startAwsBackupDouble([
      { arn: DB, tags: { backup: 'nightly', app: 'shop' }, fate: 'complete', polls: 3 },
      { arn: VOLUME, tags: { backup: 'nightly' }, fate: 'fail' },
      { arn: TABLE, tags: { backup: 'nightly', app: 'sessions' }, fate: 'hang' },
      { arn: UNTAGGED, tags: { app: 'shop' }, fate: 'complete' },
    ]);
    // the SDK's default chain, as the engine would find it on a machine with credentials
    const env = {
      AWS_ENDPOINT_URL_BACKUP: aws.endpoint,
      AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API: aws.endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDAWSBACKUPTEST',
      AWS_SECRET_ACCESS_KEY: 'aws-backup-test-secret',
    };
    restoreEnv = setProcessEnv(env);
    const registry = new TaskRegistry()
      .registerIntegration('aws-sdk:', awsSdkIntegration)
      .register(activityArn(LOCAL_PARTITION, 'notify'), (input) => {
        notified.push(input as Record<string, Json>);
        return { delivered: ['test'], failed: [] };
      });
    engine = new WorkflowEngine({ store: ':memory:', registry });
  });
  after(async () => {
    await engine?.close();
    await aws?.close();
    restoreEnv();
  });

  async function run(tagFilters: Json, name: string) {
    const text = bindDefinition(fs.readFileSync(DEFINITION, 'utf8'), DEFINITION);
    assert.equal(engine.validate(text).ok, true, JSON.stringify(engine.validate(text).diagnostics));
    const arn = await engine.startExecution(
      text,
      {
        plan: 'aws-resources',
        rule: 'nightly',
        source: 'tagged',
        tagFilters,
        resourceTypes: ['rds:db', 'ec2:volume', 'dynamodb:table'],
        vault: 'primary-vault',
        iamRoleArn: ROLE,
        copyTo: OFFSITE,
        pollSeconds: 0,
        maxPolls: 5,
      },
      { name, stateMachineName: 'stepvault-aws-backup' },
    );
    return engine.waitForExecution(arn);
  }

  it('backs up what the tags select, copies it, and names the job that failed and the one that never ended', async () => {
    const d = await run([{ Key: 'backup', Values: ['nightly'] }], 'mixed');
    assert.equal(d.status, 'FAILED');
    assert.equal(d.error, 'Stepvault.AwsBackupFailed');
    assert.match(d.cause ?? '', /^2 of 3 AWS Backup jobs did not complete/);
    assert.match(d.cause ?? '', /vol-0abc.*Stepvault\.AwsBackupJobFailed.*being deleted/);
    assert.match(d.cause ?? '', /sessions.*Stepvault\.Timeout.*still RUNNING after 5 polls/);
    assert.deepEqual(
      aws
        .backupJobs()
        .map((j) => j.resource)
        .sort(),
      [DB, TABLE, VOLUME].sort(),
    );
    for (const job of aws.backupJobs()) assert.deepEqual([job.vault, job.role], ['primary-vault', ROLE]);
    // only the completed recovery point is copied, to the other vault
    assert.deepEqual(
      aws.copyJobs().map((c) => c.destination),
      [OFFSITE],
    );
    const last = notified.at(-1)!;
    assert.equal(last.kind, 'backup.failed');
    assert.equal(last.error, 'Stepvault.AwsBackupFailed');
    assert.equal(last.plan, 'aws-resources');
  });

  it('succeeds and notifies when every selected job completes; a run that selects nothing fails, saying so', async () => {
    const before = aws.backupJobs().length;
    const d = await run([{ Key: 'app', Values: ['shop'] }], 'shop');
    assert.equal(d.status, 'SUCCEEDED', `${d.error}: ${d.cause}`);
    const results = JSON.parse(d.output!) as { resource: string; status: string; recoveryPoint: string }[];
    assert.deepEqual(results.map((r) => [r.resource, r.status]).sort(), [
      [DB, 'completed'],
      [UNTAGGED, 'completed'],
    ]);
    assert.ok(results.every((r) => r.recoveryPoint.startsWith('arn:aws:backup:')));
    assert.equal(aws.backupJobs().length, before + 2);
    assert.equal(notified.at(-1)!.kind, 'backup.succeeded');

    const none = await run([{ Key: 'backup', Values: ['weekly'] }], 'none');
    assert.equal(none.status, 'FAILED');
    assert.equal(none.error, 'Stepvault.NothingSelected');
    assert.equal(notified.at(-1)!.kind, 'backup.failed');
  });
});
