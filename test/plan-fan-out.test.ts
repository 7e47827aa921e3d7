// A Confluence plan with `fanOut` runs the built-in backup workflow's fan-out: the plan task weighs the spaces,
// deals them into parts and writes those to the run bucket, a distributed Map reads them (ItemReader), backs each
// part up as a child execution and writes their results back (ResultWriter), and the commit joins them into one
// snapshot — the very tree one backup of the whole site makes at the same time. First on the local engine with
// in-process handlers, then with every task run by `stepvault worker` processes through the Step Functions activity
// protocol.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { ManualClock } from '../src/common/clock.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { backupConfluence } from '../src/operations/confluence/backup/backup-confluence.ts';
import { ConfigEnvironment, planSettings } from '../src/plans/config-environment.ts';
import { START_EXECUTION, startExecutionTask } from '../src/plans/nested-execution-task.ts';
import { builtinNestedHost, createPlanEngine, runPlan } from '../src/plans/run-plan.ts';
import { activityArn, LOCAL_RUN_BUCKET, PLAN_TASKS, type PlanTask } from '../src/plans/task-bindings.ts';
import { Repository } from '../src/repository/repository.ts';
import { listSnapshots } from '../src/repository/snapshot/snapshot-store.ts';
import { siteClient } from '../src/sources/confluence/client/client.test-helper.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { WorkflowEngine } from '../src/workflows/engine/engine.ts';
import { localObjectStore, type ObjectStore } from '../src/workflows/engine/item-io.ts';
import { simSourceYaml } from './support/confluence-sim-source.ts';
import { activityRegistry, type SfnActivitiesDouble, startSfnActivities } from './support/sfn-activities.ts';
import { FAST_KDF } from './support/small-repository.ts';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.ts';

const PASSWORD = 'fan-out test password';
const AWS = { region: 'eu-west-1', accountId: '123456789012' };
const SPACES = 5;

