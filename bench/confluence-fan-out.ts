// Confluence fan-out (`npm run bench -- confluence-fan-out`, issue 14): a simulated site of 30,000 pages
// (STEPVAULT_BENCH_FANOUT_PAGES) in 20 spaces backed up into repositories on a Ceph RADOS Gateway on loopback, by
// the backup workflow on the local engine with its tasks run by `stepvault worker` processes through the Step
// Functions activity protocol (the loopback double of test/support): once by one worker with the plan's fan-out
// off (one process backs up the whole site), once fanned out over four workers (a distributed Map over eight parts
// of about equal weight). Each configuration runs twice: against the simulator without a rate limit (the machine is the
// bound) and with one (STEPVAULT_BENCH_FANOUT_RATE requests per second, 300 by default; the site is the bound).
// For each: wall time of the run, per worker its peak RSS (VmHWM), CPU time and the parts it ran, the requests the
// site answered. Afterwards the fanned-out snapshot is compared with one backup of the whole site made in the same
// repository at the same time, which must have the same tree.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ManualClock } from '../src/common/clock.ts';
import { Secret } from '../src/common/secret.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { backupConfluence } from '../src/operations/confluence/backup/backup-confluence.ts';
import { planSettings } from '../src/plans/config-environment.ts';
import { START_EXECUTION, startExecutionTask } from '../src/plans/nested-execution-task.ts';
import { builtinNestedHost, runPlan } from '../src/plans/run-plan.ts';
import { activityArn, PLAN_TASKS, type PlanTask } from '../src/plans/task-bindings.ts';
import { Repository } from '../src/repository/repository.ts';
import { listSnapshots } from '../src/repository/snapshot/snapshot-store.ts';
import { ConfluenceClient } from '../src/sources/confluence/client/client.ts';
import { openLocation } from '../src/storage/location-registry.ts';
import { WorkflowEngine } from '../src/workflows/engine/engine.ts';
import { type Rgw, startRgw } from '../test/support/rgw.ts';
import {
  activityRegistry,
  type SfnActivitiesDouble,
  startSfnActivities,
} from '../test/support/sfn-activities.ts';
import { FAST_KDF } from '../test/support/small-repository.ts';
import { startWorkerProcess, until, type WorkerProcess } from '../test/support/worker-process.ts';
import { SimProcess } from './confluence-sim-process.ts';
import { clientOptions } from './confluence-site.ts';
import { BENCH_PASSWORD } from './confluence-stepvault.ts';
import { table } from './report.ts';
import { machineInfo } from './repository-setup.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORK = path.join(ROOT, '.bench', 'confluence-fan-out');
const AWS = { region: 'eu-west-1', accountId: '123456789012' };
const SPACES = 20;
const WORKERS = 4;
const UNLIMITED = { requestsPerSecond: 1_000_000, burst: 1_000_000 };
const TASKS = Object.values(PLAN_TASKS).filter((t): t is Exclude<PlanTask, 'restore'> => t !== 'restore');

interface WorkerFigures {
  name: string;
  peakRssMiB: number;
  cpuSeconds: number;
  parts: number;
  tasks: number;
}

interface RunFigures {
  label: string;
  workers: WorkerFigures[];
  seconds: number;
  requests: number;
  rateLimited: number;
  snapshotId: string;
  repository: string;
}

function pagesOption(): number {
  const pages = Number(process.env.STEPVAULT_BENCH_FANOUT_PAGES ?? 30_000);
  if (!Number.isInteger(pages) || pages < 1000)
    throw new Error(`STEPVAULT_BENCH_FANOUT_PAGES must be an integer ≥ 1000, got ${pages}`);
  return pages;
}

function rateOption(): number {
  const rate = Number(process.env.STEPVAULT_BENCH_FANOUT_RATE ?? 300);
  if (!Number.isInteger(rate) || rate < 10)
    throw new Error(`STEPVAULT_BENCH_FANOUT_RATE must be an integer ≥ 10, got ${rate}`);
  return rate;
}

/** Peak resident memory (VmHWM) and CPU seconds of a live process, from /proc. */
function processFigures(pid: number): { peakRssMiB: number; cpuSeconds: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { peakRssMiB: hwm / 1024, cpuSeconds: ticks / 100 };
}

