// One plan covers a source and the AWS resources beside it: a plan in stepvault.yaml with `awsBackup:` backs its
// files up into its repository and, in the same run, the tagged AWS resources through AWS Backup (the aws-backup
// workflow as a nested execution), against a loopback double of AWS Backup and the tagging API spoken to by the
// real SDK. Both succeed: one run, a snapshot, the jobs and their copies, a notification from each. An AWS Backup
// job fails: the snapshot is still made, copied and kept, and the run fails after everything else, naming it.
// A source backup that fails is told at once, not when the AWS Backup jobs beside it end. `plan run --workflow
// aws-backup` runs the AWS part alone.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { loadConfig } from '../src/config/load-config.ts';
import type { NotificationEvent } from '../src/domain/notification-event.ts';
import { ConfigEnvironment, planSettings } from '../src/plans/config-environment.ts';
import { createPlanEngine, runPlan, startPlanRun } from '../src/plans/run-plan.ts';
import { Repository } from '../src/repository/repository.ts';
import { listSnapshots } from '../src/repository/snapshot/snapshot-store.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import type { WorkflowEngine } from '../src/workflows/engine/engine.ts';
import {
  type AwsBackupDouble,
  type DoubleResource,
  startAwsBackupDouble,
} from './support/aws-backup-double.ts';
import { simSourceYaml } from './support/confluence-sim-source.ts';
import { setProcessEnv } from './support/process-env.ts';
import { FAST_KDF } from './support/small-repository.ts';
import { until } from './support/worker-process.ts';

const PASSWORD = 'aws backup plan test password';
const ROLE = 'arn:aws:iam::123456789012:role/stepvault-aws-backup';
const OFFSITE = 'arn:aws:backup:eu-central-1:123456789012:backup-vault:offsite';
const DB = 'arn:aws:rds:eu-west-1:123456789012:db:orders';
const TABLE = 'arn:aws:dynamodb:eu-west-1:123456789012:table/carts';
const VOLUME = 'arn:aws:ec2:eu-west-1:123456789012:volume/vol-0bad';
const WIKI_DB = 'arn:aws:rds:eu-west-1:123456789012:db:wiki';
/** The wiki database's job runs until the test lets it end. */
const wikiDb: DoubleResource = { arn: WIKI_DB, tags: { app: 'wiki', backup: 'nightly' }, fate: 'hang' };

