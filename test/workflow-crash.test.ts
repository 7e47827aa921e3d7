// Crash tests of the durable workflow engine: a runner process executing two executions of a state machine with
// Task, Wait, Map (100 items) and Parallel states is killed with SIGKILL at random points of its progress, many
// times, and restarted each time. Every execution must finish with the output of an uninterrupted run, and no task
// whose completion was committed before a kill may run again afterwards. A kill point is a number of task handler
// calls that the process finishes (or none: right after it resumed), never a delay, so how many kills happen and
// where does not depend on how fast the machine is.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { WorkflowStore } from '../src/workflows/store/workflow-store.ts';

const RUNNER = path.resolve(import.meta.dirname, 'fixtures/workflow/crash-runner.ts');
/** Kills go on until at least KILLS happened and some landed in the Map and the Parallel state, or MAX_KILLS. */
const KILLS = 30;
const MAX_KILLS = 80;
const EXECUTIONS = 2;
/**
 * A process is killed once it has finished between 0 and this many handler calls: 5 on average, so the 206 calls
 * of the two executions (a Prepare, 100 Doubles, a Sum and a Count each) take about 40 kills, and 20 kills can
 * finish at most 200 of them: the executions cannot end before the 20th kill.
 */
const MAX_CALLS_PER_RUN = 10;

interface Launched {
  child: ChildProcess;
  exit: Promise<number | null>;
  /** Resolves once the runner has started or resumed its executions. */
  ready: Promise<void>;
  /** Calls `listener` with each `start|end <generation> <key> <state>` line the runner prints from now on. */
  onCall: (listener: (call: { phase: string; state: string }) => void) => void;
  stderr: () => string;
}

