import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { StepvaultError } from '../common/errors.ts';
import type { Snapshot } from '../domain/snapshot.ts';
import { listSnapshots, saveSnapshot } from '../repository/snapshot/snapshot-store.ts';
import type { Json } from '../workflows/asl/json.ts';
import { TaskFailure, TaskRegistry } from '../workflows/engine/task-registry.ts';
import { BUILTIN_WORKFLOWS, requireValidWorkflow, workflowDefinition } from './builtin-workflows.ts';
import { startExecutionTask } from './nested-execution-task.ts';
import { notifyTask } from './notify-task.ts';
import { pickSnapshotTask } from './pick-snapshot-task.ts';
import { registerPlanTasks } from './plan-tasks.ts';
import { forgetTask, retentionPolicy } from './retention-tasks.ts';
import { builtinNestedHost, createPlanEngine } from './run-plan.ts';
import { PLAN_TASKS } from './task-bindings.ts';
import { errorName, toTaskFailure } from './task-errors.ts';
import { type TestEnvironment, taskContext, testEnvironment } from './test-environment.test-helper.ts';

function snapshot(day: number, tags: string[]): Snapshot {
  return {
    version: 1,
    time: new Date(Date.UTC(2026, 1, day, 3)).toISOString(),
    host: 'h',
    username: 'u',
    paths: ['/data'],
    tags,
    tree: 'b'.repeat(64),
    source: { type: 'files' },
    program: 'stepvault test',
  };
}