class Bench {
  readonly rgw: Rgw;
  readonly sfn: SfnActivitiesDouble;
  readonly engine: WorkflowEngine;
  readonly dir: string;
  readonly siteUrl: string;

  constructor(rgw: Rgw, sfn: SfnActivitiesDouble, engine: WorkflowEngine, dir: string, siteUrl: string) {
    this.rgw = rgw;
    this.sfn = sfn;
    this.engine = engine;
    this.dir = dir;
    this.siteUrl = siteUrl;
  }

  location(repository: string): string {
    return `s3:${this.rgw.endpoint}/${repository}/repo`;
  }

  async createRepository(repository: string): Promise<void> {
    const client = new S3Client({
      endpoint: this.rgw.endpoint,
      region: this.rgw.region,
      credentials: this.rgw.owner,
      forcePathStyle: true,
    });
    await client.send(new CreateBucketCommand({ Bucket: repository }));
    client.destroy();
    await Repository.init(await this.backend(repository), BENCH_PASSWORD, { kdf: FAST_KDF });
  }

  backend(repository: string) {
    return openLocation(this.location(repository), {
      accessKeyId: new Secret(this.rgw.owner.accessKeyId),
      secretAccessKey: new Secret(this.rgw.owner.secretAccessKey),
    });
  }

  workerEnv(): NodeJS.ProcessEnv {
    return {
      AWS_ACCESS_KEY_ID: this.rgw.owner.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.rgw.owner.secretAccessKey,
    };
  }

  /** Runs the plan's backup with `count` workers polling every task's activity; returns its figures. */
  async run(label: string, planName: string, repository: string, count: number): Promise<RunFigures> {
    const workers: { name: string; process: WorkerProcess }[] = [];
    for (let i = 0; i < count; i++) {
      const name = `${planName}-${i + 1}`;
      const args = ['--name', name, '--buckets', path.join(this.dir, 'buckets')];
      for (const task of TASKS) args.push('--activity', activityArn(AWS, task));
      workers.push({
        name,
        process: startWorkerProcess(this.dir, this.sfn.endpoint, AWS.region, args, this.workerEnv()),
      });
    }
    await until(
      () => this.sfn.waitingPolls(activityArn(AWS, 'preflight')) === count,
      'every worker to poll',
      120_000,
    );
    const plan = planSettings(loadConfig(path.join(this.dir, 'stepvault.yaml')), planName);
    const before = await simStats(this.siteUrl);
    const started = performance.now();
    const result = await runPlan(this.engine, { plan });
    const seconds = (performance.now() - started) / 1000;
    const after = await simStats(this.siteUrl);
    const logs = workers.map((w) => w.process.output()).join('\n');
    if (result.status !== 'SUCCEEDED') throw new Error(`${label}: ${result.error}: ${result.cause}\n${logs}`);
    const output = result.output as { snapshotId: string; partial: boolean; missing: number };
    if (output.partial) throw new Error(`${label}: the backup was partial (${output.missing} missing)`);
    const figures: WorkerFigures[] = [];
    for (const w of workers) {
      const measured = processFigures(w.process.child.pid!);
      const succeeded = w.process
        .output()
        .split('\n')
        .filter((l) => l.includes('"task_succeeded"'));
      figures.push({
        name: w.name,
        ...measured,
        parts: succeeded.filter((l) => l.includes('"task":"backup-part"') || l.includes('"task":"backup"'))
          .length,
        tasks: succeeded.length,
      });
      w.process.child.kill('SIGTERM');
      await w.process.exit;
    }
    return {
      label,
      workers: figures,
      seconds,
      requests: after.requests - before.requests,
      rateLimited: after.rateLimited - before.rateLimited,
      snapshotId: output.snapshotId,
      repository,
    };
  }
}

async function simStats(siteUrl: string): Promise<{ requests: number; rateLimited: number }> {
  const response = await fetch(`${siteUrl}/__sim/stats`);
  const stats = (await response.json()) as { requests: number; rateLimited: number };
  return { requests: stats.requests, rateLimited: stats.rateLimited };
}

