// The daemon survives being killed: `stepvault serve` runs as a process whose clock is a file this test writes
// (--dev-clock), backing up a Confluence site (the simulator, in this process). The simulator holds every
// request on its own manual clock, so the test knows the backup is in flight when it sends SIGKILL. The clock
// then passes the next scheduled time while nothing runs. On restart the interrupted execution resumes and
// completes (one snapshot for it, not two), and the missed scheduled time is caught up exactly once — also
// across a further restart. Then SIGTERM during a run: the daemon waits out --grace, stops the task, exits 0,
// and the next start completes that run. Last, a run still going at the end of its completion window is
// stopped; a run that came due meanwhile waited, and is recorded as missed once its start window closed.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { ManualClock } from '../src/common/clock.ts';
import { Repository } from '../src/repository/repository.ts';
import { listSnapshots } from '../src/repository/snapshot/snapshot-store.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { simSourceYaml } from './support/confluence-sim-source.ts';
import {
  apiTokens,
  auditRecords,
  call,
  eventually,
  type ServeProcess,
  spawnServe,
} from './support/daemon-harness.ts';
import { FAST_KDF } from './support/small-repository.ts';

const PASSWORD = 'daemon crash test password';
const at = (hhmm: string) => `2026-03-10T${hhmm}:00.000Z`;

/** The simulator's clock: counts the requests it holds (each sleeps on it while latency is set). */
class HoldingClock extends ManualClock {
  held = 0;
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.held++;
    return super.sleep(ms, signal).finally(() => {
      this.held--;
    });
  }
}

interface Execution {
  name: string;
  status: string;
}