describe('plan tasks', () => {
  let env: TestEnvironment;
  before(async () => {
    env = await testEnvironment();
  });
  after(() => env.cleanup());

  it('registers every task, and the built-in workflows validate against them', async () => {
    const engine = createPlanEngine({ store: ':memory:', environment: env });
    try {
      for (const w of BUILTIN_WORKFLOWS) requireValidWorkflow(engine, workflowDefinition(w), w);
      const bare = new (await import('../workflows/engine/engine.ts')).WorkflowEngine({ store: ':memory:' });
      assert.throws(
        () => requireValidWorkflow(bare, workflowDefinition('backup'), 'backup'),
        (e: unknown) =>
          e instanceof StepvaultError &&
          e.code === 'config' &&
          /no handler is registered for 'arn:aws:states:local:000000000000:activity:stepvault-preflight'/.test(
            e.message,
          ),
      );
      await bare.close();
    } finally {
      await engine.close();
    }
    const registry = registerPlanTasks(
      new TaskRegistry(),
      env,
      builtinNestedHost(() => undefined as never),
    );
    // every task but the daemon's restore, under its activity ARN and its legacy resource, and startExecution
    assert.equal(registry.size, (Object.keys(PLAN_TASKS).length - 1) * 2 + 1);
  });

  it('names errors: retryable ones for Retry, the rest by code', () => {
    assert.equal(errorName(new StepvaultError('locked', 'x', { retryable: true })), 'Stepvault.Retryable');
    assert.equal(errorName(new StepvaultError('repository-not-found', 'x')), 'Stepvault.RepositoryNotFound');
    assert.equal(errorName(new StepvaultError('interrupted', 'x')), 'Stepvault.Interrupted');
    const failure = toTaskFailure(
      new StepvaultError('wrong-password', 'wrong password', { hint: 'check it' }),
    );
    assert.deepEqual(
      [failure.error, failure.causeText],
      ['Stepvault.WrongPassword', 'wrong password (hint: check it)'],
    );
    assert.equal(toTaskFailure(new Error('plain')).error, 'Stepvault.Internal');
  });

  it('turns a rule retention into a policy that always keeps protected snapshots', () => {
    assert.deepEqual(retentionPolicy({ keepLast: 3, keepDaily: -1, keepWithin: '1y2m' }), {
      last: 3,
      daily: -1,
      within: { years: 1, months: 2, days: 0, hours: 0 },
      tags: ['protected'],
    });
  });

  it('forget refuses an empty retention (it would keep nothing)', async () => {
    await assert.rejects(
      forgetTask(env)({ plan: 'p', rule: 'r', repository: 'main', retention: {} }, taskContext('f0')),
      (e: unknown) =>
        e instanceof TaskFailure && e.error === 'Stepvault.Usage' && /keep rule/.test(e.causeText!),
    );
  });

  it('forget touches only the rule snapshots', async () => {
    const repo = env.repos.get('main')!;
    const ours = [];
    for (const day of [1, 2, 3]) ours.push(await saveSnapshot(repo, snapshot(day, ['plan:p', 'rule:r'])));
    const other = await saveSnapshot(repo, snapshot(1, ['plan:p', 'rule:monthly']));
    const out = (await forgetTask(env)(
      { plan: 'p', rule: 'r', repository: 'main', retention: { keepLast: 2 }, timezone: 'Europe/Berlin' },
      taskContext('f1'),
    )) as Record<string, Json>;
    assert.deepEqual(out, { repository: 'main', removed: 1, kept: 2 });
    const left = (await listSnapshots(repo)).snapshots.map((s) => s.id).sort();
    assert.deepEqual(left, [ours[1]!, ours[2]!, other].sort());
    for (const id of left) await repo.backend.remove('snapshots', id);
  });

  it('picks the latest, a given one, or a random one within a window, the same again for one run', async () => {
    const repo = env.repos.get('main')!;
    const ids: string[] = [];
    for (const day of [1, 10, 20, 27])
      ids.push(await saveSnapshot(repo, snapshot(day, ['plan:p', 'rule:r'])));
    env.clock.set(Date.parse('2026-02-28T00:00:00Z'));
    const pick = pickSnapshotTask(env);
    const base = { plan: 'p', rule: 'r', repository: 'main' };
    const latest = (await pick({ ...base, pick: 'latest' }, taskContext('k1'))) as Record<string, Json>;
    assert.equal(latest.snapshotId, ids[3]);
    const given = (await pick({ ...base, snapshotId: ids[0]!.slice(0, 10) }, taskContext('k2'))) as Record<
      string,
      Json
    >;
    assert.equal(given.snapshotId, ids[0]);
    const picks = new Set<Json>();
    for (const key of Array.from({ length: 12 }, (_, i) =>
      createHash('sha256').update(`run ${i}`).digest('hex'),
    )) {
      const one = (await pick({ ...base, pick: 'random', within: '10d' }, taskContext(key))) as Record<
        string,
        Json
      >;
      const same = (await pick({ ...base, pick: 'random', within: '10d' }, taskContext(key))) as Record<
        string,
        Json
      >;
      assert.equal(one.snapshotId, same.snapshotId);
      picks.add(one.snapshotId!);
    }
    assert.deepEqual([...picks].sort(), [ids[2]!, ids[3]!].sort(), 'only the two within 10 days, both drawn');
    await assert.rejects(
      pick({ ...base, pick: 'random', within: '12h' }, taskContext('k3')),
      (e: unknown) => e instanceof TaskFailure && e.error === 'Stepvault.NotFound',
    );
    for (const id of ids) await repo.backend.remove('snapshots', id);
  });

  it('starts a nested workflow once per task visit and returns its output', async () => {
    const engine = createPlanEngine({ store: ':memory:', environment: env });
    try {
      const child = JSON.stringify({
        StartAt: 'Echo',
        States: { Echo: { Type: 'Pass', Parameters: { 'got.$': '$.value' }, End: true } },
      });
      const failing = JSON.stringify({
        StartAt: 'No',
        States: { No: { Type: 'Fail', Error: 'Bad', Cause: 'no' } },
      });
      let text = child;
      const start = startExecutionTask({ engine: () => engine, definition: () => text });
      const input = {
        StateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:stepvault-restore-test',
        Input: { value: 42, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: 'parent' },
      };
      const ctx = () =>
        taskContext('c1', {
          resource: 'arn:aws:states:::states:startExecution.sync:2',
          stateName: 'RestoreTest',
        });
      const first = (await start(input, ctx())) as Record<string, Json>;
      assert.deepEqual(first.Output, { got: 42 });
      assert.equal(first.Status, 'SUCCEEDED');
      const again = (await start(input, ctx())) as Record<string, Json>;
      assert.equal(again.ExecutionArn, first.ExecutionArn);
      assert.equal(engine.listExecutions().length, 1, 'a re-delivery waits for the same child');
      assert.equal(engine.describeExecution(String(first.ExecutionArn)).input, '{"value":42}');

      text = failing;
      await assert.rejects(
        start(input, taskContext('c2', { resource: 'arn:aws:states:::states:startExecution.sync' })),
        (e: unknown) => e instanceof TaskFailure && e.error === 'Bad' && e.causeText === 'no',
      );
      await assert.rejects(
        start({ ...input, StateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:other' }, ctx()),
        (e: unknown) => e instanceof TaskFailure && e.error === 'Stepvault.Usage',
      );
    } finally {
      await engine.close();
    }
  });

  it('notify sends the event with the run it belongs to, and never fails the workflow', async () => {
    const notify = notifyTask(env);
    const out = (await notify(
      {
        kind: 'backup.failed',
        plan: 'p',
        rule: 'r',
        error: 'Stepvault.NotFound',
        cause: '/data does not exist',
        details: { stage: 'backup', missing: null },
      },
      taskContext('n1'),
    )) as Record<string, Json>;
    assert.deepEqual(out, { kind: 'backup.failed', delivered: ['recorder'], failed: [] });
    const event = env.events.at(-1)!;
    assert.equal(event.kind, 'backup.failed');
    assert.deepEqual(event.error, { code: 'Stepvault.NotFound', message: '/data does not exist' });
    assert.deepEqual(event.summary, { stage: 'backup' });
    assert.equal(event.cliHint, 'stepvault workflow history test');
    assert.equal(event.time, env.clock.now().toISOString());

    const broken = notifyTask({
      ...env,
      notify: async () => {
        throw new Error('router down');
      },
    });
    const reported = (await broken({ kind: 'backup.succeeded', plan: 'p' }, taskContext('n2'))) as Record<
      string,
      Json
    >;
    assert.deepEqual(reported.failed, [{ target: '*', error: 'router down' }]);
    await assert.rejects(
      notify({ kind: 'backup.exploded', plan: 'p' }, taskContext('n3')),
      (e: unknown) => e instanceof TaskFailure && e.error === 'Stepvault.Usage',
    );
  });
});
