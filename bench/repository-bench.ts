// The repository suite: stepvault, restic and borg side by side on the same dataset in one run — initial backup,
// no-change backup, the ~1% change, backup, full restore (compared byte for byte), verify all data, repository
// size and peak RSS — each step for every tool before the next, page cache dropped before each timed step. The
// steps run in rounds (three by default), each into new repositories, and the median run is reported.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { applyChange, type DatasetStats, ensureDataset, isDatasetCached, measureTree } from './dataset.ts';
import {
  type CommandSpec,
  compareTrees,
  diskUsage,
  dropCaches,
  lastLines,
  measure,
  StepFailure,
} from './repository-measure.ts';
import {
  type DatasetInfo,
  medianBy,
  renderReport,
  type StepKey,
  type StepMeasurement,
  type StepOutcome,
  type ToolResults,
} from './repository-report.ts';
import { checkFreeSpace, ensurePackages, machineInfo } from './repository-setup.ts';
import { makeTool, TOOL_NAMES, type Tool, type ToolName } from './repository-tools.ts';

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

export interface RepositoryOutcome {
  markdown: string;
  /** Whether docs/benchmarks.md should get this result. */
  write: boolean;
  /** False when a step failed or a restore differed from the dataset. */
  ok: boolean;
}

interface Options {
  tools: ToolName[];
  scale: number;
  runs: number;
  keep: boolean;
  write: boolean;
}

export class UsageError extends Error {}

function parseOptions(argv: string[]): Options {
  let values: { tools?: string; scale?: string; runs?: string; keep?: boolean; write?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        tools: { type: 'string' },
        scale: { type: 'string' },
        runs: { type: 'string' },
        keep: { type: 'boolean' },
        write: { type: 'boolean' },
      },
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const tools = (values.tools ?? TOOL_NAMES.join(',')).split(',').map((t) => t.trim());
  for (const t of tools) {
    if (!(TOOL_NAMES as readonly string[]).includes(t)) throw new UsageError(`unknown tool "${t}"`);
  }
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 4)
    throw new UsageError('--scale must be a number in (0, 4]');
  const runs = values.runs === undefined ? 3 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 9)
    throw new UsageError('--runs must be an integer from 1 to 9');
  return {
    tools: TOOL_NAMES.filter((t) => tools.includes(t)),
    scale,
    runs,
    keep: values.keep ?? false,
    write: values.write ?? false,
  };
}

const started = performance.now();
function log(line: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
}

function describeComposition(stats: DatasetStats, scale: number): string {
  const k = stats.byKind;
  const mb = (b = 0) => `${(b / 1e6).toFixed(0)} MB`;
  const pages = (k.html?.files ?? 0) + (k.markdown?.files ?? 0) + (k.text?.files ?? 0);
  const pageBytes = (k.html?.bytes ?? 0) + (k.markdown?.bytes ?? 0) + (k.text?.bytes ?? 0);
  return [
    `${pages} HTML/Markdown/text pages of 0.5-60 KB (${mb(pageBytes)}, ${k.html?.files ?? 0} HTML, ${k.markdown?.files ?? 0} Markdown, ${k.text?.files ?? 0} text; nested up to 6 levels)`,
    `${k.json?.files ?? 0} JSON exports (${mb(k.json?.bytes)})`,
    `${k.log?.files ?? 0} logs (${mb(k.log?.bytes)})`,
    `${k.binary?.files ?? 0} incompressible binaries of ${+(1 * scale).toPrecision(2)}-${+(60 * scale).toPrecision(2)} MB (${mb(k.binary?.bytes)})`,
    `${k.copy?.files ?? 0} duplicate files: a copied subtree, loose copies, mirrored binaries and exports (${mb(k.copy?.bytes)})`,
  ].join('; ');
}

/** The restored copy of `source` inside `target`: tools place it at its absolute path or under its name. */
function restoredRoot(target: string, source: string): string {
  const candidates = [path.join(target, source), path.join(target, path.basename(source)), target];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isDirectory()) ?? target;
}

class Runner {
  readonly results: Record<string, ToolResults> = {};
  private readonly broken = new Set<ToolName>();
  private readonly dropping: boolean;
  failed = false;

  constructor(tools: Tool[], dropping: boolean) {
    this.dropping = dropping;
    for (const t of tools) this.results[t.name] = { steps: {} };
  }

