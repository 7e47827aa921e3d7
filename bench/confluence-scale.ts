// Confluence at scale (`npm run bench -- confluence-scale`, issue 13): how stepvault's memory and CPU grow with
// the site. For each size (10,000, 30,000 and 100,000 pages by default; STEPVAULT_BENCH_CONFLUENCE_SIZES takes a
// comma-separated list), against the simulator without latency or rate limit (5 spaces, 0.3 attachments per
// page): a full backup, an incremental one after 1% of the pages changed (no sweep), the metadata sweep forced,
// and `export html` of the last snapshot — each step in a process of its own, prepared as `bin/stepvault.js`
// prepares itself, so its peak RSS is what a user sees. The section gives every step's time, peak RSS and CPU,
// the growth per 1,000 pages between the smallest and the largest site, and the line drawn to 1,000,000 pages.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Repository } from '../src/repository/repository.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { FAST_KDF } from '../test/support/small-repository.ts';
import { SimProcess } from './confluence-sim-process.ts';
import type { SiteAccess } from './confluence-site.ts';
import { runStepProcess, type StepOutcome, type StepRequest } from './confluence-step.ts';
import { BENCH_PASSWORD } from './confluence-stepvault.ts';
import { table } from './report.ts';
import { machineInfo } from './repository-setup.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORK = path.join(ROOT, '.bench', 'confluence-scale');
/** No limit worth the name: the simulator answers as fast as it can. */
const UNLIMITED = { requestsPerSecond: 1_000_000, burst: 1_000_000 };
const STEPS = ['full', 'incremental', 'sweep', 'export'] as const;
type StepId = (typeof STEPS)[number];
const STEP_NAMES: Record<StepId, string> = {
  full: 'full backup',
  incremental: 'incremental after 1% edits',
  sweep: 'metadata sweep (forced)',
  export: '`export html`',
};
/** Targets of issue 13. */
const FULL_AT_100K_MIB = 512;
const SLOPE_MIB_PER_1K = 1;

interface SizeRun {
  pages: number;
  generated: Record<string, number>;
  steps: Record<StepId, StepOutcome>;
}

function sizes(): number[] {
  const raw = process.env.STEPVAULT_BENCH_CONFLUENCE_SIZES ?? '10000,30000,100000';
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.length < 2 || list.some((n) => !Number.isInteger(n) || n < 100))
    throw new Error(`STEPVAULT_BENCH_CONFLUENCE_SIZES must list at least two page counts ≥ 100, got ${raw}`);
  return list.sort((a, b) => a - b);
}

