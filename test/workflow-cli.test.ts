// `stepvault workflow ...` as a user runs it: separate processes sharing one workflow store, detached workers,
// task tokens sent from another process, stop and redrive, exit codes and the GetExecutionHistory JSON.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { WorkflowStore } from '../src/workflows/store/workflow-store.ts';

const MAIN = path.resolve(import.meta.dirname, '../bin/stepvault.js');
let dir: string;
let store: string;

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, STEPVAULT_WORKFLOW_STORE: store },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, value: unknown): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return p;
}

/**
 * Polls `fn` every 100 ms until it gives a value, with no deadline of its own (a slow machine only takes longer;
 * a hang is the test runner's to end); `what` says what the caller waits for.
 */
async function eventually<T>(fn: () => T | undefined, _what: string): Promise<T> {
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reads the store in this process (cheaper than a CLI call while polling). */
function stored(name: string) {
  const s = new WorkflowStore(store);
  try {
    const e = s.getExecution(name);
    return e ? { status: e.header.status, events: s.events(e.seq) } : undefined;
  } finally {
    s.close();
  }
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-wf-cli-'));
  store = path.join(dir, 'workflows.db');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const fetchDef = {
  StartAt: 'Greet',
  States: {
    Greet: {
      Type: 'Pass',
      Parameters: { 'greeting.$': "States.Format('Hello, {}!', $.name)" },
      Next: 'Fetch',
    },
    Fetch: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'fetch', 'Payload.$': '$' },
      OutputPath: '$.Payload',
      End: true,
    },
  },
};

test('validate: exit 0 when valid, 1 with precise findings when not', () => {
  const good = file('good.json', { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } });
  assert.equal(cli('workflow', 'validate', good).code, 0);
  const broken = cli(
    'workflow',
    'validate',
    file('broken.json', '{ "StartAt": "A",\n  "States": { "A": { "Type": "Pass" "End": true } } }'),
  );
  assert.equal(broken.code, 1);
  assert.match(broken.stdout, /not valid JSON \(line 2, column \d+\)/);
  const unknown = cli('workflow', 'validate', file('fetch.json', fetchDef));
  assert.equal(unknown.code, 1);
  assert.match(
    unknown.stdout,
    /\/States\/Fetch\/Resource: Task state 'Fetch': no Lambda function 'fetch' is registered/,
  );
  assert.equal(cli('workflow', 'validate', path.join(dir, 'fetch.json'), '--no-resource-check').code, 0);
});

test('validate --target aws: the built-in definitions pass; what AWS refuses is named; placeholders are bound', () => {
  const definitions = path.resolve(import.meta.dirname, '../src/plans/definitions');
  const backup = cli(
    'workflow',
    'validate',
    '--target',
    'aws',
    '--json',
    path.join(definitions, 'backup.asl.json'),
  );
  assert.equal(backup.code, 0, backup.stdout + backup.stderr);
  assert.deepEqual(JSON.parse(backup.stdout.trim().split('\n').at(-1)!), {
    message_type: 'validation',
    result: 'OK',
    diagnostics: 0,
    target: 'aws',
  });
  // valid for the local engine (its handlers serve the legacy resource), refused for AWS
  const legacy = file('legacy.json', {
    StartAt: 'B',
    States: { B: { Type: 'Task', Resource: 'arn:aws:states:::stepvault:backup', End: true } },
  });
  assert.equal(cli('workflow', 'validate', legacy).code, 0);
  const refused = cli('workflow', 'validate', '--target', 'aws', legacy);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stdout,
    /\/States\/B\/Resource: State 'B': AWS has no 'stepvault' integration.*\$\{BackupTask\}/,
  );
  // an activity no stepvault worker serves, and a placeholder stepvault does not define
  const foreign = file('foreign.json', {
    StartAt: 'F',
    States: {
      F: {
        Type: 'Task',
        Resource: 'arn:aws:states:eu-west-1:123456789012:activity:format-disks',
        TimeoutSeconds: 60,
        End: true,
      },
    },
  });
  const notOurs = cli('workflow', 'validate', '--target', 'aws', foreign);
  assert.equal(notOurs.code, 1);
  assert.match(notOurs.stdout, /no stepvault worker serves the activity .*format-disks/);
  const typo = cli(
    'workflow',
    'validate',
    '--target',
    'aws',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation placeholder, as text
    file('typo.json', { StartAt: 'T', States: { T: { Type: 'Task', Resource: '${BakupTask}', End: true } } }),
  );
  assert.equal(typo.code, 2);
  assert.match(typo.stderr + typo.stdout, /uses \$\{BakupTask\}, which stepvault does not define/);
});

