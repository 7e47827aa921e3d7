// The durable engine's API verbs, end to end on a SQLite store: stop (handlers see their signal abort), redrive
// (only failed Map iterations run again, ExecutionRedriven), task tokens (also after a restart), heartbeats,
// timeouts, payload and validation limits.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { isStepvaultError } from '../src/common/errors.ts';
import type { StateMachineDefinition } from '../src/workflows/asl/definition.ts';
import type { Json } from '../src/workflows/asl/json.ts';
import { WorkflowEngine } from '../src/workflows/engine/engine.ts';
import { TaskFailure, TaskRegistry } from '../src/workflows/engine/task-registry.ts';
import { settle, VirtualClock } from './fixtures/workflow/virtual-clock.ts';

function tmpStore(): { file: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-wf-engine-'));
  return { file: path.join(dir, 'wf.db'), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const task = (resource: string, extra: object = {}) => ({
  Type: 'Task' as const,
  Resource: resource,
  End: true,
  ...extra,
});

/** Polls `check` until it holds, with no deadline of its own; `what` says what the caller waits for. */
async function until(check: () => boolean, _what: string): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

test('stop aborts the running handler and ends the execution ABORTED', async () => {
  const { file, cleanup } = tmpStore();
  let aborted = false;
  const registry = new TaskRegistry().register(
    'arn:aws:states:::stepvault:slow',
    (_i, ctx) =>
      new Promise((_, reject) => {
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        });
      }),
  );
  const engine = new WorkflowEngine({ store: file, registry });
  try {
    const arn = await engine.startExecution(
      { StartAt: 'T', States: { T: task('arn:aws:states:::stepvault:slow') } },
      {},
    );
    await until(
      () => engine.getExecutionHistory(arn).events.some((e) => e.type === 'TaskStarted'),
      'the task to start',
    );
    const d = await engine.stopExecution(arn, 'Operator', 'stopped by a test');
    assert.equal(d.status, 'ABORTED');
    assert.equal(aborted, true);
    assert.equal(engine.getExecutionHistory(arn).events.at(-1)?.type, 'ExecutionAborted');
    assert.equal(d.redriveStatus, 'REDRIVABLE');
  } finally {
    await engine.close();
    cleanup();
  }
});

test('redrive re-runs only the failed Map iterations and records ExecutionRedriven', async () => {
  const { file, cleanup } = tmpStore();
  const calls: Json[] = [];
  let broken = true;
  const registry = new TaskRegistry().register('arn:aws:states:::stepvault:item', (input) => {
    calls.push(input);
    if (broken && (input as number) % 3 === 0) throw new TaskFailure('ItemBroken', `item ${input}`);
    return (input as number) * 10;
  });
  const engine = new WorkflowEngine({ store: file, registry });
  const def: StateMachineDefinition = {
    StartAt: 'Map',
    States: {
      Map: {
        Type: 'Map',
        MaxConcurrency: 1,
        ItemProcessor: { StartAt: 'Do', States: { Do: task('arn:aws:states:::stepvault:item') } },
        End: true,
      },
    },
  };
  try {
    const first = await engine.run(def, [1, 2, 3, 4]);
    assert.equal(first.status, 'FAILED');
    assert.equal(first.error, 'ItemBroken');
    assert.deepEqual(calls, [1, 2, 3]);
    broken = false;
    calls.length = 0;
    await engine.redriveExecution(first.executionArn);
    const second = await engine.waitForExecution(first.executionArn);
    assert.equal(second.status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(second.output!), [10, 20, 30, 40]);
    assert.deepEqual(calls, [3, 4], 'iterations that had succeeded are not run again');
    assert.equal(second.redriveCount, 1);
    assert.ok(
      engine.getExecutionHistory(first.executionArn).events.some((e) => e.type === 'ExecutionRedriven'),
    );
    await assert.rejects(engine.redriveExecution(first.executionArn), (e: unknown) =>
      isStepvaultError(e, 'conflict'),
    );
  } finally {
    await engine.close();
    cleanup();
  }
});