async function runSize(pages: number): Promise<SizeRun> {
  const dir = path.join(WORK, String(pages));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const repoPath = path.join(dir, 'repo');
  await Repository.init(new LocalBackend(repoPath), BENCH_PASSWORD, { kdf: FAST_KDF });
  const dataset = { seed: 1, spaces: 5, pages, attachments: Math.round(pages * 0.3) };
  console.error(`confluence scale: generating ${pages} pages`);
  const sim = await SimProcess.start({ latencyMs: 0, rateLimit: UNLIMITED, dataset });
  try {
    const site: SiteAccess = {
      siteUrl: sim.info.siteUrl,
      mediaHost: new URL(sim.info.mediaOrigin).host,
      email: sim.info.email,
      apiToken: sim.info.apiToken,
      rateLimit: UNLIMITED,
    };
    const steps = {} as Record<StepId, StepOutcome>;
    const run = async (id: StepId, request: StepRequest) => {
      console.error(`confluence scale: ${pages} pages, ${STEP_NAMES[id]} ...`);
      const outcome = await runStepProcess(request);
      if (outcome.detail.partial)
        throw new Error(`${id} at ${pages} pages was partial: ${JSON.stringify(outcome.detail)}`);
      console.error(`  ${outcome.seconds.toFixed(1)} s, ${outcome.peakRssMiB.toFixed(0)} MiB`);
      steps[id] = outcome;
    };
    const backup = (mode: 'full' | 'incremental' | 'sweep'): StepRequest => ({
      tool: 'stepvault',
      site,
      backup: { repoPath, mode },
    });
    await run('full', backup('full'));
    await sim.editPages(0.01, 2);
    await run('incremental', backup('incremental'));
    await run('sweep', backup('sweep'));
    await run('export', { tool: 'export', repoPath, target: path.join(dir, 'html') });
    return { pages, generated: sim.info.summary, steps };
  } finally {
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (n: number) => `${n.toFixed(0)} MiB`;

function machineText(): string {
  const m = machineInfo(WORK);
  return `${m.cpu}, ${m.cores} cores, ${m.memory} RAM, kernel ${m.kernel} (${m.os})`;
}

export async function runConfluenceScaleBench(): Promise<string> {
  const startedAt = new Date();
  const t0 = performance.now();
  const runs: SizeRun[] = [];
  for (const pages of sizes()) runs.push(await runSize(pages));
  const small = runs[0]!;
  const large = runs.at(-1)!;
  const per1k = (large.pages - small.pages) / 1000;

  const rows = runs.flatMap((r) =>
    STEPS.map((id) => {
      const o = r.steps[id];
      return [
        r.pages.toLocaleString('en-US'),
        STEP_NAMES[id],
        `${o.seconds.toFixed(1)} s`,
        mib(o.peakRssMiB),
        `${o.cpuSeconds.toFixed(1)} s`,
        `${((o.cpuSeconds / r.pages) * 1000).toFixed(2)} s`,
      ];
    }),
  );
  const growth = STEPS.map((id) => {
    const slope = (large.steps[id].peakRssMiB - small.steps[id].peakRssMiB) / per1k;
    const at1M = large.steps[id].peakRssMiB + slope * ((1_000_000 - large.pages) / 1000);
    const cpuRatio = large.steps[id].cpuSeconds / large.pages / (small.steps[id].cpuSeconds / small.pages);
    return { id, slope, at1M, cpuRatio };
  });
  const full100k = runs.find((r) => r.pages === 100_000)?.steps.full.peakRssMiB;
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  const lines = [
    '## Confluence at scale: memory and CPU by site size',
    '',
    `Run of ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC against the simulator without latency or rate limit ` +
      '(5 spaces, 0.3 attachments per page, generator defaults otherwise); each step in its own process, prepared as ' +
      "`bin/stepvault.js` prepares itself (peak RSS is the process's maximum resident set size).",
    '',
    table(['pages', 'step', 'time', 'peak RSS', 'CPU', 'CPU per 1,000 pages'], rows),
    '',
    `Growth between ${small.pages.toLocaleString('en-US')} and ${large.pages.toLocaleString('en-US')} pages, and the straight line drawn to 1,000,000 pages:`,
    '',
    table(
      [
        'step',
        'peak RSS per 1,000 pages',
        'at 1,000,000 pages (extrapolated)',
        'CPU per page, largest ÷ smallest site',
      ],
      growth.map((g) => [
        STEP_NAMES[g.id],
        `${g.slope.toFixed(2)} MiB`,
        mib(g.at1M),
        `${g.cpuRatio.toFixed(2)}x`,
      ]),
    ),
    '',
    '### Targets (issue 13)',
    '',
    full100k === undefined
      ? `- full backup of 100,000 pages under ${FULL_AT_100K_MIB} MiB: not measured (sizes ${runs.map((r) => r.pages).join(', ')})`
      : `- full backup of 100,000 pages under ${FULL_AT_100K_MIB} MiB: ${mark(full100k < FULL_AT_100K_MIB)} ${mib(full100k)}`,
    ...growth.map(
      (g) =>
        `- ${STEP_NAMES[g.id]} grows less than ${SLOPE_MIB_PER_1K} MiB per 1,000 pages: ${mark(g.slope < SLOPE_MIB_PER_1K)} ${g.slope.toFixed(2)} MiB`,
    ),
    "- CPU linear in pages (CPU per page on the largest site within 1.3x of the smallest's): " +
      growth
        .map((g) => `${STEP_NAMES[g.id]} ${mark(g.cpuRatio <= 1.3)} ${g.cpuRatio.toFixed(2)}x`)
        .join(', '),
    '',
    '### Setup',
    '',
    `- Sites: ${runs
      .map(
        (r) =>
          `${r.pages.toLocaleString('en-US')} pages (${Object.entries(r.generated)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ')})`,
      )
      .join('; ')}`,
    `- Machine: ${machineText()}`,
    `- Whole run ${((performance.now() - t0) / 60_000).toFixed(1)} min`,
  ];
  return lines.join('\n');
}