test('run --wait prints the output; a failed run exits 1 and redrive --wait finishes it', () => {
  const results = file('results.json', {
    Fetch: [
      { ok: false, error: 'Unavailable', cause: 'try later' },
      { ok: true, output: { Payload: { fetched: true } } },
    ],
  });
  const failed = cli(
    'workflow',
    'run',
    path.join(dir, 'fetch.json'),
    '--input',
    '{"name":"Ana"}',
    '--task-results',
    results,
    '--wait',
    '--name',
    'fetch-1',
  );
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /execution fetch-1 FAILED: Unavailable: try later/);
  const redriven = cli('workflow', 'redrive', 'fetch-1', '--wait');
  assert.equal(redriven.code, 0, redriven.stderr);
  assert.deepEqual(JSON.parse(redriven.stdout), { fetched: true });
  const history = JSON.parse(cli('--json', 'workflow', 'history', 'fetch-1').stdout) as {
    events: { type: string; id: number }[];
  };
  assert.deepEqual(Object.keys(history), ['events']);
  assert.equal(history.events[0]!.type, 'ExecutionStarted');
  assert.ok(history.events.some((e) => e.type === 'ExecutionRedriven'));
  assert.equal(history.events.at(-1)!.type, 'ExecutionSucceeded');
  const list = cli('--json', 'workflow', 'list')
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(
    list.some((e) => e.message_type === 'execution' && e.name === 'fetch-1' && e.status === 'SUCCEEDED'),
  );
});

test('a background execution waits for its task token, sent by another process; stop ends another one', async () => {
  const def = file('approve.json', {
    StartAt: 'Approve',
    States: {
      Approve: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'notify', Payload: { 'token.$': '$$.Task.Token' } },
        HeartbeatSeconds: 600,
        End: true,
      },
    },
  });
  const results = file('approve-results.json', { Approve: [] });
  const started = cli('workflow', 'run', def, '--task-results', results, '--name', 'approve-1');
  assert.equal(started.code, 0, started.stderr);
  assert.match(started.stdout, /execution:approve:approve-1/);
  const token = await eventually(() => {
    const scheduled = stored('approve-1')?.events.find((e) => e.type === 'TaskScheduled') as
      | { taskScheduledEventDetails: { parameters: string } }
      | undefined;
    return scheduled
      ? (JSON.parse(scheduled.taskScheduledEventDetails.parameters).Payload.token as string)
      : undefined;
  }, 'the task to be scheduled');
  assert.equal(cli('workflow', 'send-task-heartbeat', '--task-token', token).code, 0);
  const sent = cli(
    'workflow',
    'send-task-success',
    '--task-token',
    token,
    '--task-output',
    '{"approved":true}',
  );
  assert.equal(sent.code, 0, sent.stderr);
  await eventually(
    () => (stored('approve-1')?.status === 'SUCCEEDED' ? true : undefined),
    'the execution to succeed',
  );
  assert.equal(
    JSON.parse(cli('--json', 'workflow', 'describe', 'approve-1').stdout).output,
    '{"approved":true}',
  );
  assert.equal(cli('workflow', 'send-task-success', '--task-token', token, '--task-output', '{}').code, 1);

  assert.equal(cli('workflow', 'run', def, '--task-results', results, '--name', 'approve-2').code, 0);
  await eventually(
    () => (stored('approve-2')?.events.some((e) => e.type === 'TaskStarted') ? true : undefined),
    'the second task',
  );
  const stopped = cli('--json', 'workflow', 'stop', 'approve-2', '--cause', 'not needed');
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.equal(JSON.parse(stopped.stdout).status, 'ABORTED');
  assert.equal(cli('workflow', 'stop', 'approve-2').code, 1);
});
