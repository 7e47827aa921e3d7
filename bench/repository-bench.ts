// The repository suite: stepvault, restic and borg side by side on the same dataset in one run — initial backup,
// no-change backup, the ~1% change, backup, full restore (compared byte for byte), verify all data, repository
// size and peak RSS — each step for every tool before the next, page cache dropped before each timed step. The
// steps run in rounds (three by default), each into new repositories, and the median run is reported.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCommandLine, runsOption, scaleOption, toolsOption } from './bench-options.ts';
import { applyChange, ensureDataset, isDatasetCached, measureTree } from './dataset.ts';
import { describeComposition } from './describe-dataset.ts';
import type { SuiteOutcome } from './report.ts';
import { diskUsage, dropCaches } from './repository-measure.ts';
import { type DatasetInfo, renderReport, type StepKey, type ToolResults } from './repository-report.ts';
import { checkFreeSpace, ensurePackages, machineInfo } from './repository-setup.ts';
import { makeTool, TOOL_NAMES, type ToolName } from './repository-tools.ts';
import { medianBy, StepRunner, timestampedLog } from './rounds.ts';

const PROJECT = path.resolve(import.meta.dirname, '..');
const BENCH_DIR = path.join(PROJECT, '.bench');
const DATASET_CACHE = path.join(BENCH_DIR, 'dataset');
const WORK = path.join(BENCH_DIR, 'work');
const LOGS = path.join(BENCH_DIR, 'logs');

export const REPOSITORY_USAGE = `npm run bench -- repository [options]

  --tools a,b    only these tools (of ${TOOL_NAMES.join(', ')}; default all)
  --runs N       rounds of all steps, each into a new repository, the tools taking turns (default 3; the median
                 run is shown)
  --scale N      dataset scale (default 1: ~2 GB in ~31.5k files; 0.1 for a quick run)
  --keep         keep the repositories and the source copy under .bench/work for inspection
  --write        update docs/benchmarks.md even for a partial run (a full run always does)`;

interface Options {
  tools: ToolName[];
  scale: number;
  runs: number;
  keep: boolean;
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  const values = parseCommandLine(argv, {
    tools: { type: 'string' },
    scale: { type: 'string' },
    runs: { type: 'string' },
    keep: { type: 'boolean' },
    write: { type: 'boolean' },
  });
  return {
    tools: toolsOption(values.tools, TOOL_NAMES),
    scale: scaleOption(values.scale),
    runs: runsOption(values.runs),
    keep: values.keep ?? false,
    write: values.write ?? false,
  };
}

const started = performance.now();
const log = timestampedLog(started);

