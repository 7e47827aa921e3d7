// AWS SDK integrations on the local engine, through the real SDK client against a loopback AWS Backup double:
// parameters and results in the API's own PascalCase (no `$metadata`, timestamps as ISO 8601), errors named
// `Service.NameException`, and resources this installation cannot serve refused before anything runs.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { awsSdkIntegration } from '../src/plans/aws-sdk/aws-sdk-integration.ts';
import { parseResource } from '../src/workflows/asl/resource.ts';
import { type TaskContext, TaskFailure, type TaskHandler } from '../src/workflows/engine/task-registry.ts';
import { type AwsBackupDouble, startAwsBackupDouble } from './support/aws-backup-double.ts';
import { setProcessEnv } from './support/process-env.ts';
import { type SfnActivitiesDouble, startSfnActivities } from './support/sfn-activities.ts';

const DB = 'arn:aws:rds:eu-west-1:123456789012:db:orders';
let aws: AwsBackupDouble;
let sfn: SfnActivitiesDouble;
let restoreEnv: () => void = () => {};

before(async () => {
  aws = await startAwsBackupDouble([{ arn: DB, tags: {}, fate: 'complete', polls: 1 }]);
  sfn = await startSfnActivities({ pollMs: 1000 });
  const env = {
    AWS_ENDPOINT_URL_BACKUP: aws.endpoint,
    AWS_ENDPOINT_URL_SFN: sfn.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDINTEGRATION',
    AWS_SECRET_ACCESS_KEY: 'integration-secret',
  };
  restoreEnv = setProcessEnv(env);
});
after(async () => {
  await aws.close();
  await sfn.close();
  restoreEnv();
});

const ctx = { signal: new AbortController().signal } as TaskContext;

function handler(arn: string): TaskHandler {
  const h = awsSdkIntegration(parseResource(arn)!);
  assert.equal(typeof h, 'function', JSON.stringify(h));
  return h as TaskHandler;
}

test('calls the API with its own parameters and returns its response as JSON', async () => {
  const started = (await handler('arn:aws:states:::aws-sdk:backup:startBackupJob')(
    { BackupVaultName: 'v', ResourceArn: DB, IamRoleArn: 'arn:aws:iam::123456789012:role/r' },
    ctx,
  )) as Record<string, unknown>;
  assert.equal(typeof started.BackupJobId, 'string');
  assert.equal(started.$metadata, undefined);
  assert.match(String(started.CreationDate), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const described = (await handler('arn:aws:states:::aws-sdk:backup:describeBackupJob')(
    { BackupJobId: String(started.BackupJobId) },
    ctx,
  )) as Record<string, unknown>;
  assert.equal(described.State, 'COMPLETED');
  assert.equal(described.ResourceArn, DB);
});

test("names the service's errors Service.NameException, as Step Functions does", async () => {
  await assert.rejects(
    Promise.resolve(
      handler('arn:aws:states:::aws-sdk:backup:describeBackupJob')({ BackupJobId: 'nope' }, ctx),
    ),
    (e: unknown) =>
      e instanceof TaskFailure &&
      e.error === 'Backup.ResourceNotFoundException' &&
      /no backup job nope/.test(e.causeText ?? ''),
  );
  await assert.rejects(
    Promise.resolve(handler('arn:aws:states:::aws-sdk:backup:frobnicateVault')({}, ctx)),
    (e: unknown) =>
      e instanceof TaskFailure &&
      e.error === 'States.Runtime' &&
      /no action 'frobnicateVault'/.test(e.message),
  );
});

test("takes Step Functions' own API in PascalCase, as Step Functions does, though its SDK members are camelCase", async () => {
  await assert.rejects(
    Promise.resolve(
      handler('arn:aws:states:::aws-sdk:sfn:sendTaskHeartbeat')({ TaskToken: 'no-such-token' }, ctx),
    ),
    (e: unknown) => e instanceof TaskFailure && e.error === 'Sfn.TaskDoesNotExistException',
  );
  // the API saw the member under its own name
  assert.deepEqual(sfn.calls.at(-1), { action: 'SendTaskHeartbeat', body: { taskToken: 'no-such-token' } });
});

test('refuses what it cannot serve, before running anything', () => {
  const unknown = awsSdkIntegration(parseResource('arn:aws:states:::aws-sdk:gamelift:createFleet')!);
  assert.match(
    (unknown as { unknown: string }).unknown,
    /'gamelift' is not available here \(it has backup, /,
  );
  const token = awsSdkIntegration(
    parseResource('arn:aws:states:::aws-sdk:backup:startBackupJob.waitForTaskToken')!,
  );
  assert.match((token as { unknown: string }).unknown, /only as request-response/);
});
