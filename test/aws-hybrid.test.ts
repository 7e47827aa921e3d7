// One definition, two engines: the built-in workflows, bound as a deployment binds them, pass our validation and
// AWS's; and run by the local engine with every task handed to `stepvault worker` processes through the Step
// Functions activity protocol (a loopback double spoken to by the real @aws-sdk/client-sfn), they do what they do
// with in-process handlers: the backup workflow backs up, copies, applies retention and proves a restore; the
// restore-test workflow, polled by two workers at once, passes.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/load-config.ts';
import { BUILTIN_WORKFLOWS, builtinDefinitionPath } from '../src/plans/builtin-workflows.ts';
import { planSettings } from '../src/plans/config-environment.ts';
import { START_EXECUTION, startExecutionTask } from '../src/plans/nested-execution-task.ts';
import { builtinNestedHost, runPlan } from '../src/plans/run-plan.ts';
import { activityArn, bindDefinition, PLAN_TASKS, type PlanTask } from '../src/plans/task-bindings.ts';
import { Repository } from '../src/repository/repository.ts';
import { listSnapshots } from '../src/repository/snapshot/snapshot-store.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { validateDefinition } from '../src/workflows/asl/validate.ts';
import { WorkflowEngine } from '../src/workflows/engine/engine.ts';
import { activityRegistry, type SfnActivitiesDouble, startSfnActivities } from './support/sfn-activities.ts';
import { FAST_KDF } from './support/small-repository.ts';
import { startWorkerProcess, until, type WorkerProcess } from './support/worker-process.ts';

const AWS = { region: 'eu-west-1', accountId: '123456789012' };
const PASSWORD = 'hybrid test password';
const TASKS = Object.values(PLAN_TASKS).filter((t): t is Exclude<PlanTask, 'restore'> => t !== 'restore');

describe('the built-in workflows on the local engine, their tasks run by stepvault workers', () => {
  let dir: string;
  let sfn: SfnActivitiesDouble;
  let engine: WorkflowEngine;
  const workers: WorkerProcess[] = [];
  const open = (name: string) => Repository.open(new LocalBackend(path.join(dir, name)), PASSWORD);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-hybrid-'));
    sfn = await startSfnActivities({ pollMs: 1000 });
    fs.writeFileSync(path.join(dir, 'password'), `${PASSWORD}\n`);
    for (const name of ['primary', 'copy'])
      await Repository.init(new LocalBackend(path.join(dir, name)), PASSWORD, { kdf: FAST_KDF });
    fs.mkdirSync(path.join(dir, 'data', 'docs'), { recursive: true });
    for (let i = 0; i < 20; i++)
      fs.writeFileSync(path.join(dir, 'data', 'docs', `page-${i}.md`), `# page ${i}\n`);
    fs.writeFileSync(
      path.join(dir, 'stepvault.yaml'),
      `version: 1
repositories:
  primary: { location: ./primary, password: { file: ./password } }
  copy: { location: ./copy, password: { file: ./password } }
sources:
  data: { type: files, paths: [./data] }
plans:
  docs:
    source: data
    repository: primary
    rules:
      - name: nightly
        schedule: cron(0 3 * * ? *)
        retention: { keepLast: 3 }
        copyTo: [{ repository: copy, retention: { keepLast: 2 } }]
        verify: { checkSubset: 100%, restoreTest: { pick: latest, compare: all } }
`,
    );
    // The engine's tasks go to the activity of the same task, as on AWS: queued, polled, reported.
    const registry = activityRegistry(sfn, AWS, TASKS);
    engine = new WorkflowEngine({ store: ':memory:', registry });
    registry.register(START_EXECUTION, startExecutionTask(builtinNestedHost(() => engine)));
  });
  after(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await engine?.close();
    await sfn.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function startWorker(name: string): WorkerProcess {
    const args = ['--name', name, ...TASKS.flatMap((t) => ['--activity', activityArn(AWS, t)])];
    const worker = startWorkerProcess(dir, sfn.endpoint, AWS.region, args);
    workers.push(worker);
    return worker;
  }

  it('validates every built-in definition bound for AWS, ours and AWS rules alike', () => {
    for (const workflow of [...BUILTIN_WORKFLOWS, 'restore']) {
      const file =
        workflow === 'restore'
          ? path.join(path.dirname(builtinDefinitionPath('backup')), 'restore.asl.json')
          : builtinDefinitionPath(workflow as (typeof BUILTIN_WORKFLOWS)[number]);
      const text = bindDefinition(fs.readFileSync(file, 'utf8'), file, AWS);
      const result = validateDefinition(text, { target: 'aws' });
      assert.equal(result.ok, true, `${workflow}: ${JSON.stringify(result.diagnostics)}`);
      // aws-backup's polls of AWS Backup jobs are loops, bounded by its maxPolls input
      const expected = workflow === 'aws-backup' ? ['AWS_HISTORY_LOOP', 'AWS_HISTORY_LOOP'] : [];
      assert.deepEqual(
        result.diagnostics.map((d) => d.code),
        expected,
        workflow,
      );
    }
  });

  it('backs up, copies, applies retention and proves a restore, every task in a worker process', async () => {
    const worker = startWorker('worker-a');
    const plan = planSettings(loadConfig(path.join(dir, 'stepvault.yaml')), 'docs');
    const result = await runPlan(engine, { plan });
    assert.equal(result.status, 'SUCCEEDED', `${result.error}: ${result.cause}\n${worker.output()}`);
    const [primary] = (await listSnapshots(await open('primary'))).snapshots;
    const [copied] = (await listSnapshots(await open('copy'))).snapshots;
    assert.ok(primary && copied);
    assert.equal(copied.time, primary.time); // the same snapshot (tree IDs are keyed per repository)
    // every task the workflow ran went through the activity protocol and was reported by the worker
    const reported = sfn.calls.filter(
      (c) => c.action === 'SendTaskSuccess' || c.action === 'SendTaskFailure',
    );
    const handedOut = sfn.calls.filter(
      (c) => c.action === 'GetActivityTask' && c.body.workerName === 'worker-a',
    );
    assert.ok(reported.length >= 8, `${reported.length} tasks reported`);
    assert.ok(handedOut.length > reported.length);
    const ran = new Set(
      worker
        .output()
        .split('\n')
        .filter((l) => l.includes('"task_succeeded"'))
        .map((l) => (JSON.parse(l) as { task: string }).task),
    );
    // (prune runs only once retention removed a snapshot)
    const expected = ['preflight', 'backup', 'anomaly-guard', 'check', 'copy', 'forget', 'pick-snapshot'];
    for (const task of [...expected, 'restore-test', 'notify'])
      assert.ok(ran.has(task), `${task} ran in the worker: ${[...ran].join(', ')}`);
  });

  it('runs the restore-test workflow with two workers polling the same activities', async () => {
    const second = startWorker('worker-b');
    await until(() => sfn.waitingPolls(activityArn(AWS, 'restore-test')) === 2, 'both workers to poll');
    const plan = planSettings(loadConfig(path.join(dir, 'stepvault.yaml')), 'docs');
    const result = await runPlan(engine, { plan, workflow: 'restore-test' });
    assert.equal(result.status, 'SUCCEEDED', `${result.error}: ${result.cause}\n${second.output()}`);
    for (const w of workers) {
      w.child.kill('SIGTERM');
      assert.equal(await w.exit, 0, w.output());
    }
  });
});