describe('a Confluence plan that fans out over its spaces', () => {
  let dir: string;
  let sim: ConfluenceSim;
  const open = () => Repository.open(new LocalBackend(path.join(dir, 'repo')), PASSWORD);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-fan-out-'));
    sim = await startConfluenceSim({});
    sim.generate({ seed: 33, spaces: SPACES, pages: 80, attachments: 12, blogPosts: 4 });
    fs.writeFileSync(path.join(dir, 'password'), PASSWORD);
    fs.writeFileSync(path.join(dir, 'confluence-token'), sim.credentials.apiToken);
    await Repository.init(new LocalBackend(path.join(dir, 'repo')), PASSWORD, { kdf: FAST_KDF });
    fs.writeFileSync(
      path.join(dir, 'stepvault.yaml'),
      `version: 1
repositories:
  repo: { location: ./repo, password: { file: ./password } }
sources:
  wiki:
${simSourceYaml(sim, '{ file: ./confluence-token }')}
    fanOut: { workers: 2, parts: 3 }
plans:
  wiki:
    source: wiki
    repository: repo
    rules:
      - name: nightly
        schedule: cron(0 2 * * ? *)
server:
  stateDir: ./state
`,
    );
  });
  after(async () => {
    await sim?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The tree of one backup of the whole site at `time` (everything fetched), made in the same repository. */
  async function singleBackupTree(time: string): Promise<string> {
    const repo = await open();
    const single = await backupConfluence(
      { site: sim.siteUrl, force: true },
      { repo, api: siteClient(sim), clock: new ManualClock(new Date(time)) },
    );
    return (await listSnapshots(repo)).snapshots.find((s) => s.id === single.snapshotId)!.tree;
  }

  it('backs the site up in parts on the local engine, into the snapshot one backup makes', async () => {
    const loaded = loadConfig(path.join(dir, 'stepvault.yaml'));
    const plan = planSettings(loaded, 'wiki');
    assert.deepEqual(plan.fanOut, { workers: 2, parts: 3 });
    const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
    const environment = new ConfigEnvironment(loaded, { clock });
    // Someone who can write the run bucket lists every part twice: the Map reads no more parts than the plan has.
    const local = localObjectStore(path.join(dir, 'state', 'buckets'));
    const tampering: ObjectStore = {
      ...local,
      put: (bucket, key, body) =>
        local.put(
          bucket,
          key,
          key.endsWith('/parts.json') ? JSON.stringify([...JSON.parse(body), ...JSON.parse(body)]) : body,
        ),
    };
    const engine = createPlanEngine({
      store: path.join(dir, 'state', 'workflows.db'),
      environment,
      objects: tampering,
    });
    try {
      const result = await runPlan(engine, { plan });
      assert.equal(result.status, 'SUCCEEDED', `${result.error}: ${result.cause}`);
      const output = result.output as { snapshotId: string; partial: boolean };
      assert.equal(output.partial, false);
      // Three parts of about equal weight, each a child execution of the distributed Map.
      const children = engine.childExecutions(result.executionArn);
      assert.equal(children.length, 3);
      assert.ok(children.every((c) => c.header.status === 'SUCCEEDED'));
      // The run's files are in the run bucket: the spaces, the plan, the results and their manifest.
      const files = fs
        .readdirSync(path.join(dir, 'state', 'buckets', LOCAL_RUN_BUCKET), { recursive: true })
        .map(String);
      for (const name of ['parts.json', 'plan.json', 'manifest.json', 'SUCCEEDED_0.json'])
        assert.ok(
          files.some((f) => path.basename(f) === name),
          `${name} in ${files.join(', ')}`,
        );
      // The heaviest space is more than a third of the site: it is cut into slices that different parts back up.
      const read = (name: string) =>
        JSON.parse(
          fs.readFileSync(
            path.join(
              dir,
              'state',
              'buckets',
              LOCAL_RUN_BUCKET,
              files.find((f) => path.basename(f) === name)!,
            ),
            'utf8',
          ),
        );
      assert.equal(read('parts.json').length, 6, 'the doubled list');
      const planned = read('plan.json') as { parts: { space: string; of: number }[][]; seal: string };
      assert.match(planned.seal, /^[0-9a-f]{64}$/, 'the plan is sealed');
      const cut = planned.parts.flat().filter((c) => c.of > 1);
      assert.ok(cut.length >= 2, JSON.stringify(planned.parts));
      const snapshot = (await listSnapshots(await open())).snapshots.find((s) => s.id === output.snapshotId)!;
      assert.ok(snapshot.tags.includes('plan:wiki'));
      assert.equal(snapshot.tree, await singleBackupTree(snapshot.time));
    } finally {
      await engine.close();
      await environment.close();
    }
  });

  describe('with every task run by stepvault workers', () => {
    let sfn: SfnActivitiesDouble;
    let engine: WorkflowEngine;
    const workers: WorkerProcess[] = [];
    const tasks = Object.values(PLAN_TASKS).filter((t): t is Exclude<PlanTask, 'restore'> => t !== 'restore');

    before(async () => {
      sfn = await startSfnActivities({ pollMs: 1000 });
      const registry = activityRegistry(sfn, AWS, tasks);
      engine = new WorkflowEngine({ store: ':memory:', registry, bucketsDir: path.join(dir, 'buckets') });
      registry.register(START_EXECUTION, startExecutionTask(builtinNestedHost(() => engine)));
    });
    after(async () => {
      for (const w of workers) w.child.kill('SIGKILL');
      await engine?.close();
      await sfn?.close();
    });

    it('gives the same snapshot, every part run by a worker process', async () => {
      for (const name of ['worker-a', 'worker-b', 'worker-c']) {
        const args = ['--name', name, '--buckets', path.join(dir, 'buckets')];
        for (const task of tasks) args.push('--activity', activityArn(AWS, task));
        workers.push(startWorkerProcess(dir, sfn.endpoint, AWS.region, args));
      }
      sim.edits.editPages({ fraction: 0.2, seed: 4 });
      const plan = planSettings(loadConfig(path.join(dir, 'stepvault.yaml')), 'wiki');
      const result = await runPlan(engine, { plan });
      const logs = () => workers.map((w) => w.output()).join('\n');
      assert.equal(result.status, 'SUCCEEDED', `${result.error}: ${result.cause}\n${logs()}`);
      const output = result.output as { snapshotId: string };
      const repo = await open();
      const snapshot = (await listSnapshots(repo)).snapshots.find((s) => s.id === output.snapshotId)!;
      assert.ok(snapshot.parent, 'an incremental backup: the parts reused the last snapshot');
      assert.equal(snapshot.tree, await singleBackupTree(snapshot.time));
      // Every part went through the activity protocol to a worker process.
      const parts = logs()
        .split('\n')
        .filter((l) => l.includes('"task_succeeded"') && l.includes('"backup-part"'));
      assert.equal(parts.length, 3, logs());
      for (const w of workers) {
        w.child.kill('SIGTERM');
        assert.equal(await w.exit, 0, w.output());
      }
    });
  });
});
