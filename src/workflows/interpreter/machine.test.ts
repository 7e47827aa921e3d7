import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StateMachineDefinition } from '../asl/definition.ts';
import type { Json } from '../asl/json.ts';
import { CompiledDefinition } from './compiled.ts';
import { ExecutionMachine } from './machine.ts';
import type { ExecutionHeader, HistoryEvent, TaskOutcome } from './model.ts';

function header(input: Json): ExecutionHeader {
  return {
    executionArn: 'arn:aws:states:local:000000000000:execution:T:e',
    name: 'e',
    stateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:T',
    stateMachineName: 'T',
    roleArn: 'arn:aws:iam::000000000000:role/r',
    input,
    startTime: 0,
    stopTime: undefined,
    status: 'RUNNING',
    output: undefined,
    error: undefined,
    cause: undefined,
    eventCount: 0,
    rngState: [1, 2, 3, 4],
    scopeSeq: 0,
    redriveCount: 0,
    redriveTime: undefined,
    timeoutAt: undefined,
    parent: undefined,
    maxEvents: 25_000,
  };
}

/**
 * Drives a machine to its end with an in-memory "driver": tasks answer through `tasks` (by state name), time
 * jumps to the next deadline. Returns the history.
 */
async function run(
  def: StateMachineDefinition,
  input: Json,
  tasks: Record<string, (input: Json, attempt: number) => TaskOutcome> = {},
) {
  let now = 1_000;
  const m = ExecutionMachine.start(new CompiledDefinition(def), header(input), now);
  const events: HistoryEvent[] = [];
  for (let guard = 0; guard < 10_000 && m.running; guard++) {
    await m.runReady(now);
    const changes = m.takeChanges();
    events.push(...changes.events);
    const invokes = changes.commands.filter((c) => c.kind === 'invoke');
    for (const c of invokes)
      m.deliverTaskOutcome(
        c.token,
        tasks[c.stateName]?.(c.parameters, c.attempt) ?? { ok: true, output: c.parameters },
        now,
      );
    if (invokes.length === 0 && !m.hasReadyWork()) {
      const next = m.nextDeadline();
      if (next === undefined) break;
      now = Math.max(now, next);
      await m.fireTimers(now);
    }
  }
  events.push(...m.takeChanges().events);
  return { m, events, types: events.map((e) => e.type) };
}

const last = (events: HistoryEvent[]) => events.at(-1)!;

test('runtime path failures end the execution with the States.* error AWS raises, never a crash', async () => {
  const cases: [StateMachineDefinition, string][] = [
    [{ StartAt: 'A', States: { A: { Type: 'Pass', InputPath: '$.missing', End: true } } }, 'States.Runtime'],
    [
      { StartAt: 'A', States: { A: { Type: 'Pass', Parameters: { 'x.$': '$.missing' }, End: true } } },
      'States.Runtime',
    ],
    [
      { StartAt: 'A', States: { A: { Type: 'Pass', Result: 1, ResultPath: '$.s.deeper', End: true } } },
      'States.ResultPathMatchFailure',
    ],
    [
      {
        StartAt: 'A',
        States: { A: { Type: 'Pass', Parameters: { 'x.$': 'States.ArrayGetItem($.list, 9)' }, End: true } },
      },
      'States.IntrinsicFailure',
    ],
    [
      {
        StartAt: 'A',
        States: {
          A: { Type: 'Choice', Choices: [{ Variable: '$.s', StringEquals: 'no', Next: 'B' }] },
          B: { Type: 'Succeed' },
        },
      },
      'States.NoChoiceMatched',
    ],
    [
      {
        StartAt: 'A',
        States: {
          A: { Type: 'Choice', Choices: [{ Variable: '$.gone', StringEquals: 'x', Next: 'B' }] },
          B: { Type: 'Succeed' },
        },
      },
      'States.Runtime',
    ],
    [{ StartAt: 'A', States: { A: { Type: 'Wait', SecondsPath: '$.s', End: true } } }, 'States.Runtime'],
    [
      {
        StartAt: 'A',
        States: {
          A: {
            Type: 'Map',
            ItemsPath: '$.s',
            ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
            End: true,
          },
        },
      },
      'States.Runtime',
    ],
    [
      {
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: { A: { Type: 'Pass', Output: '{% $states.input.nothing %}', End: true } },
      },
      'States.QueryEvaluationError',
    ],
  ];
  for (const [def, error] of cases) {
    const { events } = await run(def, { s: 'text', list: [1] });
    const end = last(events);
    assert.equal(end.type, 'ExecutionFailed', JSON.stringify(def));
    assert.equal(end.details?.error, error, JSON.stringify(def));
  }
});