describe('a plan that protects a source and AWS resources', () => {
  let dir: string;
  let aws: AwsBackupDouble;
  let sim: ConfluenceSim;
  let engine: WorkflowEngine;
  let environment: ConfigEnvironment;
  let restoreEnv: () => void = () => {};
  const events: NotificationEvent[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-plan-aws-backup-'));
    aws = await startAwsBackupDouble([
      { arn: DB, tags: { app: 'shop', backup: 'nightly' }, fate: 'complete', polls: 2 },
      { arn: TABLE, tags: { app: 'shop', backup: 'nightly' }, fate: 'complete', polls: 1 },
      { arn: VOLUME, tags: { app: 'legacy', backup: 'nightly' }, fate: 'fail' },
      wikiDb,
    ]);
    sim = await startConfluenceSim({});
    sim.generate({ seed: 3, spaces: 1, pages: 5, attachments: 0 });
    fs.writeFileSync(path.join(dir, 'wrong-token'), 'not the token');
    restoreEnv = setProcessEnv({
      AWS_ENDPOINT_URL_BACKUP: aws.endpoint,
      AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API: aws.endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDPLANAWSBACKUP',
      AWS_SECRET_ACCESS_KEY: 'plan-aws-backup-secret',
    });
    fs.writeFileSync(path.join(dir, 'password'), PASSWORD);
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'orders.csv'), 'id,total\n1,20\n');
    await Repository.init(new LocalBackend(path.join(dir, 'repo')), PASSWORD, { kdf: FAST_KDF });
    const plan = (
      name: string,
      app: string,
      source = 'data',
      poll = 'pollEvery: 0s\n      maxWait: 5s',
    ) => `  ${name}:
    source: ${source}
    repository: repo
    awsBackup:
      vault: primary-vault
      iamRole: ${ROLE}
      tags: { app: ${app}, backup: [nightly, hourly] }
      resourceTypes: [rds:db, dynamodb:table, ec2:volume]
      copyTo: ${OFFSITE}
      ${poll}
    rules:
      - name: nightly
        schedule: cron(0 2 * * ? *)
        retention: { keepLast: 5 }`;
    fs.writeFileSync(
      path.join(dir, 'stepvault.yaml'),
      `version: 1
repositories:
  repo: { location: ./repo, password: { file: ./password } }
sources:
  data: { type: files, paths: [./data] }
  wiki:
${simSourceYaml(sim, '{ file: ./wrong-token }')}
plans:
${plan('shop', 'shop')}
${plan('legacy', 'legacy')}
${plan('wiki', 'wiki', 'wiki', 'pollEvery: 1s\n      maxWait: 1h')}
server:
  stateDir: ./state
`,
    );
    const loaded = loadConfig(path.join(dir, 'stepvault.yaml'));
    environment = new ConfigEnvironment(loaded, {
      notify: async (event) => {
        events.push(event);
        return { delivered: ['test'], failed: [] };
      },
    });
    engine = createPlanEngine({ store: path.join(dir, 'state', 'workflows.db'), environment });
  });
  after(async () => {
    await engine?.close();
    await environment?.close();
    await aws?.close();
    await sim?.close();
    restoreEnv();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const settings = (name: string) => planSettings(loadConfig(path.join(dir, 'stepvault.yaml')), name);
  const snapshots = async () =>
    (await listSnapshots(await Repository.open(new LocalBackend(path.join(dir, 'repo')), PASSWORD)))
      .snapshots;

  it("turns awsBackup into the AWS Backup workflow's input", () => {
    assert.deepEqual(settings('shop').awsBackup, {
      tagFilters: [
        { Key: 'app', Values: ['shop'] },
        { Key: 'backup', Values: ['nightly', 'hourly'] },
      ],
      resourceTypes: ['rds:db', 'dynamodb:table', 'ec2:volume'],
      vault: 'primary-vault',
      iamRoleArn: ROLE,
      copyTo: OFFSITE,
      pollSeconds: 0,
      maxPolls: 5,
    });
  });

  it('backs up the files and the tagged resources in one run', async () => {
    const result = await runPlan(engine, { plan: settings('shop') });
    assert.equal(result.status, 'SUCCEEDED', `${result.error}: ${result.cause}`);
    const output = result.output as {
      snapshotId: string;
      awsBackup: { ran: boolean; failed: boolean; jobs: { resource: string; status: string }[] };
    };
    assert.ok((await snapshots()).some((s) => s.id === output.snapshotId));
    assert.equal(output.awsBackup.ran, true);
    assert.equal(output.awsBackup.failed, false);
    assert.deepEqual(
      output.awsBackup.jobs.map((j) => [j.resource, j.status]).sort(),
      [
        [TABLE, 'completed'],
        [DB, 'completed'],
      ].sort(),
    );
    assert.deepEqual(
      aws
        .backupJobs()
        .map((j) => j.resource)
        .sort(),
      [DB, TABLE].sort(),
    );
    for (const job of aws.backupJobs()) assert.deepEqual([job.vault, job.role], ['primary-vault', ROLE]);
    assert.deepEqual(
      aws.copyJobs().map((c) => c.destination),
      [OFFSITE, OFFSITE],
    );
    // A notification for each: the files into the repository, the resources into the vault.
    const succeeded = events.filter((e) => e.kind === 'backup.succeeded').map((e) => e.source);
    assert.deepEqual(succeeded.sort(), ['aws-backup:primary-vault', 'data']);
  });

  it('keeps the snapshot when an AWS Backup job fails, and fails the run after everything else, naming it', async () => {
    const before = (await snapshots()).length;
    events.length = 0;
    const result = await runPlan(engine, { plan: settings('legacy') });
    assert.equal(result.status, 'FAILED');
    assert.equal(result.error, 'Stepvault.AfterBackupFailed');
    assert.match(result.cause ?? '', /AWS Backup failed/);
    assert.equal((await snapshots()).length, before + 1, 'the files were backed up all the same');
    const failed = events.find((e) => e.kind === 'backup.failed');
    assert.equal(failed?.source, 'aws-backup:primary-vault');
    assert.equal(failed?.error?.code, 'Stepvault.AwsBackupFailed');
    assert.match(failed?.error?.message ?? '', /vol-0bad.*Stepvault\.AwsBackupJobFailed/);
    // (as after a failed copy, the run's failure is told by the step that failed: one event, not two)
    assert.deepEqual(
      events.map((e) => e.kind),
      ['backup.failed'],
    );
  });

  it('tells of a failed source backup at once, while the AWS Backup jobs beside it still run', async () => {
    events.length = 0;
    const started = await startPlanRun(engine, { plan: settings('wiki') });
    await until(() => events.some((e) => e.kind === 'backup.failed'), 'the failed source backup to be told');
    assert.deepEqual(
      events.map((e) => [e.kind, e.source]),
      [['backup.failed', 'wiki']],
      'the source, told before the AWS branch ended',
    );
    assert.ok(aws.backupJobs().some((j) => j.resource === WIKI_DB));
    assert.equal(engine.describeExecution(started.executionArn).status, 'RUNNING');
    wikiDb.fate = 'complete';
    const ended = await engine.waitForExecution(started.executionArn);
    assert.equal(ended.status, 'FAILED');
    assert.notEqual(
      ended.error,
      'Stepvault.AfterBackupFailed',
      "the run fails with the source backup's error",
    );
    assert.deepEqual(
      events.map((e) => [e.kind, e.source]),
      [
        ['backup.failed', 'wiki'],
        ['backup.succeeded', 'aws-backup:primary-vault'],
      ],
    );
  });

  it('runs the AWS part alone with --workflow aws-backup', async () => {
    const jobs = aws.backupJobs().length;
    const result = await runPlan(engine, { plan: settings('shop'), workflow: 'aws-backup' });
    assert.equal(result.status, 'SUCCEEDED', `${result.error}: ${result.cause}`);
    assert.equal(aws.backupJobs().length, jobs + 2);
  });
});