function launch(db: string, log: string, gen: number, mode: 'start' | 'resume'): Launched {
  const child = spawn(process.execPath, [RUNNER, db, log, String(gen), mode, String(EXECUTIONS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const listeners: ((call: { phase: string; state: string }) => void)[] = [];
  let pending = '';
  const ready = new Promise<void>((resolve) => {
    child.stdout?.on('data', (d: Buffer) => {
      const lines = (pending + d.toString()).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') resolve();
        const [phase, , , state] = line.split(' ');
        if ((phase === 'start' || phase === 'end') && state) for (const l of listeners) l({ phase, state });
      }
    });
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exit, ready, onCall: (l) => listeners.push(l), stderr: () => stderr };
}

/** The states of CRASH_DEFINITION whose tasks run in the Map and in the Parallel state. */
const MAP_TASKS = new Set(['Double']);
const PARALLEL_TASKS = new Set(['Sum', 'Count']);

interface Snapshot {
  committedKeys: Set<string>;
  where: string[];
  statuses: string[];
  outputs: (string | undefined)[];
}

/** What the store holds: completed task keys (from TaskSucceeded outputs) and where each execution is. */
function inspect(db: string): Snapshot {
  const store = new WorkflowStore(db);
  try {
    const committedKeys = new Set<string>();
    const where: string[] = [];
    const statuses: string[] = [];
    const outputs: (string | undefined)[] = [];
    for (const e of store.listExecutions({ limit: 100 })) {
      const events = store.events(e.seq);
      for (const ev of events) {
        if (ev.type !== 'TaskSucceeded') continue;
        const out = JSON.parse((ev.taskSucceededEventDetails as { output: string }).output) as {
          Payload: { key: string };
        };
        committedKeys.add(out.Payload.key);
      }
      const open = (enter: string, exit: string) =>
        events.some((x) => x.type === enter) && !events.some((x) => x.type === exit);
      where.push(
        e.header.status !== 'RUNNING'
          ? 'ended'
          : open('ParallelStateEntered', 'ParallelStateExited')
            ? 'parallel'
            : open('MapStateEntered', 'MapStateExited')
              ? 'map'
              : open('WaitStateEntered', 'WaitStateExited')
                ? 'wait'
                : 'task',
      );
      statuses.push(e.header.status);
      outputs.push(e.header.output === undefined ? undefined : JSON.stringify(e.header.output));
    }
    return { committedKeys, where, statuses, outputs };
  } finally {
    store.close();
  }
}

/** Log lines `start <generation> <key>`. */
function starts(log: string): { gen: number; key: string }[] {
  if (!fs.existsSync(log)) return [];
  return fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('start '))
    .map((l) => {
      const [, gen, key] = l.split(' ');
      return { gen: Number(gen), key: key! };
    });
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

test('executions killed with SIGKILL at random points resume and finish like an uninterrupted run', {
  timeout: 240_000,
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-wf-crash-'));
  try {
    const reference = launch(path.join(dir, 'ref.db'), path.join(dir, 'ref.log'), 0, 'start');

    const seed = Date.now() % 1_000_000;
    const random = rng(seed);
    const db = path.join(dir, 'crash.db');
    const log = path.join(dir, 'crash.log');
    const committedAfterGen: Set<string>[] = [];
    const kills: { gen: number; where: string[]; calls: number }[] = [];
    let gen = 0;
    for (;;) {
      const run = launch(db, log, gen, 'start');
      const covered = (w: string) => kills.some((k) => k.where.includes(w));
      if (kills.length < MAX_KILLS && (kills.length < KILLS || !covered('map') || !covered('parallel'))) {
        // Killed once it has finished a random number of handler calls, or when it starts a task in the Map or
        // the Parallel state while no kill has landed there yet; with none to finish, as soon as it has resumed
        // its executions (starting up is no progress to test).
        const calls = Math.floor(random() * (MAX_CALLS_PER_RUN + 1));
        const point = new Promise<'kill'>((resolve) => {
          let finished = 0;
          if (calls === 0) void run.ready.then(() => resolve('kill'));
          run.onCall(({ phase, state }) => {
            if (phase === 'end' && ++finished >= calls) resolve('kill');
            if (phase !== 'start') return;
            if (
              (MAP_TASKS.has(state) && !covered('map')) ||
              (PARALLEL_TASKS.has(state) && !covered('parallel'))
            )
              resolve('kill');
          });
        });
        const code = await Promise.race([run.exit, point]);
        if (code === 'kill') {
          run.child.kill('SIGKILL');
          const exited = await run.exit;
          if (exited !== null) {
            // it printed its last call and ended before the signal came
            assert.equal(exited, 0, `runner generation ${gen} failed (seed ${seed}): ${run.stderr()}`);
            break;
          }
          const snap = inspect(db);
          committedAfterGen[gen] = snap.committedKeys;
          kills.push({ gen, where: snap.where, calls });
          gen++;
          continue;
        }
        assert.equal(code, 0, `runner generation ${gen} failed (seed ${seed}): ${run.stderr()}`);
      } else {
        assert.equal(await run.exit, 0, `runner generation ${gen} failed (seed ${seed}): ${run.stderr()}`);
      }
      break;
    }
    assert.equal(await reference.exit, 0, `the uninterrupted run failed: ${reference.stderr()}`);
    const expected = inspect(path.join(dir, 'ref.db'));
    assert.deepEqual(expected.statuses, Array(EXECUTIONS).fill('SUCCEEDED'));
    const final = inspect(db);
    assert.deepEqual(final.statuses, Array(EXECUTIONS).fill('SUCCEEDED'), `seed ${seed}`);
    assert.deepEqual(
      final.outputs,
      expected.outputs,
      `every execution ends with the uninterrupted output (seed ${seed})`,
    );

    const reruns: string[] = [];
    const all = starts(log);
    for (const s of all) {
      for (let g = 0; g < s.gen; g++) {
        if (committedAfterGen[g]?.has(s.key))
          reruns.push(`${s.key} started in generation ${s.gen}, completed before kill ${g}`);
      }
    }
    assert.deepEqual(reruns, [], `a task completed before a kill ran again (seed ${seed})`);

    const places = kills.flatMap((k) => k.where);
    const redelivered = new Set(all.map((s) => s.key)).size < all.length;
    console.log(
      `crash test (seed ${seed}): ${kills.length} kills, at ${['task', 'wait', 'map', 'parallel', 'ended'].map((w) => `${w}=${places.filter((p) => p === w).length}`).join(' ')}; ` +
        `${all.length} handler starts for ${new Set(all.map((s) => s.key)).size} tasks (in-flight tasks re-delivered: ${redelivered})`,
    );
    assert.ok(kills.length >= 20, `only ${kills.length} kills happened before the executions ended`);
    assert.ok(places.includes('map'), `no kill landed during the Map state (seed ${seed})`);
    assert.ok(places.includes('parallel'), `no kill landed during the Parallel state (seed ${seed})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