export async function runRepositoryBench(argv: string[]): Promise<SuiteOutcome> {
  const options = parseOptions(argv);
  const loadAtStart = os.loadavg()[0]!;
  const full = options.scale === 1 && options.tools.length === TOOL_NAMES.length;
  log(`repository suite: ${options.tools.join(', ')}, scale ${options.scale}`);

  ensurePackages(options.tools, log);
  const s = options.scale;
  const need =
    (isDatasetCached(DATASET_CACHE, s) ? 0 : 2.2e9 * s) +
    2.2e9 * s * 2 +
    1.4e9 * s * options.tools.length +
    0.5e9;
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.rmSync(LOGS, { recursive: true, force: true });
  const free = checkFreeSpace(BENCH_DIR, need);
  log(
    `disk: needs about ${(need / 1e9).toFixed(1)} GB under ${BENCH_DIR}, ${(free / 1e9).toFixed(1)} GB free`,
  );
  fs.mkdirSync(LOGS, { recursive: true });
  fs.mkdirSync(path.join(WORK, 'repos'), { recursive: true });

  const dataset = ensureDataset(DATASET_CACHE, options.scale, log);
  const generation = dataset.cached
    ? `cached (generated earlier in ${(dataset.generateMs / 1000).toFixed(1)} s)`
    : `${(dataset.generateMs / 1000).toFixed(1)} s`;
  log(
    `dataset: ${dataset.stats.files} files, ${(dataset.stats.bytes / 1e9).toFixed(2)} GB (generation ${generation})`,
  );
  const source = path.join(WORK, 'source', 'data');
  const copySource = () => {
    fs.rmSync(path.dirname(source), { recursive: true, force: true });
    fs.mkdirSync(path.dirname(source), { recursive: true });
    const copy = spawnSync('cp', ['-a', dataset.dir, source], { stdio: 'inherit' });
    if (copy.status !== 0) throw new Error(`copying the dataset to ${source} failed`);
    log(`copied the dataset to ${source}`);
  };
  copySource();

  const dropping = dropCaches();
  log(
    dropping ? 'page cache: dropped before each timed step' : 'page cache: NOT dropped (not permitted here)',
  );

  const tools = options.tools.map((name) => makeTool(name, WORK));
  const versions: Record<string, string> = {};
  for (const t of tools) versions[t.name] = t.version();
  const runner = new StepRunner<StepKey, ToolResults>(tools, { dropping, logDir: LOGS, log });
  let diskPeak = 0;
  const notePeak = () => {
    diskPeak = Math.max(diskPeak, diskUsage(BENCH_DIR));
  };

  // Rounds: every tool backs up the dataset, again without changes, and after the change, into a new repository
  // each round (a new repository has new chunker and encryption keys, which move its size a little), then
  // restores the last snapshot (compared with the dataset) and verifies all data.
  let change = { filesChanged: 0, filesAdded: 0, filesDeleted: 0, bytesWritten: 0 };
  let after = { files: 0, bytes: 0 };
  for (let round = 1; round <= options.runs; round++) {
    log(`round ${round} of ${options.runs}`);
    if (round > 1) copySource();
    for (const t of tools) {
      if (round > 1) fs.rmSync(t.repo, { recursive: true, force: true });
      await runner.step(t, 'init', t.init(), true);
    }
    for (const t of tools) await runner.roundStep(t, 'initial', t.backup(source, 1));
    for (const t of tools) await runner.roundStep(t, 'unchanged', t.backup(source, 2));
    change = applyChange(source);
    after = measureTree(source);
    log(
      `applied the change: ${change.filesChanged} changed, ${change.filesAdded} added, ${change.filesDeleted} deleted, ` +
        `${(change.bytesWritten / 1e6).toFixed(1)} MB written`,
    );
    for (const t of tools) await runner.roundStep(t, 'changed', t.backup(source, 3));
    for (const t of tools) {
      const results = runner.results[t.name]!;
      if (fs.existsSync(t.repo))
        results.repoBytesRuns = [...(results.repoBytesRuns ?? []), diskUsage(t.repo)];
    }
    notePeak();
    for (const t of tools)
      await runner.restoreAndCompare(t, 'restore', path.join(WORK, 'restore', t.name), source, 3, notePeak);
    for (const t of tools) await runner.roundStep(t, 'verify', t.verify(), false);
  }
  runner.summarizeRounds(options.runs);
  for (const t of tools) {
    const sizes = runner.results[t.name]!.repoBytesRuns;
    if (sizes?.length === options.runs) runner.results[t.name]!.repoBytes = medianBy(sizes, (b) => b)!;
  }

  const info: DatasetInfo = {
    files: dataset.stats.files,
    directories: dataset.stats.directories,
    bytes: dataset.stats.bytes,
    finalFiles: after.files,
    finalBytes: after.bytes,
    composition: describeComposition(dataset.stats, options.scale),
    change:
      `${change.filesChanged} files changed (inserts in the middle of two large binaries and the largest JSON export, ` +
      `appends to every log, a paragraph inserted into ~0.5% of the pages), ${change.filesAdded} added, ` +
      `${change.filesDeleted} deleted; ${(change.bytesWritten / 1e6).toFixed(1)} MB written`,
    generation,
  };
  const markdown = renderReport({
    tools: options.tools,
    rounds: options.runs,
    results: runner.results,
    versions,
    machine: machineInfo(BENCH_DIR),
    dataset: info,
    cachesDropped: dropping,
    scale: options.scale,
    date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    totalMs: performance.now() - started,
    diskUsedBytes: diskPeak,
    load: [loadAtStart, os.loadavg()[0]!],
  });

  if (options.keep) log(`kept the repositories and the source copy under ${WORK}`);
  else fs.rmSync(WORK, { recursive: true, force: true });
  log(`step output is in ${LOGS}`);
  return { markdown, write: full || options.write, ok: !runner.failed };
}