test('a JSONata failure is recorded as EvaluationFailed naming the field', async () => {
  const { events } = await run(
    {
      QueryLanguage: 'JSONata',
      StartAt: 'A',
      States: { A: { Type: 'Pass', Output: { x: '{% $number("x") + {} %}' }, End: true } },
    },
    {},
  );
  const failed = events.find((e) => e.type === 'EvaluationFailed');
  assert.equal(failed?.details?.location, 'Output');
  assert.equal(failed?.details?.state, 'A');
});

test('Retry with backoff, then Catch with ResultPath; States.Runtime is neither retried nor caught', async () => {
  const def: StateMachineDefinition = {
    StartAt: 'T',
    States: {
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.err', Next: 'Handled' }],
        End: true,
      },
      Handled: { Type: 'Pass', End: true },
    },
  };
  const attempts: number[] = [];
  const { events } = await run(
    def,
    { a: 1 },
    {
      T: (_input, attempt) => {
        attempts.push(attempt);
        return { ok: false, error: 'Flaky', cause: `attempt ${attempt}` };
      },
    },
  );
  assert.deepEqual(attempts, [1, 2, 3]);
  const failures = events.filter((e) => e.type === 'TaskFailed').map((e) => e.timestamp);
  assert.deepEqual([failures[1]! - failures[0]!, failures[2]! - failures[1]!], [2000, 6000]);
  const end = last(events);
  assert.equal(end.type, 'ExecutionSucceeded');
  assert.deepEqual(JSON.parse(end.details!.output as string), {
    a: 1,
    err: { Error: 'Flaky', Cause: 'attempt 3' },
  });

  const runtime = await run(
    {
      StartAt: 'T',
      States: {
        T: { ...def.States.T!, Parameters: { 'x.$': '$.missing' } },
        Handled: { Type: 'Pass', End: true },
      },
    },
    {},
  );
  assert.equal(last(runtime.events).details?.error, 'States.Runtime');
  assert.equal(runtime.types.includes('TaskScheduled'), false);
});

test('a task that times out fails with States.Timeout; a Map with tolerated failures still succeeds', async () => {
  const timeout = await run(
    {
      StartAt: 'T',
      States: {
        T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', TimeoutSeconds: 5, End: true },
      },
    },
    {},
    { T: () => ({ ok: false, error: 'States.Timeout', cause: undefined, timedOut: true }) },
  );
  assert.deepEqual(timeout.types.slice(-2), ['TaskTimedOut', 'ExecutionFailed']);
  const map = await run(
    {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ToleratedFailureCount: 1,
          ItemProcessor: {
            StartAt: 'T',
            States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } },
          },
          End: true,
        },
      },
    },
    [1, 2, 3],
    {
      T: (input) =>
        input === 2
          ? { ok: false, error: 'Bad', cause: 'two' }
          : { ok: true, output: (input as number) * 10 },
    },
  );
  assert.equal(last(map.events).type, 'ExecutionSucceeded');
  assert.deepEqual(JSON.parse(last(map.events).details!.output as string), [
    10,
    { Error: 'Bad', Cause: 'two' },
    30,
  ]);
});

test('the same deliveries replay to the same history', async () => {
  const def: StateMachineDefinition = {
    StartAt: 'Ids',
    States: {
      Ids: {
        Type: 'Pass',
        Parameters: { 'id.$': 'States.UUID()', 'n.$': 'States.MathRandom(0, 1000)' },
        Next: 'Fan',
      },
      Fan: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3, End: true } } },
          {
            StartAt: 'T',
            States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } },
          },
        ],
        End: true,
      },
    },
  };
  const a = await run(def, { x: 1 });
  const b = await run(def, { x: 1 });
  assert.equal(last(a.events).type, 'ExecutionSucceeded');
  assert.deepEqual(b.events, a.events);
});

