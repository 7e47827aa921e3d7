// `stepvault worker` against a loopback double of the Step Functions activity API, through the real
// @aws-sdk/client-sfn: tasks of stepvault activities run with the plan handlers over a stepvault.yaml and report
// success, or failure under the error names Retry and Catch use; heartbeats reach Step Functions; SIGTERM stops
// polling (the polls in flight end on their own), lets a running task end within the grace period, and fails
// one that does not end as `Stepvault.Interrupted` instead of leaving it to time out.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ActivityWorker } from '../src/aws/activity-worker.ts';
import { activityArn } from '../src/plans/task-bindings.ts';
import { Repository } from '../src/repository/repository.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { TaskFailure } from '../src/workflows/engine/task-registry.ts';
import { type SfnActivitiesDouble, startSfnActivities } from './support/sfn-activities.ts';
import { FAST_KDF } from './support/small-repository.ts';
import { startWorkerProcess, until, WORKER_CREDENTIALS } from './support/worker-process.ts';

const PARTITION = { region: 'eu-west-1', accountId: '123456789012' };
const PREFLIGHT = activityArn(PARTITION, 'preflight');
const CHECK = activityArn(PARTITION, 'check');
const PASSWORD = 'worker test password';

const credentials = WORKER_CREDENTIALS;

