import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { CompiledDefinition } from '../interpreter/compiled.ts';
import { ExecutionMachine } from '../interpreter/machine.ts';
import type { ExecutionHeader } from '../interpreter/model.ts';
import { WorkflowStore } from './workflow-store.ts';

function header(name: string): ExecutionHeader {
  return {
    executionArn: `arn:aws:states:local:000000000000:execution:T:${name}`,
    name,
    stateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:T',
    stateMachineName: 'T',
    roleArn: 'r',
    input: { n: 1 },
    startTime: 1,
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

test('an execution written step by step loads back to the same interpreter state', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-wf-store-'));
  try {
    const file = path.join(dir, 'wf.db');
    const def = new CompiledDefinition({
      StartAt: 'W',
      States: { W: { Type: 'Wait', Seconds: 60, Next: 'P' }, P: { Type: 'Pass', End: true } },
    });
    const m = ExecutionMachine.start(def, header('one'), 1000);
    let store = new WorkflowStore(file);
    store.saveDefinition('d1', 'T', JSON.stringify(def.definition));
    const seq = store.createExecution(m.header, 'd1', {}, m.takeChanges());
    await m.runReady(1000);
    store.applyChanges(seq, m.takeChanges());
    store.close();
    store = new WorkflowStore(file);
    const loaded = store.loadExecution(seq)!;
    assert.deepEqual(loaded.header, JSON.parse(JSON.stringify(m.header)));
    assert.deepEqual(loaded.scopes, JSON.parse(JSON.stringify([...m.scopes.values()])));
    assert.deepEqual(
      store.events(seq).map((e) => e.type),
      ['ExecutionStarted', 'WaitStateEntered'],
    );
    const resumed = new ExecutionMachine(def, {
      header: loaded.header,
      scopes: loaded.scopes,
      blobs: loaded.blobs,
    });
    assert.equal(resumed.nextDeadline(), 61_000);
    await resumed.fireTimers(61_000);
    await resumed.runReady(61_000);
    assert.equal(resumed.header.status, 'SUCCEEDED');
    assert.throws(
      () => store.createExecution(header('one'), 'd1', {}, resumed.takeChanges()),
      /already exists/,
    );
    store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('leases: a live holder keeps its execution, a dead or expired one loses it', () => {
  const store = new WorkflowStore(':memory:');
  const alive = new Set([100]);
  const isAlive = (pid: number) => alive.has(pid);
  assert.equal(store.acquireLease(1, 'a', 100, 0, 1000, isAlive), true);
  assert.equal(store.acquireLease(1, 'b', 200, 10, 1000, isAlive), false);
  assert.equal(store.acquireLease(1, 'b', 200, 2000, 1000, isAlive), true, 'expired');
  alive.delete(200);
  assert.equal(store.acquireLease(1, 'c', 300, 2100, 1000, isAlive), true, 'holder died');
  assert.deepEqual(store.leaseHolder(1, 2200), { owner: 'c', pid: 300 });
  store.releaseLease(1, 'c');
  assert.equal(store.leaseHolder(1, 2200), undefined);
  store.postMessage(1, 'stop', null, { cause: 'x' }, 0);
  assert.deepEqual(store.takeMessages(1), [{ kind: 'stop', token: null, body: { cause: 'x' } }]);
  assert.deepEqual(store.takeMessages(1), []);
  store.close();
});

test('opening waits for a lock another process holds on the store instead of failing at once', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-store-lock-'));
  try {
    const file = path.join(dir, 'store.db');
    new WorkflowStore(file).close();
    // Another process takes the store's lock (as one closing the last connection briefly does) and holds it until
    // this test tells it to let go: then it lets go shortly after, while the store below is waiting to open.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const { DatabaseSync } = require('node:sqlite');
         const db = new DatabaseSync(${JSON.stringify(file)});
         db.exec('PRAGMA locking_mode=EXCLUSIVE'); db.exec('BEGIN EXCLUSIVE'); db.exec('COMMIT');
         console.log('locked');
         process.stdin.once('data', () => setTimeout(() => db.close(), 200));`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      holder.stdout.once('data', () => resolve());
      holder.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
    });
    // Without waiting, the store cannot be opened now (the lock is held until this test lets it go)...
    const probe = new DatabaseSync(file);
    assert.throws(() => probe.exec('PRAGMA journal_mode=WAL'), /locked/);
    probe.close();
    // ...and the store waits for the lock to be released instead of failing (within its busy timeout, 10 s).
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    await new Promise<void>((resolve) => holder.stdin.end('release\n', resolve));
    new WorkflowStore(file).close();
    await exited;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