test('the history limit ends the execution with States.Runtime', async () => {
  const def: StateMachineDefinition = {
    StartAt: 'Loop',
    States: {
      Loop: { Type: 'Pass', Next: 'Again' },
      Again: {
        Type: 'Choice',
        Choices: [{ Variable: '$.stop', IsPresent: true, Next: 'Done' }],
        Default: 'Loop',
      },
      Done: { Type: 'Succeed' },
    },
  };
  const m = ExecutionMachine.start(new CompiledDefinition(def), { ...header({}), maxEvents: 50 }, 0);
  await m.runReady(0);
  assert.equal(m.header.status, 'FAILED');
  assert.equal(m.header.error, 'States.Runtime');
  assert.equal(m.header.eventCount, 50);
});

test('integer fields given by path take a string that holds an integer, as AWS does; other values fail', async () => {
  const map = (field: Record<string, string>): StateMachineDefinition => ({
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        ItemsPath: '$.items',
        ...field,
        ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
        End: true,
      },
    },
  });
  for (const field of [{ MaxConcurrencyPath: '$.n' }, { ToleratedFailureCountPath: '$.n' }]) {
    for (const n of ['3', '+2', 4]) {
      const { events } = await run(map(field), { items: [1, 2], n });
      assert.equal(
        last(events).type,
        'ExecutionSucceeded',
        `${JSON.stringify(field)} with ${JSON.stringify(n)}`,
      );
    }
    for (const n of ['3.5', 'three', '', ' 3', 2.5, -1, '-1']) {
      const { events } = await run(map(field), { items: [1, 2], n });
      const end = last(events);
      assert.equal(end.type, 'ExecutionFailed', `${JSON.stringify(field)} with ${JSON.stringify(n)}`);
      assert.equal(end.details?.error, 'States.Runtime');
    }
  }
});

test('a Wait longer than AWS allows fails with States.Runtime instead of waiting for decades', async () => {
  const wait = (field: Record<string, unknown>, ql?: 'JSONata'): StateMachineDefinition => ({
    ...(ql ? { QueryLanguage: ql } : {}),
    StartAt: 'W',
    States: { W: { Type: 'Wait', ...field, End: true } },
  });
  const tooLong = [
    wait({ SecondsPath: '$.s' }),
    wait({ TimestampPath: '$.t' }),
    wait({ Seconds: '{% $states.input.s %}' }, 'JSONata'),
  ];
  for (const def of tooLong) {
    const { events } = await run(def, { s: 100_000_000, t: '2100-01-01T00:00:00Z' });
    const end = last(events);
    assert.equal(end.type, 'ExecutionFailed', JSON.stringify(def));
    assert.equal(end.details?.error, 'States.Runtime');
    assert.match(String(end.details?.cause), /Wait state delay is too long/);
  }
  // The longest wait AWS accepts is waited out.
  const { events } = await run(wait({ SecondsPath: '$.s' }), { s: 99_999_999 });
  assert.equal(last(events).type, 'ExecutionSucceeded');
});

test('an ItemReader MaxItemsPath that is no item count fails the map run after it started, as on AWS', async () => {
  const def: StateMachineDefinition = {
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON', MaxItemsPath: '$.n' },
          Parameters: { Bucket: 'b', Key: 'k' },
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'P',
          States: { P: { Type: 'Pass', End: true } },
        },
        End: true,
      },
    },
  };
  // AWS's recording for -1 (test_map_item_reader_csv_max_items_paths[-1]); a non-integer fails the same way.
  for (const [n, cause] of [
    [-1, 'field MaxItems must be positive'],
    [1.5, 'field MaxItems must be an integer, got 1.5'],
  ] as const) {
    const { events, types } = await run(def, { n });
    assert.deepEqual(types, [
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      'MapRunStarted',
      'MapRunFailed',
      'MapStateFailed',
      'ExecutionFailed',
    ]);
    assert.deepEqual(events[2]!.details, { length: 0 });
    assert.deepEqual(events[4]!.details, { error: 'States.ItemReaderFailed', cause });
    assert.equal(last(events).details?.error, 'States.ItemReaderFailed');
  }
  // A string that holds an integer is that integer: the reader is asked for 2 items.
  const m = ExecutionMachine.start(new CompiledDefinition(def), header({ n: '2' }), 1_000);
  await m.runReady(1_000);
  const read = m.takeChanges().commands.find((c) => c.kind === 'read-items');
  assert.equal((read as { config: { MaxItems?: number } } | undefined)?.config.MaxItems, 2);
});