test('waitForTaskToken: the task completes with send-task-success, also after the process restarted', async () => {
  const { file, cleanup } = tmpStore();
  const tokens: string[] = [];
  const registry = () =>
    new TaskRegistry().register('arn:aws:states:::stepvault:approve', (input) => {
      tokens.push((input as { token: string }).token);
      return null;
    });
  const def: StateMachineDefinition = {
    StartAt: 'Approve',
    States: {
      Approve: task('arn:aws:states:::stepvault:approve.waitForTaskToken', {
        Parameters: { 'token.$': '$$.Task.Token' },
        HeartbeatSeconds: 3600,
        End: undefined,
        Next: 'Again',
      }),
      Again: task('arn:aws:states:::stepvault:approve.waitForTaskToken', {
        Parameters: { 'token.$': '$$.Task.Token' },
      }),
    },
  };
  let engine = new WorkflowEngine({ store: file, registry: registry(), pollIntervalMs: 20 });
  try {
    const arn = await engine.startExecution(def, {});
    await until(() => tokens.length === 1, 'the first token');
    await engine.sendTaskHeartbeat(tokens[0]!);
    await engine.sendTaskSuccess(tokens[0]!, { approved: 1 });
    await until(() => tokens.length === 2, 'the second token');
    await engine.close();
    engine = new WorkflowEngine({ store: file, registry: registry(), pollIntervalMs: 20 });
    await assert.rejects(engine.sendTaskSuccess(tokens[0]!, {}), (e: unknown) => isStepvaultError(e));
    await engine.sendTaskFailure(tokens[1]!, 'Rejected', 'no');
    assert.equal(engine.isRunningSomewhere(arn), false, 'nobody runs it until it is resumed');
    await engine.resumeExecutions();
    const d = await engine.waitForExecution(arn);
    assert.equal(d.status, 'FAILED');
    assert.equal(d.error, 'Rejected');
    await assert.rejects(engine.sendTaskSuccess('no-such-token', {}), (e: unknown) =>
      isStepvaultError(e, 'not-found'),
    );
  } finally {
    await engine.close();
    cleanup();
  }
});

test('heartbeat and execution timeouts fire on the injected clock', async () => {
  const clock = new VirtualClock(Date.parse('2025-01-01T00:00:00Z'));
  const registry = new TaskRegistry().register(
    'arn:aws:states:::stepvault:silent',
    (_i, ctx) =>
      new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('x')))),
  );
  const engine = new WorkflowEngine({ store: ':memory:', registry, clock, pollIntervalMs: 0 });
  const drive = async (arn: string) => {
    while (engine.describeExecution(arn).status === 'RUNNING') {
      await settle();
      clock.advanceToNext();
    }
    return engine.describeExecution(arn);
  };
  try {
    const hb = await engine.startExecution(
      {
        StartAt: 'T',
        States: {
          T: task('arn:aws:states:::stepvault:silent', { HeartbeatSeconds: 30, TimeoutSeconds: 600 }),
        },
      },
      {},
    );
    const d1 = await drive(hb);
    assert.equal(d1.error, 'States.HeartbeatTimeout');
    assert.equal(Date.parse(d1.stopDate!) - Date.parse(d1.startDate), 30_000);
    const ex = await engine.startExecution(
      { TimeoutSeconds: 120, StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } },
      {},
    );
    const d2 = await drive(ex);
    assert.equal(d2.status, 'TIMED_OUT');
    assert.equal(engine.getExecutionHistory(ex).events.at(-1)?.type, 'ExecutionTimedOut');
  } finally {
    await engine.close();
  }
});

test('Lambda functions get the invoke envelope; retries share the idempotency key; outputs over 256 KiB fail the task', async () => {
  const keys: string[] = [];
  const registry = new TaskRegistry()
    .registerFunction('flaky', (input, ctx) => {
      keys.push(`${ctx.idempotencyKey}#${ctx.attempt}`);
      if (ctx.attempt < 3) throw new Error('try again');
      return { echo: input };
    })
    .registerFunction('huge', () => 'x'.repeat(300 * 1024));
  const engine = new WorkflowEngine({ store: ':memory:', registry });
  try {
    const d = await engine.run(
      {
        StartAt: 'Call',
        States: {
          Call: task('arn:aws:states:::lambda:invoke', {
            Parameters: { FunctionName: 'flaky', 'Payload.$': '$' },
            Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, BackoffRate: 1, MaxAttempts: 3 }],
            OutputPath: '$.Payload',
          }),
        },
      },
      { n: 1 },
    );
    assert.equal(d.status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(d.output!), { echo: { n: 1 } });
    assert.equal(new Set(keys.map((k) => k.split('#')[0])).size, 1);
    assert.deepEqual(
      keys.map((k) => k.split('#')[1]),
      ['1', '2', '3'],
    );
    const big = await engine.run(
      {
        StartAt: 'Call',
        States: {
          Call: task('arn:aws:states:::lambda:invoke', {
            Parameters: { FunctionName: 'huge' },
            Catch: [{ ErrorEquals: ['States.DataLimitExceeded'], Next: 'Caught' }],
            End: undefined,
            Next: 'Caught',
          }),
          Caught: { Type: 'Pass', End: true },
        },
      },
      {},
    );
    assert.equal(big.status, 'SUCCEEDED');
    assert.equal(JSON.parse(big.output!).Error, 'States.DataLimitExceeded');
    await assert.rejects(
      engine.startExecution(
        { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
        { big: 'x'.repeat(300 * 1024) },
      ),
      (e: unknown) => isStepvaultError(e, 'usage'),
    );
    await assert.rejects(
      engine.startExecution(
        {
          StartAt: 'T',
          States: { T: task('arn:aws:states:::lambda:invoke', { Parameters: { FunctionName: 'unknown' } }) },
        },
        {},
      ),
      (e: unknown) =>
        isStepvaultError(e, 'usage') &&
        /no Lambda function 'unknown' is registered/.test((e as Error).message),
    );
  } finally {
    await engine.close();
  }
});