function configYaml(bench: Bench, sim: SimProcess, repositories: string[]): string {
  const source = (fanOut: boolean) =>
    [
      '    type: confluence',
      `    site: ${sim.info.siteUrl}`,
      `    auth: { email: ${sim.info.email}, token: { file: ./confluence-token } }`,
      `    mediaHosts: ['${new URL(sim.info.mediaOrigin).host}']`,
      ...(fanOut ? [`    fanOut: { workers: ${WORKERS} }`] : []),
    ].join('\n');
  const repos = repositories
    .map((r) => `  ${r}: { location: '${bench.location(r)}', password: { file: ./password } }`)
    .join('\n');
  const plans = repositories
    .map(
      (r) => `  ${r}:
    source: ${r.includes('fan') ? 'fanned' : 'whole'}
    repository: ${r}
    rules:
      - name: nightly
        schedule: cron(0 2 * * ? *)`,
    )
    .join('\n');
  return `version: 1
repositories:
${repos}
sources:
  whole:
${source(false)}
  fanned:
${source(true)}
plans:
${plans}
server:
  stateDir: ./state
`;
}

async function compareWithOneBackup(bench: Bench, sim: SimProcess, run: RunFigures): Promise<string> {
  const repo = await Repository.open(await bench.backend(run.repository), BENCH_PASSWORD);
  const fanned = (await listSnapshots(repo)).snapshots.find((s) => s.id === run.snapshotId)!;
  const site = {
    siteUrl: sim.info.siteUrl,
    mediaHost: new URL(sim.info.mediaOrigin).host,
    email: sim.info.email,
    apiToken: sim.info.apiToken,
    rateLimit: UNLIMITED,
  };
  const one = await backupConfluence(
    { site: sim.info.siteUrl, force: true },
    { repo, api: new ConfluenceClient(clientOptions(site)), clock: new ManualClock(new Date(fanned.time)) },
  );
  const single = (await listSnapshots(repo)).snapshots.find((s) => s.id === one.snapshotId)!;
  if (single.tree !== fanned.tree)
    throw new Error(`the fanned-out snapshot's tree ${fanned.tree} is not one backup's ${single.tree}`);
  return fanned.tree;
}

export async function runConfluenceFanOutBench(): Promise<string> {
  const pages = pagesOption();
  const rate = rateOption();
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  const machine = machineInfo(WORK);
  const runs: RunFigures[] = [];
  const equal: string[] = [];
  let generated: Record<string, number> = {};
  const rgw = await startRgw({ dir: path.join(WORK, 'rgw'), memstoreBytes: 4 * 2 ** 30 });
  const sfn = await startSfnActivities({ pollMs: 1000 });
  try {
    for (const limited of [false, true]) {
      const rateLimit = limited ? { requestsPerSecond: rate, burst: rate } : UNLIMITED;
      const dir = path.join(WORK, limited ? 'limited' : 'unlimited');
      fs.mkdirSync(dir, { recursive: true });
      console.error(`confluence fan-out: generating ${pages} pages in ${SPACES} spaces`);
      const sim = await SimProcess.start({
        latencyMs: 0,
        rateLimit,
        dataset: { seed: 1, spaces: SPACES, pages, attachments: Math.round(pages * 0.1) },
      });
      generated = sim.info.summary;
      const engine = new WorkflowEngine({
        store: path.join(dir, 'workflows.db'),
        registry: activityRegistry(sfn, AWS, TASKS),
        bucketsDir: path.join(dir, 'buckets'),
      });
      engine.registry.register(START_EXECUTION, startExecutionTask(builtinNestedHost(() => engine)));
      const bench = new Bench(rgw, sfn, engine, dir, sim.info.siteUrl);
      try {
        const tag = limited ? 'limited' : 'free';
        const one = `one-${tag}`;
        const fan = `fan-${tag}`;
        for (const r of [one, fan]) await bench.createRepository(r);
        fs.writeFileSync(path.join(dir, 'password'), BENCH_PASSWORD);
        fs.writeFileSync(path.join(dir, 'confluence-token'), sim.info.apiToken);
        fs.writeFileSync(path.join(dir, 'stepvault.yaml'), configYaml(bench, sim, [one, fan]));
        const what = limited ? `rate limit ${rate}/s` : 'no rate limit';
        console.error(`confluence fan-out: ${what}, one worker, the whole site in one task ...`);
        runs.push(await bench.run(`${what}: one process`, one, one, 1));
        console.error(`  ${runs.at(-1)!.seconds.toFixed(1)} s`);
        console.error(`confluence fan-out: ${what}, ${WORKERS} workers, ${WORKERS * 2} parts ...`);
        runs.push(await bench.run(`${what}: ${WORKERS} workers`, fan, fan, WORKERS));
        console.error(`  ${runs.at(-1)!.seconds.toFixed(1)} s`);
        if (!limited) {
          console.error('confluence fan-out: one backup of the whole site at the same time, to compare ...');
          equal.push(await compareWithOneBackup(bench, sim, runs.at(-1)!));
        }
      } finally {
        await engine.close();
        await sim.close();
      }
    }
  } finally {
    await sfn.close();
    await rgw.stop();
    fs.rmSync(WORK, { recursive: true, force: true });
  }
  return report(pages, rate, generated, machine, runs, equal);
}

