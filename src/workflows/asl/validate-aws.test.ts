// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation placeholders are plain text here
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Json } from './json.ts';
import { validateDefinition } from './validate.ts';

const ACTIVITY = 'arn:aws:states:eu-west-1:123456789012:activity:stepvault-backup';

function task(resource: string, extra: Record<string, Json> = {}): Json {
  return { StartAt: 'T', States: { T: { Type: 'Task', Resource: resource, End: true, ...extra } } };
}

function findings(def: Json | string) {
  const local = validateDefinition(def, { schema: false });
  const aws = validateDefinition(def, { schema: false, target: 'aws' });
  return { local, aws, codes: aws.diagnostics.map((d) => `${d.severity} ${d.code}`) };
}

test('resources AWS refuses fail only for the aws target, each named', () => {
  for (const resource of [
    'arn:aws:states:::stepvault:backup',
    'arn:aws:states:::lambda:invoke.sync',
    'arn:aws:states:::aws-sdk:s3:getObject.sync',
    'arn:aws:states:::dynamodb:putItem.waitForTaskToken',
    'arn:aws:states:::http:invoke.sync',
  ]) {
    const { local, aws, codes } = findings(task(resource));
    assert.equal(local.ok, true, resource);
    assert.equal(aws.ok, false, resource);
    assert.deepEqual(codes, ['ERROR AWS_INVALID_RESOURCE'], resource);
    assert.match(aws.diagnostics[0]!.message, /State 'T'/);
    assert.equal(aws.diagnostics[0]!.location, '/States/T/Resource');
  }
  const legacy = findings(task('arn:aws:states:::stepvault:backup')).aws.diagnostics[0]!;
  assert.match(legacy.message, /no 'stepvault' integration.*\$\{BackupTask\}/);
});

test('resources AWS offers pass', () => {
  for (const resource of [
    'arn:aws:states:::lambda:invoke',
    'arn:aws:states:::lambda:invoke.waitForTaskToken',
    'arn:aws:states:::states:startExecution.sync:2',
    'arn:aws:states:::aws-sdk:s3:getObject',
    'arn:aws:states:::aws-sdk:backup:startBackupJob.waitForTaskToken',
    'arn:aws:states:::ecs:runTask.sync',
    'arn:aws:lambda:eu-west-1:123456789012:function:notify',
  ]) {
    const { aws } = findings(task(resource));
    assert.deepEqual(aws.diagnostics, [], resource);
  }
});

test('an activity task with no heartbeat or timeout is a warning; with either it is not', () => {
  assert.deepEqual(findings(task(ACTIVITY)).codes, ['WARNING AWS_ACTIVITY_WITHOUT_TIMEOUT']);
  assert.equal(findings(task(ACTIVITY)).aws.ok, true);
  assert.deepEqual(findings(task(ACTIVITY, { HeartbeatSeconds: 60 })).codes, []);
  assert.deepEqual(findings(task(ACTIVITY, { TimeoutSeconds: 60 })).codes, []);
});

test('a placeholder left in the definition is an error for AWS', () => {
  const def = JSON.stringify({
    StartAt: 'P',
    States: { P: { Type: 'Pass', Result: { arn: '${NotBound}' }, End: true } },
  });
  const { local, aws } = findings(def);
  assert.equal(local.ok, true);
  assert.equal(aws.ok, false);
  assert.match(aws.diagnostics[0]!.message, /\$\{NotBound\}.*DefinitionSubstitutions/);
});

test('quotas: definitions over 1 MiB, static payloads over 256 KiB', () => {
  const big = { StartAt: 'P', Comment: 'x'.repeat(1024 * 1024), States: { P: { Type: 'Pass', End: true } } };
  assert.deepEqual(findings(big).codes, ['ERROR AWS_DEFINITION_TOO_LARGE']);
  const payload = {
    StartAt: 'P',
    States: { P: { Type: 'Pass', Result: { a: 'x'.repeat(300_000) }, End: true } },
  };
  const f = findings(payload);
  assert.deepEqual(f.codes, ['ERROR AWS_PAYLOAD_TOO_LARGE']);
  assert.equal(f.aws.diagnostics[0]!.location, '/States/P/Result');
});

test('a loop is a warning about the 25,000-event history, once per loop, inside branches too', () => {
  const poll = {
    StartAt: 'Check',
    States: {
      Check: { Type: 'Pass', Next: 'Done?' },
      'Done?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'End' }],
        Default: 'Wait',
      },
      Wait: { Type: 'Wait', Seconds: 60, Next: 'Check' },
      End: { Type: 'Succeed' },
    },
  };
  const top = findings(poll);
  assert.deepEqual(top.codes, ['WARNING AWS_HISTORY_LOOP']);
  assert.match(top.aws.diagnostics[0]!.message, /'Check' → 'Done\?' → 'Wait' → 'Check'.*25000 events/);
  const nested = findings({
    StartAt: 'Par',
    States: { Par: { Type: 'Parallel', Branches: [poll], End: true } },
  });
  assert.deepEqual(nested.codes, ['WARNING AWS_HISTORY_LOOP']);
  assert.equal(nested.aws.diagnostics[0]!.location, '/States/Par/Branches/0/States/Check');
});
