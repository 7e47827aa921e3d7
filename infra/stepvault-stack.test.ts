// The AWS stack, synthesized offline from a stepvault.yaml: Object Lock and lifecycle on the bucket, the workers'
// role denied deletion and retention changes, schedules equal to the plans' rules, alarms present, every state
// machine's definition (substituted as CloudFormation will) valid for us and for AWS, and cdk-nag's AwsSolutions
// rules passing with each acknowledgement justified in the code.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildLambda } from '../scripts/build-lambda.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { planSettings } from '../src/plans/config-environment.ts';
import { workflowInput } from '../src/plans/plan-settings.ts';
import { validateDefinition } from '../src/workflows/asl/validate.ts';
import { eventBridgeExpression } from './schedules.ts';
import { StepvaultStack } from './stepvault-stack.ts';

const ENV = { account: '123456789012', region: 'eu-west-1' };

describe('the AWS stack', () => {
  let dir: string;
  let template: Template;
  let app: App;
  let stack: StepvaultStack;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-infra-'));
    fs.writeFileSync(
      path.join(dir, 'stepvault.yaml'),
      `version: 1
repositories:
  main: { location: s3:stepvault-repository/repo, password: { ssm: { name: /stepvault/repo-password } } }
sources:
  data: { type: files, paths: [/srv/data] }
plans:
  docs:
    source: data
    repository: main
    rules:
      - name: nightly
        schedule: 0 3 * * *
        timezone: Europe/Berlin
        startWindow: 1h
        retention: { keepDaily: 7 }
      - name: weekdays
        schedule: 30 12 * * 1-5
      - name: hourly
        schedule: rate(1 hour)
  shop:
    source: data
    repository: main
    awsBackup:
      vault: shop-vault
      iamRole: arn:aws:iam::123456789012:role/shop-backup
      tags: { app: shop }
    rules:
      - name: nightly
        schedule: 0 2 * * *
notifications:
  alerts: { type: sns, region: eu-west-1, topicArn: 'arn:aws:sns:eu-west-1:123456789012:stepvault-alerts', events: ['*'] }
`,
    );
    await buildLambda(path.join(dir, 'lambda'));
    app = new App();
    stack = new StepvaultStack(app, 'Stepvault', {
      config: loadConfig(path.join(dir, 'stepvault.yaml')),
      workerImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/stepvault:1.0',
      lambdaCode: path.join(dir, 'lambda'),
      objectLock: { mode: 'COMPLIANCE', days: 45 },
      transitions: [
        { storageClass: 'GLACIER_IR', afterDays: 30 },
        { storageClass: 'DEEP_ARCHIVE', afterDays: 180 },
      ],
      env: ENV,
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    template = Template.fromStack(stack);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('passes cdk-nag AwsSolutions, every finding acknowledged with its reason', () => {
    // synthesis runs the validation plugins and throws a report of every unacknowledged finding
    assert.doesNotThrow(() => app.synth());
  });

  it('locks, versions, encrypts and ages the repository bucket, TLS only, no public access', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 45 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'repo/data/',
            Transitions: [
              { StorageClass: 'GLACIER_IR', TransitionInDays: 30 },
              { StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 180 },
            ],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it("denies the workers' role deletion, overwrites and retention bypass, and gives deletion to the maintenance role", () => {
    const roles = template.findResources('AWS::IAM::Role');
    const statements = (description: RegExp) => {
      const role = Object.values(roles).find((r) => description.test(String(r.Properties.Description)));
      assert.ok(role, String(description));
      return (
        role.Properties.Policies as {
          PolicyDocument: { Statement: { Effect: string; Action: string | string[] }[] };
        }[]
      )
        .flatMap((p) => p.PolicyDocument.Statement)
        .map((s) => ({ effect: s.Effect, actions: [s.Action].flat() }));
    };
    const allowed = (list: ReturnType<typeof statements>) =>
      list.filter((s) => s.effect === 'Allow').flatMap((s) => s.actions);
    const denied = (list: ReturnType<typeof statements>) =>
      list.filter((s) => s.effect === 'Deny').flatMap((s) => s.actions);
    const workers = statements(/^stepvault workers/);
    for (const action of [
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:BypassGovernanceRetention',
      's3:PutObject',
    ])
      assert.ok(denied(workers).includes(action), action);
    // writing with retention takes PutObjectRetention; shortening it also takes the bypass, which is denied
    for (const action of ['s3:PutObject', 's3:PutObjectRetention', 's3:ListBucket', 's3:ListBucketVersions'])
      assert.ok(allowed(workers).includes(action), action);
    const raw = Object.values(roles).find((r) =>
      /^stepvault workers/.test(String(r.Properties.Description)),
    )!;
    const all = JSON.stringify(raw.Properties.Policies);
    assert.match(all, /"s3:if-none-match":"true"/, 'uploads are create-only');
    assert.match(all, /"NotResource":.*locks\/\*/, 'only lease locks may be deleted');
    // the secrets and topics stepvault.yaml names, and only those
    for (const description of [/^stepvault workers/, /^stepvault maintenance/, /^stepvault Lambda/]) {
      const policy = JSON.stringify(
        Object.values(roles).find((r) => description.test(String(r.Properties.Description)))!.Properties
          .Policies,
      );
      assert.match(policy, /"ssm:GetParameter".*parameter\/stepvault\/repo-password"/, String(description));
      assert.match(
        policy,
        /"Action":"sns:Publish","Effect":"Allow","Resource":"arn:aws:sns:eu-west-1:123456789012:stepvault-alerts"/,
      );
      assert.doesNotMatch(policy, /secretsmanager:GetSecretValue/);
    }
    const maintenance = statements(/^stepvault maintenance/);
    assert.ok(
      allowed(maintenance).includes('s3:DeleteObject') &&
        allowed(maintenance).includes('s3:PutObjectRetention'),
    );
    assert.ok(denied(maintenance).includes('s3:BypassGovernanceRetention'));
    assert.ok(!allowed(maintenance).includes('s3:BypassGovernanceRetention'));
  });

  it("schedules each rule of each plan as the plan's own schedule, time zone and start window", () => {
    const loaded = loadConfig(path.join(dir, 'stepvault.yaml'));
    const plan = planSettings(loaded, 'docs');
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')).map(
      (r) => r.Properties,
    );
    const byName = Object.fromEntries(schedules.map((s) => [s.Name, s]));
    assert.deepEqual(Object.keys(byName).sort(), [
      'stepvault-docs-hourly',
      'stepvault-docs-maintenance',
      'stepvault-docs-nightly',
      'stepvault-docs-weekdays',
      'stepvault-shop-maintenance',
      'stepvault-shop-nightly',
    ]);
    // the plan with AWS resources: its backup's input carries them, so one run covers both
    const shop = planSettings(loaded, 'shop');
    const shopInput = JSON.parse(byName['stepvault-shop-nightly'].Target.Input);
    assert.equal(shopInput.awsBackup.vault, 'shop-vault');
    assert.deepEqual(shopInput, workflowInput('backup', shop, shop.rules[0]!));
    assert.equal(byName['stepvault-docs-maintenance'].ScheduleExpression, 'rate(7 days)');
    assert.deepEqual(
      JSON.parse(byName['stepvault-docs-maintenance'].Target.Input),
      workflowInput('maintenance', plan, plan.rules[0]!),
    );
    assert.equal(byName['stepvault-docs-nightly'].ScheduleExpression, 'cron(0 3 * * ? *)');
    assert.equal(byName['stepvault-docs-nightly'].ScheduleExpressionTimezone, 'Europe/Berlin');
    // the start window: the Scheduler tries to start the run for that long, then drops it (runs are not delayed)
    assert.deepEqual(byName['stepvault-docs-nightly'].FlexibleTimeWindow, { Mode: 'OFF' });
    assert.equal(byName['stepvault-docs-nightly'].Target.RetryPolicy.MaximumEventAgeInSeconds, 3600);
    assert.equal(byName['stepvault-docs-weekdays'].ScheduleExpression, 'cron(30 12 ? * MON-FRI *)');
    assert.equal(byName['stepvault-docs-weekdays'].Target.RetryPolicy.MaximumEventAgeInSeconds, 8 * 3600);
    assert.equal(byName['stepvault-docs-hourly'].ScheduleExpression, 'rate(1 hour)');
    for (const rule of plan.rules.filter((r) => r.schedule)) {
      const input = JSON.parse(byName[`stepvault-docs-${rule.name}`].Target.Input);
      assert.deepEqual(input, workflowInput('backup', plan, rule));
    }
    // a pipeline's request names a plan and a rule on stepvault's own bus; the input is the configuration's
    const requests = Object.values(template.findResources('AWS::Events::Rule')).map((r) => r.Properties);
    assert.equal(requests.length, 4);
    for (const rule of plan.rules) {
      const found = requests.find(
        (r) => r.EventPattern.detail.plan[0] === 'docs' && r.EventPattern.detail.rule[0] === rule.name,
      );
      assert.ok(found, rule.name);
      assert.deepEqual(found.EventPattern.detail.plan, ['docs']);
      assert.deepEqual(JSON.parse(found.Targets[0].Input), workflowInput('backup', plan, rule));
      assert.ok(found.EventBusName, 'on its own bus');
    }
  });

  it('alarms on failed, timed-out and throttled executions and on the recovery point objective', () => {
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties.AlarmName)
      .sort();
    for (const machine of ['backup', 'maintenance', 'restore-test', 'aws-backup'])
      for (const what of ['failed', 'timed-out', 'throttled'])
        assert.ok(names.includes(`stepvault-${machine}-${what}`));
    assert.ok(names.includes('stepvault-rpo-breached'));
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('deploys each definition file as it is, every placeholder substituted, valid for us and for AWS', () => {
    const resources = template.toJSON().Resources as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;
    // what each substituted reference will be once deployed, in the shape of its ARN
    const arnOf = (ref: unknown): string => {
      const r = ref as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      const id = r.Ref ?? r['Fn::GetAtt']?.[0];
      const resource = id ? resources[id] : undefined;
      const p = resource?.Properties ?? {};
      if (resource?.Type === 'AWS::StepFunctions::Activity')
        return `arn:aws:states:eu-west-1:123456789012:activity:${p.Name}`;
      if (resource?.Type === 'AWS::Lambda::Function')
        return `arn:aws:lambda:eu-west-1:123456789012:function:${p.FunctionName}`;
      if (resource?.Type === 'AWS::StepFunctions::StateMachine')
        return `arn:aws:states:eu-west-1:123456789012:stateMachine:${p.StateMachineName}`;
      if (resource?.Type === 'AWS::S3::Bucket' && r.Ref) return 'stepvault-runs-bucket';
      throw new Error(`unexpected substitution ${JSON.stringify(ref)}`);
    };
    const machines = Object.values(resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    assert.equal(machines.length, 4);
    for (const machine of machines) {
      const p = machine.Properties;
      assert.equal(p.StateMachineType, 'STANDARD');
      assert.deepEqual(p.TracingConfiguration, { Enabled: true });
      assert.equal((p.LoggingConfiguration as { Level: string }).Level, 'ALL');
      const name = String(p.StateMachineName).replace('stepvault-', '');
      const file = path.join(import.meta.dirname, '..', 'src', 'plans', 'definitions', `${name}.asl.json`);
      assert.equal(p.DefinitionString, fs.readFileSync(file, 'utf8'), `${name}: the same bytes as the file`);
      let text = String(p.DefinitionString);
      for (const [key, ref] of Object.entries(p.DefinitionSubstitutions as Record<string, unknown>))
        text = text.replaceAll(`\${${key}}`, arnOf(ref));
      const result = validateDefinition(text, { target: 'aws' });
      // aws-backup's polls of AWS Backup jobs are loops, bounded by its maxPolls input
      const expected = name === 'aws-backup' ? ['AWS_HISTORY_LOOP', 'AWS_HISTORY_LOOP'] : [];
      assert.deepEqual(
        result.diagnostics.map((d) => d.code),
        expected,
        name,
      );
    }
    // short tasks are functions, the rest activities the workers poll
    const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    assert.deepEqual(functions.map((f) => f.Properties.FunctionName).sort(), [
      'stepvault-anomaly-guard',
      'stepvault-notify',
      'stepvault-pick-snapshot',
    ]);
    const activities = Object.values(resources).filter((r) => r.Type === 'AWS::StepFunctions::Activity');
    for (const task of [
      'backup',
      'preflight',
      'copy',
      'check',
      'forget',
      'prune',
      'extend-retention',
      'restore-test',
      'fan-out-plan',
      'backup-part',
      'commit-parts',
    ])
      assert.ok(activities.map((a) => a.Properties.Name).includes(`stepvault-${task}`), task);
  });

  it("keeps fan-out runs' files in a bucket of their own that expires them, and lets the backup fan out", () => {
    type Resource = { Properties: Record<string, unknown> };
    const buckets = template.findResources('AWS::S3::Bucket') as Record<string, Resource>;
    const runs = Object.entries(buckets).find(([id]) => id.startsWith('RunsBucket'));
    assert.ok(runs, 'a run bucket');
    const props = runs[1].Properties as {
      PublicAccessBlockConfiguration: unknown;
      LifecycleConfiguration: { Rules: { ExpirationInDays?: number }[] };
      ObjectLockEnabled?: boolean;
    };
    assert.deepEqual(props.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.ok(props.LifecycleConfiguration.Rules.some((r) => r.ExpirationInDays === 30));
    assert.equal(props.ObjectLockEnabled, undefined, 'working files, not backups: no Object Lock');
    // The backup state machine's role starts its own child executions and reads and writes the run bucket.
    const machines = template.findResources('AWS::StepFunctions::StateMachine') as Record<string, Resource>;
    const backup = Object.values(machines).find((r) => r.Properties.StateMachineName === 'stepvault-backup');
    assert.ok(backup, 'the backup state machine');
    const roleId = (backup.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    type Statement = { Effect: string; Action: string | string[] };
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { Roles: { Ref?: string }[]; PolicyDocument: { Statement: Statement[] } };
    }[];
    const statements = policies
      .filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const allows = (action: string) =>
      statements.some((st) => st.Effect === 'Allow' && [st.Action].flat().includes(action));
    for (const action of [
      'states:StartExecution',
      'states:DescribeExecution',
      's3:GetObject',
      's3:PutObject',
    ])
      assert.ok(allows(action), action);
  });

  it("lets the AWS Backup workflow start jobs into the plans' vaults only, passing the plans' roles only to AWS Backup", () => {
    type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
    const machines = template.findResources('AWS::StepFunctions::StateMachine') as Record<
      string,
      { Properties: Record<string, unknown> }
    >;
    const machine = Object.values(machines).find(
      (r) => r.Properties.StateMachineName === 'stepvault-aws-backup',
    );
    assert.ok(machine, 'the AWS Backup state machine');
    const roleId = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { Roles: { Ref?: string }[]; PolicyDocument: { Statement: Statement[] } };
    }[];
    const statements = policies
      .filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const granting = (action: string) => statements.filter((st) => [st.Action].flat().includes(action));
    const start = granting('backup:StartBackupJob');
    assert.equal(start.length, 1);
    assert.match(JSON.stringify(start[0]!.Resource), /backup-vault:shop-vault/);
    const pass = granting('iam:PassRole');
    assert.deepEqual(pass[0]!.Resource, 'arn:aws:iam::123456789012:role/shop-backup');
    assert.deepEqual(pass[0]!.Condition, { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } });
    assert.equal(granting('backup:DeleteRecoveryPoint').length, 0);
    assert.equal(granting('tag:GetResources').length, 1);
  });

  it('runs two worker services on Fargate that scale on their activities', () => {
    template.resourceCountIs('AWS::ECS::Service', 2);
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 2);
    const activities = template.findResources('AWS::StepFunctions::Activity');
    const ref = (name: string) => {
      const id = Object.entries(activities).find(([, a]) => a.Properties.Name === `stepvault-${name}`)?.[0];
      assert.ok(id, name);
      return `{"Ref":"${id}"}`;
    };
    const commands = Object.values(template.findResources('AWS::ECS::TaskDefinition')).map((d) =>
      JSON.stringify(d.Properties.ContainerDefinitions),
    );
    assert.equal(commands.length, 2);
    const [writers, maintainers] = commands[0]!.includes(ref('backup')) ? commands : [...commands].reverse();
    for (const task of ['backup', 'copy', 'check', 'restore-test'])
      assert.ok(writers!.includes(ref(task)), task);
    for (const task of ['forget', 'prune', 'extend-retention']) {
      assert.ok(maintainers!.includes(ref(task)), task);
      assert.ok(!writers!.includes(ref(task)), task);
    }
    assert.ok(writers!.includes('stepvault worker'));
  });
});

describe('schedules for EventBridge Scheduler', () => {
  it('takes rate() and cron() as written and translates 5-field cron', () => {
    assert.equal(eventBridgeExpression('rate(5 minutes)'), 'rate(5 minutes)');
    assert.equal(eventBridgeExpression('cron(0 3 ? * MON *)'), 'cron(0 3 ? * MON *)');
    assert.equal(eventBridgeExpression('0 3 * * *'), 'cron(0 3 * * ? *)');
    assert.equal(eventBridgeExpression('*/15 * 1 * *'), 'cron(*/15 * 1 * ? *)');
    assert.equal(eventBridgeExpression('0 4 * * 0,6'), 'cron(0 4 ? * SUN,SAT *)');
    assert.equal(eventBridgeExpression('0 4 * * 7'), 'cron(0 4 ? * SUN *)');
  });

  it('refuses what EventBridge cannot express, saying how to write it', () => {
    assert.throws(
      () => eventBridgeExpression('0 3 1 * 1'),
      /both the day of the month and the day of the week/,
    );
    assert.throws(() => eventBridgeExpression('0 3 * * */2'), /day-of-week step/);
    assert.throws(() => eventBridgeExpression('0 3 * *'), /not a schedule/);
  });
});