function report(
  pages: number,
  rate: number,
  generated: Record<string, number>,
  machine: ReturnType<typeof machineInfo>,
  runs: RunFigures[],
  equal: string[],
): string {
  const rows = runs.flatMap((r) => {
    const peak = Math.max(...r.workers.map((w) => w.peakRssMiB));
    const cpu = r.workers.reduce((n, w) => n + w.cpuSeconds, 0);
    return [
      [
        r.label,
        `${r.seconds.toFixed(1)} s`,
        `${r.requests.toLocaleString('en-US')} (${(r.requests / r.seconds).toFixed(0)}/s)`,
        `${peak.toFixed(0)} MiB`,
        `${cpu.toFixed(1)} s`,
        r.workers
          .map((w) => `${w.parts} parts, ${w.peakRssMiB.toFixed(0)} MiB, ${w.cpuSeconds.toFixed(1)} s`)
          .join('; '),
      ],
    ];
  });
  const ratio = (a: RunFigures | undefined, b: RunFigures | undefined) =>
    a && b ? `${(a.seconds / b.seconds).toFixed(2)}x` : '—';
  const peakRatio = (a: RunFigures | undefined, b: RunFigures | undefined) =>
    a && b
      ? `${(Math.max(...b.workers.map((w) => w.peakRssMiB)) / Math.max(...a.workers.map((w) => w.peakRssMiB))).toFixed(2)}`
      : '—';
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  return [
    '## Confluence fan-out: one site, many workers',
    '',
    `Run of ${date} UTC: a simulated site of ${pages.toLocaleString('en-US')} pages in ${SPACES} spaces (generator: ${JSON.stringify(generated)}), backed up into repositories on a Ceph RADOS Gateway on loopback by the backup workflow on the local engine, its tasks run by \`stepvault worker\` processes through the Step Functions activity protocol; once by one worker with the fan-out off, once by ${WORKERS} workers with \`fanOut: { workers: ${WORKERS} }\` (a distributed Map over ${WORKERS * 2} parts of about equal weight: spaces weighed by their pages, the heaviest cut into slices by page id). Without a rate limit, and with the simulator limiting requests to ${rate}/s (a bucket of ${rate}).`,
    '',
    table(
      [
        'run',
        'wall time',
        'site requests',
        'peak RSS of a worker',
        'CPU of the workers',
        'per worker: parts, peak RSS, CPU',
      ],
      rows,
    ),
    '',
    `- Speed-up of ${WORKERS} workers over one: ${ratio(runs[0], runs[1])} without a rate limit, ${ratio(runs[2], runs[3])} with one. Peak RSS of the largest worker over the single process: ${peakRatio(runs[0], runs[1])} and ${peakRatio(runs[2], runs[3])}.`,
    `- Share of the site's ${rate} requests/s used under the rate limit: ${runs
      .slice(2)
      .map((r) => `${r.label.split(': ')[1]} ${((100 * r.requests) / r.seconds / rate).toFixed(0)}%`)
      .join(', ')} (${runs
      .slice(2)
      .map((r) => `${r.rateLimited} answers of 429`)
      .join(', ')}).`,
    `- The fanned-out snapshot has the tree one backup of the whole site makes at the same time (compared in the same repository: ${equal.map((t) => t.slice(0, 12)).join(', ') || 'not compared'}).`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory}; the simulator, the gateway and every worker share those cores.`,
  ].join('\n');
}