describe('stepvault worker', () => {
  let dir: string;
  let sfn: SfnActivitiesDouble;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-worker-'));
    sfn = await startSfnActivities({ pollMs: 1000 });
    fs.writeFileSync(path.join(dir, 'password'), `${PASSWORD}\n`);
    await Repository.init(new LocalBackend(path.join(dir, 'main')), PASSWORD, { kdf: FAST_KDF });
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'a.txt'), 'a\n');
    fs.writeFileSync(
      path.join(dir, 'stepvault.yaml'),
      `version: 1
repositories:
  main: { location: ./main, password: { file: ./password } }
sources:
  data: { type: files, paths: [./data] }
  gone: { type: files, paths: [./no-such-directory] }
`,
    );
  });
  after(async () => {
    await sfn.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const startWorker = (...args: string[]) => startWorkerProcess(dir, sfn.endpoint, PARTITION.region, args);

  it('runs the plan tasks of its activities, reports results and named failures, and stops on SIGTERM', async () => {
    const worker = startWorker('--activity', PREFLIGHT, '--activity', CHECK, '--name', 'worker-1');
    try {
      const ok = sfn.enqueue(PREFLIGHT, { source: 'data', repository: 'main', copyTo: [] });
      const outcome = await ok.outcome;
      assert.equal(outcome.status, 'succeeded', JSON.stringify(outcome));
      assert.equal(outcome.workerName, 'worker-1');
      assert.equal((outcome as { output: { sourceType: string } }).output.sourceType, 'files');

      const missing = await sfn.enqueue(PREFLIGHT, { source: 'gone', repository: 'main', copyTo: [] })
        .outcome;
      assert.equal(missing.status, 'failed');
      assert.equal((missing as { error: string }).error, 'Stepvault.NotFound');
      assert.match((missing as { cause: string }).cause, /no-such-directory/);

      const bad = await sfn.enqueue(PREFLIGHT, { source: 'data' }).outcome;
      assert.equal((bad as { error: string }).error, 'Stepvault.Usage');

      const check = await sfn.enqueue(CHECK, { repository: 'main', readData: true }).outcome;
      assert.equal(check.status, 'succeeded', JSON.stringify(check));
      // idle again: both activities are being polled; SIGTERM ends the polls at once
      await until(() => sfn.waitingPolls(PREFLIGHT) === 1 && sfn.waitingPolls(CHECK) === 1, 'both polls');
      worker.child.kill('SIGTERM');
      assert.equal(await worker.exit, 0, worker.output());
      const events = worker
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { message_type: string; task?: string; error?: string });
      assert.deepEqual(
        events.filter((e) => e.message_type.startsWith('task_')).map((e) => `${e.message_type} ${e.task}`),
        [
          'task_started preflight',
          'task_succeeded preflight',
          'task_started preflight',
          'task_failed preflight',
          'task_started preflight',
          'task_failed preflight',
          'task_started check',
          'task_succeeded check',
        ],
      );
      assert.equal(events.at(-1)!.message_type, 'worker_stopped');
      assert.ok(!worker.output().includes(credentials.secretAccessKey));
    } finally {
      worker.child.kill('SIGKILL');
    }
  });

  it('refuses an activity that is not one of stepvault tasks, before polling', async () => {
    const worker = startWorker('--activity', 'arn:aws:states:eu-west-1:123456789012:activity:format-disks');
    assert.equal(await worker.exit, 2);
    assert.match(worker.output(), /no stepvault task serves the activity .*format-disks/);
    const notArn = startWorker('--activity', 'stepvault-backup');
    assert.equal(await notArn.exit, 2);
    assert.match(notArn.output(), /stepvault-backup is not an activity ARN/);
    assert.equal(sfn.calls.filter((c) => String(c.body.activityArn).includes('format-disks')).length, 0);
  });

  it('sends heartbeats, finishes a task within the grace period, fails one that outlasts it, gives back one that arrives while stopping, and fails one too large to report', async () => {
    const client = new SFNClient({ endpoint: sfn.endpoint, region: PARTITION.region, credentials });
    // each task waits for its gate, or for its abort
    let release!: () => void;
    let released!: Promise<void>;
    const newGate = () => {
      released = new Promise<void>((r) => {
        release = r;
      });
    };
    const make = (graceMs: number) =>
      new ActivityWorker({
        client,
        activities: [CHECK],
        graceMs,
        handler: () => async (input, ctx) => {
          ctx.heartbeat();
          if ((input as { wait?: boolean }).wait) {
            await Promise.race([
              released,
              new Promise((_, reject) =>
                ctx.signal.addEventListener('abort', () =>
                  reject(new TaskFailure('Stepvault.Interrupted', 'stopped')),
                ),
              ),
            ]);
          }
          if ((input as { big?: boolean }).big) return { blob: 'x'.repeat(300_000) };
          return { done: true };
        },
      });
    try {
      // stopped while a task runs, with room to finish: it finishes and reports success
      newGate();
      const patient = make(60_000);
      const run = patient.run();
      const first = sfn.enqueue(CHECK, { wait: true });
      await first.started;
      await until(() => patient.running === 1, 'the task to run');
      patient.stop();
      release();
      const done = await first.outcome;
      assert.equal(done.status, 'succeeded');
      assert.equal(done.heartbeats, 1);
      await run;

      // no grace: the task is aborted and reported failed at once, not left to time out
      newGate();
      const hasty = make(0);
      const run2 = hasty.run();
      const second = sfn.enqueue(CHECK, { wait: true });
      await second.started;
      await until(() => hasty.running === 1, 'the second task to run');
      hasty.stop();
      const failed = await second.outcome;
      assert.equal(failed.status, 'failed');
      assert.equal((failed as { error: string }).error, 'Stepvault.Interrupted');
      await run2;
      release();

      // a task that a poll in flight brings after the worker stopped is given back, not started
      const stopping = make(60_000);
      const run4 = stopping.run();
      await until(() => sfn.waitingPolls(CHECK) === 1, 'the poll');
      stopping.stop();
      const late = await sfn.enqueue(CHECK, { wait: true }).outcome;
      assert.equal(late.status, 'failed');
      assert.equal((late as { error: string }).error, 'Stepvault.Interrupted');
      assert.equal(late.heartbeats, 0);
      await run4;

      // a task the service timed out is aborted at its next heartbeat: its work is no longer wanted
      newGate();
      const events: string[] = [];
      const watched = new ActivityWorker({
        client,
        activities: [CHECK],
        onEvent: (e) => events.push(e.type),
        handler: () => async (_input, ctx) => {
          await released;
          ctx.heartbeat(); // refused: the task is over
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
          throw new TaskFailure('Stepvault.Interrupted', 'aborted');
        },
      });
      const run5 = watched.run();
      const expiring = sfn.enqueue(CHECK, {});
      await expiring.started;
      expiring.timeOut();
      release();
      assert.equal((await expiring.outcome).status, 'timed-out');
      // the abort ended the handler; its failure could not be reported either, and says so
      await until(() => events.includes('report-failed'), 'the abandoned task to end');
      watched.stop();
      await run5;

      // heartbeats that come too soon after the last are sent as one at the end of the interval, not dropped
      const beats = () => sfn.calls.filter((c) => c.action === 'SendTaskHeartbeat').length;
      const eager = new ActivityWorker({
        client,
        activities: [CHECK],
        heartbeatEveryMs: 200,
        handler: () => async (_input, ctx) => {
          const before = beats();
          ctx.heartbeat();
          ctx.heartbeat();
          ctx.heartbeat();
          await until(() => beats() >= before + 2, 'the trailing heartbeat');
          return { done: true };
        },
      });
      const run6 = eager.run();
      const beaten = await sfn.enqueue(CHECK, {}).outcome;
      assert.equal(beaten.status, 'succeeded');
      assert.equal(beaten.heartbeats, 2, 'the first at once, the two that came too soon as one');
      eager.stop();
      await run6;

      // a result larger than Step Functions takes fails the task as the service names it
      const sized = make(60_000);
      const run3 = sized.run();
      const big = await sfn.enqueue(CHECK, { big: true }).outcome;
      assert.equal(big.status, 'failed');
      assert.equal((big as { error: string }).error, 'States.DataLimitExceeded');
      sized.stop();
      await run3;
      assert.equal(sfn.waitingPolls(CHECK), 0);
    } finally {
      client.destroy();
    }
  });

  it('protects its ECS task from scale-in while it works, and only then', async () => {
    const seen: unknown[] = [];
    const agent = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => agent.listen(0, '127.0.0.1', r));
    const client = new SFNClient({ endpoint: sfn.endpoint, region: PARTITION.region, credentials });
    try {
      const worker = new ActivityWorker({
        client,
        activities: [CHECK],
        env: { ECS_AGENT_URI: `http://127.0.0.1:${(agent.address() as AddressInfo).port}/v3/agent` },
        handler: () => async () => {
          assert.equal(seen.length, 1, 'protected before the work starts');
          return { done: true };
        },
      });
      const run = worker.run();
      assert.equal((await sfn.enqueue(CHECK, {}).outcome).status, 'succeeded');
      await until(() => seen.length === 2, 'the protection to be lifted');
      assert.deepEqual(seen, [
        {
          method: 'PUT',
          url: '/v3/agent/task-protection/v1/state',
          body: { ProtectionEnabled: true, ExpiresInMinutes: 2880 },
        },
        { method: 'PUT', url: '/v3/agent/task-protection/v1/state', body: { ProtectionEnabled: false } },
      ]);
      worker.stop();
      await run;
    } finally {
      client.destroy();
      agent.close();
    }
  });
});
