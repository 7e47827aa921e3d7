// Confluence benchmark (`npm run bench -- confluence`, issue 4): against the simulator with 30 ms of latency per
// request and a burst limit of 100 requests/s, a full stepvault backup of 10,000 pages / 3,000 attachments, an
// incremental one after 1% of the pages changed (without the metadata sweep), the sweep on its own, and a naive
// exporter that fetches every page and attachment every time, in the same run. Each step runs in its own process
// (bench/confluence-step.ts), the simulator in another (bench/confluence-sim-process.ts), and the simulator's
// counters say what each step asked for. STEPVAULT_BENCH_CONFLUENCE_SCALE (default 1) shrinks the site for a
// trial run; the section records the scale.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Repository } from '../src/repository/repository.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { FAST_KDF } from '../test/support/small-repository.ts';
import { cpuBetween, readCpu } from './confluence-cpu.ts';
import { expectedIncremental } from './confluence-expected.ts';
import { countRequests } from './confluence-measure.ts';
import { type ConfluenceRun, type MeasuredStep, renderConfluenceReport } from './confluence-report.ts';
import { SimProcess } from './confluence-sim-process.ts';
import type { SiteAccess } from './confluence-site.ts';
import { runStepProcess, type StepRequest } from './confluence-step.ts';
import { BENCH_PASSWORD, STEPVAULT_BACKUP_OPTIONS } from './confluence-stepvault.ts';
import { machineInfo } from './repository-setup.ts';

/** The steps this suite measures: backups and the naive exporter. */
type BackupStepRequest = Exclude<StepRequest, { tool: 'export' }>;

const ROOT = path.resolve(import.meta.dirname, '..');
const WORK = path.join(ROOT, '.bench', 'confluence');
const LATENCY_MS = 30;
/** One second's worth of requests may arrive at once, as the simulator's default for a 100/s limit. */
const RATE_LIMIT = { requestsPerSecond: 100, burst: 100 };

function scale(): number {
  const raw = process.env.STEPVAULT_BENCH_CONFLUENCE_SCALE;
  const value = raw === undefined ? 1 : Number(raw);
  if (!(value > 0 && value <= 1))
    throw new Error(`STEPVAULT_BENCH_CONFLUENCE_SCALE must be in (0, 1], got ${raw}`);
  return value;
}

function directorySize(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

function gitCommit(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

export async function runConfluenceBench(): Promise<string> {
  const startedAt = new Date();
  const t0 = performance.now();
  const load0 = os.loadavg()[0]!;
  const s = scale();
  const dataset = {
    seed: 1,
    spaces: 5,
    pages: Math.round(10_000 * s),
    attachments: Math.round(3_000 * s),
  };
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  const repoPath = path.join(WORK, 'repo');
  await Repository.init(new LocalBackend(repoPath), BENCH_PASSWORD, { kdf: FAST_KDF });

  console.error(`confluence bench: generating ${dataset.pages} pages / ${dataset.attachments} attachments`);
  const sim = await SimProcess.start({ latencyMs: LATENCY_MS, rateLimit: RATE_LIMIT, dataset });
  const steps: MeasuredStep[] = [];
  const problems: string[] = [];
  let editedPages = 0;
  try {
    const info = sim.info;
    const site: SiteAccess = {
      siteUrl: info.siteUrl,
      mediaHost: new URL(info.mediaOrigin).host,
      email: info.email,
      apiToken: info.apiToken,
      rateLimit: RATE_LIMIT,
    };
    const measure = async (id: MeasuredStep['id'], request: BackupStepRequest) => {
      // A full bucket at the start of every step, as `minimumSeconds` assumes.
      await sleep((RATE_LIMIT.burst / RATE_LIMIT.requestsPerSecond) * 1000 + 500);
      await sim.resetStats();
      console.error(`confluence bench: ${request.tool} ${id} ...`);
      const before = readCpu(sim.pid);
      const outcome = await runStepProcess(request);
      const cpu = cpuBetween(before, readCpu(sim.pid), outcome.cpuSeconds);
      const counts = countRequests(await sim.stats(), RATE_LIMIT);
      const step: MeasuredStep = { id, tool: request.tool, outcome, counts, cpu };
      if (request.tool === 'stepvault') step.repositoryBytes = directorySize(repoPath);
      if (outcome.detail.partial)
        problems.push(`stepvault ${id}: the snapshot is partial: ${JSON.stringify(outcome.detail.missing)}`);
      console.error(
        `confluence bench: ${request.tool} ${id}: ${outcome.seconds.toFixed(1)} s, ${counts.requests} requests, ` +
          `${counts.rateLimited} 429s, the limit allows ${counts.allowedSeconds.toFixed(1)} s`,
      );
      steps.push(step);
    };
    const stepvault = (mode: 'full' | 'incremental' | 'sweep'): BackupStepRequest => ({
      tool: 'stepvault',
      site,
      backup: { repoPath, mode },
    });
    await measure('full', stepvault('full'));
    await measure('full', { tool: 'naive', site });
    editedPages = (await sim.editPages(0.01, 2)).length;
    await measure('incremental', stepvault('incremental'));
    await measure('incremental', { tool: 'naive', site });
    await measure('sweep', stepvault('sweep'));
  } finally {
    await sim.close();
  }
  const run: ConfluenceRun = {
    startedAt,
    totalSeconds: (performance.now() - t0) / 1000,
    scale: s,
    latencyMs: LATENCY_MS,
    rateLimit: RATE_LIMIT,
    dataset,
    summary: sim.info.summary,
    generateSeconds: sim.info.generateSeconds,
    editedPages,
    steps,
    expected: expectedIncremental(sim.info.census, { editedPages, backup: STEPVAULT_BACKUP_OPTIONS }),
    machine: machineInfo(WORK),
    commit: gitCommit(),
    load: [load0, os.loadavg()[0]!],
    problems,
  };
  // The raw numbers beside the scratch data, for a closer look than the section gives.
  fs.writeFileSync(path.join(WORK, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  return renderConfluenceReport(run);
}