test('history is in the GetExecutionHistory shape, pages and reverses', async () => {
  const engine = new WorkflowEngine({ store: ':memory:' });
  try {
    const d = await engine.run(
      { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Succeed' } } },
      { k: 'v' },
    );
    const h = engine.getExecutionHistory(d.executionArn);
    assert.deepEqual(
      h.events.map((e) => e.type),
      [
        'ExecutionStarted',
        'PassStateEntered',
        'PassStateExited',
        'SucceedStateEntered',
        'SucceedStateExited',
        'ExecutionSucceeded',
      ],
    );
    assert.deepEqual(h.events[1], {
      timestamp: h.events[1]!.timestamp,
      type: 'PassStateEntered',
      id: 2,
      previousEventId: 0,
      stateEnteredEventDetails: { name: 'A', input: '{"k":"v"}', inputDetails: { truncated: false } },
    });
    const page = engine.getExecutionHistory(d.executionArn, { maxResults: 4, reverseOrder: true });
    assert.deepEqual(
      page.events.map((e) => e.id),
      [6, 5, 4, 3],
    );
    const rest = engine.getExecutionHistory(d.executionArn, {
      maxResults: 4,
      reverseOrder: true,
      nextToken: page.nextToken!,
    });
    assert.deepEqual(
      rest.events.map((e) => e.id),
      [2, 1],
    );
    assert.equal(rest.nextToken, undefined);
  } finally {
    await engine.close();
  }
});

test('a distributed Map runs items from a local bucket as child executions and writes its results', async () => {
  const { file, cleanup } = tmpStore();
  const buckets = path.join(path.dirname(file), 'buckets');
  fs.mkdirSync(path.join(buckets, 'in'), { recursive: true });
  fs.writeFileSync(
    path.join(buckets, 'in', 'pages.csv'),
    'id,title\n1,Home\n2,"News, old"\n3,Broken\n4,About\n',
  );
  const registry = new TaskRegistry().register('arn:aws:states:::stepvault:page', (input) => {
    const items = (input as { Items: { id: string; title: string }[] }).Items;
    if (items.some((i) => i.title === 'Broken')) throw new TaskFailure('PageBroken', 'cannot read page 3');
    return items.map((i) => Number(i.id));
  });
  const engine = new WorkflowEngine({ store: file, registry });
  try {
    const d = await engine.run(
      {
        StartAt: 'Pages',
        States: {
          Pages: {
            Type: 'Map',
            ItemReader: {
              Resource: 'arn:aws:states:::s3:getObject',
              ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
              Parameters: { Bucket: 'in', Key: 'pages.csv' },
            },
            ItemBatcher: { MaxItemsPerBatch: 2 },
            MaxConcurrency: 1,
            ToleratedFailureCount: 1,
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'Read',
              States: { Read: task('arn:aws:states:::stepvault:page') },
            },
            ResultWriter: {
              Resource: 'arn:aws:states:::s3:putObject',
              Parameters: { Bucket: 'out', Prefix: 'pages' },
            },
            End: true,
          },
        },
      },
      {},
    );
    assert.equal(d.status, 'SUCCEEDED', d.cause);
    const output = JSON.parse(d.output!) as {
      MapRunArn: string;
      ResultWriterDetails: { Bucket: string; Key: string };
    };
    assert.match(output.MapRunArn, /:mapRun:StateMachine\/Pages:/);
    const manifest = JSON.parse(
      fs.readFileSync(
        path.join(buckets, output.ResultWriterDetails.Bucket, output.ResultWriterDetails.Key),
        'utf8',
      ),
    );
    assert.equal(manifest.ResultFiles.SUCCEEDED.length, 1);
    assert.equal(manifest.ResultFiles.FAILED.length, 1);
    const children = engine.childExecutions(d.executionArn);
    assert.deepEqual(children.map((c) => c.header.status).sort(), ['FAILED', 'SUCCEEDED']);
    assert.deepEqual(
      engine.getExecutionHistory(d.executionArn).events.map((e) => e.type),
      [
        'ExecutionStarted',
        'MapStateEntered',
        'MapStateStarted',
        'MapRunStarted',
        'MapRunSucceeded',
        'MapStateSucceeded',
        'MapStateExited',
        'ExecutionSucceeded',
      ],
    );
  } finally {
    await engine.close();
    cleanup();
  }
});
