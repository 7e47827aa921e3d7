// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation placeholders are plain text here
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { StepvaultError } from '../common/errors.ts';
import { placeholdersIn } from '../workflows/asl/substitutions.ts';
import { validateDefinition } from '../workflows/asl/validate.ts';
import {
  activityArn,
  bindDefinition,
  legacyResource,
  PLAN_TASKS,
  substitutionsFor,
  taskOfActivity,
} from './task-bindings.ts';

const AWS = { region: 'eu-central-1', accountId: '210987654321' };
const DEFINITIONS = path.join(import.meta.dirname, 'definitions');
const files = fs.readdirSync(DEFINITIONS).filter((f) => f.endsWith('.asl.json'));

test('the built-in definitions name every resource by placeholder, and AWS finds nothing to say', () => {
  assert.equal(files.length, 5);
  for (const file of files) {
    const text = fs.readFileSync(path.join(DEFINITIONS, file), 'utf8');
    assert.doesNotMatch(text, /arn:aws:states:::stepvault:/, file);
    const used = placeholdersIn(text);
    assert.ok(used.length > 0, file);
    for (const p of used) assert.ok(p in substitutionsFor(AWS), `${file}: ${p}`);
    const result = validateDefinition(bindDefinition(text, file, AWS), { target: 'aws' });
    // aws-backup's polls of AWS Backup jobs are loops, bounded by its maxPolls input
    const expected = file === 'aws-backup.asl.json' ? ['AWS_HISTORY_LOOP', 'AWS_HISTORY_LOOP'] : [];
    assert.deepEqual(
      result.diagnostics.map((d) => d.code),
      expected,
      `${file}: ${JSON.stringify(result.diagnostics)}`,
    );
    // bound for AWS, every resource is one of our activities, an AWS integration or S3 (a distributed Map's
    // ItemReader and ResultWriter)
    for (const m of bindDefinition(text, file, AWS).matchAll(/"Resource": "([^"]+)"/g)) {
      assert.ok(taskOfActivity(m[1]!) ?? /^arn:aws:states:::(states|aws-sdk|s3):/.test(m[1]!), m[1]);
    }
  }
});

test('the same bytes bind to the local engine and to a deployment', () => {
  const text = fs.readFileSync(path.join(DEFINITIONS, 'backup.asl.json'), 'utf8');
  const local = bindDefinition(text, 'backup');
  assert.match(local, /"Resource": "arn:aws:states:local:000000000000:activity:stepvault-backup"/);
  assert.match(
    local,
    /"StateMachineArn": "arn:aws:states:local:000000000000:stateMachine:stepvault-restore-test"/,
  );
  const aws = bindDefinition(text, 'backup', AWS);
  assert.match(aws, /"Resource": "arn:aws:states:eu-central-1:210987654321:activity:stepvault-backup"/);
  assert.equal(local.replaceAll('local:000000000000', 'eu-central-1:210987654321'), aws);
});

test('an unknown placeholder is refused with the known ones listed', () => {
  assert.throws(
    () =>
      bindDefinition(
        '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"${BakcupTask}","End":true}}}',
        'my.json',
      ),
    (e: unknown) =>
      e instanceof StepvaultError &&
      e.code === 'config' &&
      /my\.json uses \$\{BakcupTask\}/.test(e.message) &&
      /\$\{BackupTask\}/.test(e.hint ?? ''),
  );
});

test('activities name their task in any region and account; nothing else does', () => {
  for (const task of Object.values(PLAN_TASKS)) {
    assert.equal(taskOfActivity(activityArn(AWS, task)), task);
    assert.equal(taskOfActivity(`stepvault-${task}`), task);
    assert.equal(legacyResource(task), `arn:aws:states:::stepvault:${task}`);
  }
  assert.equal(
    taskOfActivity('arn:aws:states:eu-central-1:210987654321:activity:stepvault-format-disk'),
    undefined,
  );
  assert.equal(taskOfActivity('arn:aws:states:eu-central-1:210987654321:activity:backup'), undefined);
  assert.equal(
    taskOfActivity('arn:aws:lambda:eu-central-1:210987654321:function:stepvault-backup'),
    undefined,
  );
});
