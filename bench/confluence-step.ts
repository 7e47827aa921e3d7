// One timed step of the Confluence benchmark, run in a process of its own so that its peak RSS and CPU time are
// its own (the simulator runs in another process): a stepvault backup (full, incremental without the metadata
// sweep, or with the sweep forced), `export html` of the latest snapshot, or a run of the naive exporter. The
// process prepares itself as `bin/stepvault.js` does (bin/runtime.js: the same V8 and malloc settings), so its
// memory is what users see. The parent passes the step as JSON in argv and reads one JSON line, the outcome,
// from stdout.

import { spawn } from 'node:child_process';
import { prepareRuntime } from '../bin/runtime.js';
import { startHeapBudget } from '../src/common/heap-budget.ts';
import { exportHtml } from '../src/operations/confluence/export/export-html.ts';
import { Repository } from '../src/repository/repository.ts';
import { ConfluenceClient } from '../src/sources/confluence/client/client.ts';
import type { ClientStats } from '../src/sources/confluence/client/client-types.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { naiveExport } from './confluence-naive.ts';
import { clientOptions, type SiteAccess } from './confluence-site.ts';
import { BENCH_PASSWORD, runStepvaultBackup, type StepvaultBackupStep } from './confluence-stepvault.ts';

export type StepRequest =
  | { tool: 'naive'; site: SiteAccess }
  | { tool: 'stepvault'; site: SiteAccess; backup: StepvaultBackupStep }
  | { tool: 'export'; repoPath: string; target: string };

export interface StepOutcome {
  /** Wall time of the step's work, from the first request to the committed snapshot (or last download). */
  seconds: number;
  peakRssMiB: number;
  cpuSeconds: number;
  client?: ClientStats;
  /** What the tool reports about its own run (items, snapshot id, partial, ...). */
  detail: Record<string, unknown>;
}

/** Runs a step in a child process and returns its outcome. */
export async function runStepProcess(request: StepRequest): Promise<StepOutcome> {
  const child = spawn(process.execPath, [import.meta.filename, JSON.stringify(request)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const last = stdout.trim().split('\n').at(-1) ?? '';
  if (code !== 0) throw new Error(`the ${request.tool} step failed (exit ${code}); its last output: ${last}`);
  return JSON.parse(last) as StepOutcome;
}

async function main(request: StepRequest): Promise<StepOutcome> {
  const started = performance.now();
  let detail: Record<string, unknown>;
  let client: ClientStats | undefined;
  if (request.tool === 'naive') {
    const c = new ConfluenceClient(clientOptions(request.site));
    detail = { ...(await naiveExport(c)) };
    client = c.stats();
  } else if (request.tool === 'export') {
    const repo = await Repository.open(new LocalBackend(request.repoPath), BENCH_PASSWORD);
    const result = await exportHtml({ snapshot: 'latest', target: request.target }, { repo });
    detail = { pages: result.pages, failed: result.failed.length, partial: result.failed.length > 0 };
  } else {
    const outcome = await runStepvaultBackup(request.site, request.backup);
    detail = outcome.detail;
    client = outcome.client;
  }
  const seconds = (performance.now() - started) / 1000;
  const usage = process.resourceUsage();
  return {
    seconds,
    peakRssMiB: usage.maxRSS / 1024,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    ...(client ? { client } : {}),
    detail,
  };
}

if (process.argv[1] === import.meta.filename) {
  prepareRuntime();
  startHeapBudget(); // as src/cli/main.ts does for every command
  const outcome = await main(JSON.parse(process.argv[2]!) as StepRequest);
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
  process.exit(0); // idle keep-alive sockets would hold the process open
}