describe('stepvault serve after SIGKILL and SIGTERM', () => {
  let dir: string;
  let sim: ConfluenceSim;
  const simClock = new HoldingClock(Date.parse('2026-03-09T00:00:00Z'));
  const { tokens, yaml: tokenYaml } = apiTokens('crash');
  const processes: ServeProcess[] = [];

  const setClock = (iso: string) => fs.writeFileSync(path.join(dir, 'clock'), iso);
  const start = async (grace = '30s') => {
    const serve = spawnServe(dir, ['--config', 'stepvault.yaml', '--dev-clock', 'clock', '--grace', grace], {
      SV_CRASH_TOKEN: sim.credentials.apiToken,
    });
    processes.push(serve);
    return { serve, url: await serve.url };
  };
  const executions = async (url: string) =>
    (
      (await call(url, 'GET', '/api/v1/executions?workflow=backup', { token: tokens.viewer })).json as {
        executions: Execution[];
      }
    ).executions.sort((a, b) => (a.name < b.name ? -1 : 1));
  const hold = () => sim.setLatency(3_600_000);
  const release = () => {
    sim.setLatency(0);
    simClock.advance(10 * 3_600_000);
  };
  const snapshots = async () =>
    (await listSnapshots(await Repository.open(new LocalBackend(path.join(dir, 'repo')), PASSWORD)))
      .snapshots;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-daemon-crash-'));
    sim = await startConfluenceSim({ clock: simClock });
    sim.generate({ seed: 9, spaces: 1, pages: 12, attachments: 2, blogPosts: 1, treeItems: 0 });
    fs.writeFileSync(path.join(dir, 'password'), PASSWORD);
    await Repository.init(new LocalBackend(path.join(dir, 'repo')), PASSWORD, { kdf: FAST_KDF });
    fs.writeFileSync(
      path.join(dir, 'stepvault.yaml'),
      `version: 1
repositories:
  repo: { location: ./repo, password: { file: ./password } }
sources:
  site:
${simSourceYaml(sim, '{ env: SV_CRASH_TOKEN }')}
plans:
  wiki:
    source: site
    repository: repo
    rules:
      - name: hourly
        schedule: "*/15 * * * *"
        startWindow: 10min
        completionWindow: 30min
server:
  listen: 127.0.0.1:0
  stateDir: ./state
  tokens:
${tokenYaml}
`,
    );
  });

  after(async () => {
    for (const p of processes)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await sim?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resumes the killed run and catches the missed schedule up exactly once', async () => {
    setClock(at('00:50'));
    const first = await start();
    assert.deepEqual(await executions(first.url), []);
    hold();
    setClock(at('01:00'));
    await eventually('the 01:00 backup to be in flight', () => (simClock.held > 0 ? true : undefined));
    const running = await executions(first.url);
    assert.deepEqual(running, [{ ...running[0], name: 'wiki.hourly.20260310T010000Z', status: 'RUNNING' }]);
    first.serve.child.kill('SIGKILL');
    assert.equal((await first.serve.exit).signal, 'SIGKILL');

    // 01:15 passes while no daemon runs; at 01:20 it is inside its 10 min start window. (The interrupted task's
    // heartbeat deadline, 1 h after it started, has not passed: past it, the task would time out on resume.)
    setClock(at('01:20'));
    release();
    const second = await start();
    const done = await eventually('both runs to end', async () => {
      const list = await executions(second.url);
      return list.length === 2 && list.every((e) => e.status !== 'RUNNING') ? list : undefined;
    });
    assert.deepEqual(
      done.map((e) => [e.name, e.status]),
      [
        ['wiki.hourly.20260310T010000Z', 'SUCCEEDED'],
        ['wiki.hourly.20260310T011500Z', 'SUCCEEDED'],
      ],
    );
    const resumed = second.serve.events.find((e) => e.event === 'daemon.resumed');
    assert.match(String(resumed?.fields.executions), /wiki\.hourly\.20260310T010000Z/);
    const made = await snapshots();
    assert.equal(made.length, 2, 'one snapshot per run: the resumed backup did not make a second one');
    assert.equal(new Set(made.map((s) => s.tags.find((t) => t.startsWith('run:')))).size, 2);

    second.serve.child.kill('SIGTERM');
    assert.equal((await second.serve.exit).code, 0);
    const third = await start();
    assert.deepEqual(
      (await executions(third.url)).map((e) => e.name),
      done.map((e) => e.name),
      'a further restart at the same time starts nothing',
    );
    assert.equal(third.serve.events.filter((e) => e.event === 'run.started').length, 0);
    const rival = spawnServe(dir, ['--config', 'stepvault.yaml', '--dev-clock', 'clock'], {});
    processes.push(rival);
    const refused = await rival.exit;
    assert.equal(refused.code, 11, 'a second daemon on the same state directory is refused (locked)');
    assert.match(
      rival.stdout() + rival.stderr(),
      /another stepvault serve \(pid \d+\) uses the state directory/,
    );
    third.serve.child.kill('SIGTERM');
    assert.equal((await third.serve.exit).code, 0);

    const audit = await auditRecords(dir);
    assert.deepEqual(
      audit
        .filter((r) => r.actor === 'scheduler' && r.action === 'backup.run')
        .map((r) => r.details.execution),
      ['wiki.hourly.20260310T010000Z', 'wiki.hourly.20260310T011500Z'],
    );
  });

  it('on SIGTERM stops taking work, waits out the grace period, exits 0; the run completes at the next start', async () => {
    const daemon = await start('1s');
    hold();
    setClock(at('01:30'));
    await eventually('the 01:30 backup to be in flight', () => (simClock.held > 0 ? true : undefined));
    daemon.serve.child.kill('SIGTERM');
    const exit = await daemon.serve.exit;
    assert.equal(exit.code, 0, daemon.serve.stderr());
    const names = daemon.serve.events.map((e) => e.event);
    assert.ok(names.includes('daemon.grace-expired'), `${names.join(' ')}\n${daemon.serve.stdout()}`);
    assert.equal(names.at(-1), 'daemon.stopped');

    release();
    const next = await start();
    const list = await eventually('the 01:30 run to complete after the restart', async () => {
      const all = await executions(next.url);
      const run = all.find((e) => e.name === 'wiki.hourly.20260310T013000Z');
      return run?.status === 'SUCCEEDED' ? all : undefined;
    });
    assert.equal(list.length, 3);
    assert.equal((await snapshots()).length, 3);
    next.serve.child.kill('SIGTERM');
    assert.equal((await next.serve.exit).code, 0);
  });

  it('stops a run at the end of its completion window; a run due meanwhile waits, and misses its window', async () => {
    const daemon = await start();
    hold();
    setClock(at('01:45'));
    await eventually('the 01:45 backup to be in flight', () => (simClock.held > 0 ? true : undefined));
    setClock(at('02:05')); // 02:00 comes due while 01:45 runs: it waits
    const waiting = await eventually('the 02:00 run to wait', async () => {
      const plans = (await call(daemon.url, 'GET', '/api/v1/plans', { token: tokens.viewer })).json as {
        plans: { rules: { waiting: { due: string; because: string } | null }[] }[];
      };
      return plans.plans[0]!.rules[0]!.waiting ?? undefined;
    });
    assert.deepEqual(waiting, { ...waiting, due: at('02:00'), because: 'rule-running' });
    setClock(at('02:16')); // 31 min after 01:45 started: past its completion window; 02:00 missed its window
    const stopped = await eventually('the 01:45 run to be stopped', async () => {
      const d = (
        await call(daemon.url, 'GET', '/api/v1/executions/wiki.hourly.20260310T014500Z', {
          token: tokens.viewer,
        })
      ).json as { status: string; error?: string };
      return d.status === 'RUNNING' ? undefined : d;
    });
    assert.equal(stopped.status, 'ABORTED');
    assert.equal(stopped.error, 'Stepvault.CompletionWindowExceeded');
    release();
    const all = await eventually('the 02:15 run to complete', async () => {
      const list = await executions(daemon.url);
      return list.find((e) => e.name === 'wiki.hourly.20260310T021500Z')?.status === 'SUCCEEDED'
        ? list
        : undefined;
    });
    assert.equal(
      all.find((e) => e.name === 'wiki.hourly.20260310T020000Z'),
      undefined,
      '02:00 never ran',
    );
    const metrics = (await call(daemon.url, 'GET', '/metrics', { token: tokens.viewer })).text;
    assert.match(
      metrics,
      /stepvault_scheduled_runs_not_run_total\{plan="wiki",rule="hourly",outcome="stopped"\} 1/,
    );
    assert.match(
      metrics,
      /stepvault_scheduled_runs_not_run_total\{plan="wiki",rule="hourly",outcome="missed"\} 1/,
      '02:00 could not start inside its 10 min window while 01:45 ran',
    );
    daemon.serve.child.kill('SIGTERM');
    assert.equal((await daemon.serve.exit).code, 0);
  });
});