  /** Runs one step for one tool; records (and prints) a failure instead of throwing. */
  async step(tool: Tool, key: StepKey | 'init', spec: CommandSpec, breaksTool: boolean): Promise<boolean> {
    const res = this.results[tool.name]!;
    if (this.broken.has(tool.name)) {
      res.steps[key] = { error: 'skipped because an earlier step failed', skipped: true };
      return false;
    }
    if (this.dropping && key !== 'init') dropCaches();
    const logFile = path.join(LOGS, `${tool.name}-${key}.log`);
    try {
      const m = await measure(spec, logFile);
      res.steps[key] = m;
      log(
        `${tool.name.padEnd(9)} ${key.padEnd(9)} ${(m.ms / 1000).toFixed(2).padStart(8)} s  ` +
          `${(m.rssBytes / 2 ** 20).toFixed(0).padStart(5)} MiB${m.warning ? `  WARNING ${m.warning}` : ''}`,
      );
      return true;
    } catch (error) {
      const detail =
        error instanceof StepFailure
          ? `\`${spec.label}\` exited with ${error.code}: ${lastLines(error.output, 6)}`
          : `\`${spec.label}\`: ${(error as Error).message}`;
      res.steps[key] = { error: detail };
      this.failed = true;
      if (breaksTool) this.broken.add(tool.name);
      log(`${tool.name} ${key} FAILED: ${detail} (full output: ${logFile})`);
      return false;
    }
  }

  /** Every round's measurement of each repeated step, per tool. */
  private readonly rounds = new Map<string, Partial<Record<StepKey, StepMeasurement[]>>>();

  /** The first failure of each repeated step, per tool: a later round's success must not hide it. */
  private readonly roundFailures = new Map<string, Partial<Record<StepKey, StepOutcome>>>();

  /** Runs a step that is repeated in every round, and keeps this round's measurement. */
  async roundStep(tool: Tool, key: StepKey, spec: CommandSpec, breaksTool = true): Promise<boolean> {
    if (!(await this.step(tool, key, spec, breaksTool))) {
      const failures = this.roundFailures.get(tool.name) ?? {};
      failures[key] ??= this.results[tool.name]!.steps[key]!;
      this.roundFailures.set(tool.name, failures);
      return false;
    }
    const kept = this.rounds.get(tool.name) ?? {};
    kept[key] = [...(kept[key] ?? []), this.results[tool.name]!.steps[key] as StepMeasurement];
    this.rounds.set(tool.name, kept);
    return true;
  }

  /**
   * After the last round: each repeated step of a tool that ran in every round is recorded as its run with the
   * median time, with the largest peak RSS of all runs and every run's time.
   */
  summarizeRounds(rounds: number): void {
    for (const [tool, failures] of this.roundFailures) Object.assign(this.results[tool]!.steps, failures);
    for (const [tool, steps] of this.rounds) {
      for (const [key, all] of Object.entries(steps) as [StepKey, StepMeasurement[]][]) {
        if (all.length < rounds) continue; // a run failed: its error is recorded
        this.results[tool]!.steps[key] = {
          ...medianBy(all, (m) => m.ms)!,
          rssBytes: Math.max(...all.map((m) => m.rssBytes)),
          runsMs: all.map((m) => m.ms),
        };
      }
    }
  }

  /** Restores the latest snapshot of every tool into an empty directory and compares it with `source`. */
  async restoreAndCompare(tool: Tool, source: string, lastBackup: number, onPeak: () => void): Promise<void> {
    const target = path.join(WORK, 'restore', tool.name);
    fs.rmSync(target, { recursive: true, force: true });
    fs.mkdirSync(target, { recursive: true });
    if (await this.roundStep(tool, 'restore', tool.restore(target, lastBackup), false)) {
      const root = restoredRoot(target, source);
      const t0 = performance.now();
      const difference = compareTrees(source, root);
      onPeak();
      if (difference) {
        this.results[tool.name]!.mismatch = difference;
        this.failed = true;
        log(`!!! ${tool.name} RESTORE DIFFERS FROM THE DATASET: ${difference}`);
      } else {
        log(
          `${tool.name} restore identical to the dataset (diff -r, ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
        );
      }
    }
    fs.rmSync(target, { recursive: true, force: true });
  }
}

export async function runRepositoryBench(argv: string[]): Promise<RepositoryOutcome> {
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
  const runner = new Runner(tools, dropping);
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
    for (const t of tools) await runner.restoreAndCompare(t, source, 3, notePeak);
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
