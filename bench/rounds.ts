// Running a suite's steps in rounds: one step of one tool at a time (the page cache dropped first, where permitted),
// a failure recorded instead of thrown, the measurements of steps repeated every round kept and summarized as the
// median run, and a restore compared byte for byte with the tree that was backed up. Shared by the repository and
// the s3 suites.

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type CommandSpec,
  compareTrees,
  dropCaches,
  lastLines,
  measure,
  StepFailure,
} from './repository-measure.ts';

export interface StepMeasurement {
  ms: number;
  rssBytes: number;
  cpuSeconds: number;
  otherCpuSeconds: number;
  warning?: string;
  /** For a step that ran several times (the initial backup): every run's wall time, in run order. */
  runsMs?: number[];
}

/** A measured step, or why there is no measurement (`skipped`: an earlier step of the tool failed). */
export type StepOutcome = StepMeasurement | { error: string; skipped?: boolean };

/** What the runner records of one tool; suites add their own fields. */
export interface StepResults<K extends string> {
  steps: Partial<Record<K | 'init', StepOutcome>>;
  /** Set when the restored tree differed from the dataset. */
  mismatch?: string;
}

/** A tool as the runner needs it: a name, and for `restoreAndCompare` its restore command. */
export interface RunnerTool {
  name: string;
  /** Restores the latest snapshot (made by backup `n`) into the empty directory `target`. */
  restore(target: string, n: number): CommandSpec;
}

export interface RunnerOptions {
  /** Whether to drop the page cache before each timed step (see `dropCaches`). */
  dropping: boolean;
  /** Each step's output goes to `<logDir>/<tool>-<step>.log`. */
  logDir: string;
  log: (line: string) => void;
  /** Called just before a step's command starts (after the page cache is dropped). */
  beforeStep?: (tool: string, key: string) => void;
  /**
   * Keep restored copies once compared (the caller removes them at the end of the run) instead of removing each at
   * once: removing tens of thousands of files just before the next restore makes that restore's file creations
   * slow (ext4 passes over recently freed inodes for a while) — a cost of the benchmark, not of either tool.
   */
  keepRestores?: boolean;
  /** Called with a step's measurement once its command succeeded, before it is recorded or printed. */
  afterStep?: (tool: string, key: string, measurement: StepMeasurement) => void;
}

/** The median item by `key` (of an even count the upper middle one), or undefined for none. */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T | undefined {
  return [...items].sort((a, b) => key(a) - key(b))[items.length >> 1];
}

/** A log function that prefixes each line with the seconds since `started`. */
export function timestampedLog(started: number): (line: string) => void {
  return (line) =>
    console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
}

/** The restored copy of `source` inside `target`: tools place it at its absolute path or under its name. */
export function restoredRoot(target: string, source: string): string {
  const candidates = [path.join(target, source), path.join(target, path.basename(source)), target];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isDirectory()) ?? target;
}

export class StepRunner<K extends string, R extends StepResults<K> = StepResults<K>> {
  readonly results: Record<string, R> = {};
  private readonly broken = new Set<string>();
  private readonly options: RunnerOptions;
  failed = false;

  constructor(tools: readonly { name: string }[], options: RunnerOptions) {
    this.options = options;
    // every field a suite adds to R is optional
    for (const t of tools) this.results[t.name] = { steps: {} } as R;
  }

  /** Runs one step for one tool; records (and prints) a failure instead of throwing. */
  async step(
    tool: { name: string },
    key: K | 'init',
    spec: CommandSpec,
    breaksTool: boolean,
  ): Promise<boolean> {
    const res = this.results[tool.name]!;
    const { log } = this.options;
    if (this.broken.has(tool.name)) {
      res.steps[key] = { error: 'skipped because an earlier step failed', skipped: true };
      return false;
    }
    if (this.options.dropping && key !== 'init') dropCaches();
    const logFile = path.join(this.options.logDir, `${tool.name}-${key}.log`);
    try {
      this.options.beforeStep?.(tool.name, key);
      const m: StepMeasurement = await measure(spec, logFile);
      this.options.afterStep?.(tool.name, key, m);
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
  private readonly rounds = new Map<string, Partial<Record<K, StepMeasurement[]>>>();

  /** The first failure of each repeated step, per tool: a later round's success must not hide it. */
  private readonly roundFailures = new Map<string, Partial<Record<K, StepOutcome>>>();

  /** Runs a step that is repeated in every round, and keeps this round's measurement. */
  async roundStep(tool: { name: string }, key: K, spec: CommandSpec, breaksTool = true): Promise<boolean> {
    if (!(await this.step(tool, key, spec, breaksTool))) {
      const failures: Partial<Record<K, StepOutcome>> = this.roundFailures.get(tool.name) ?? {};
      failures[key] ??= this.results[tool.name]!.steps[key]!;
      this.roundFailures.set(tool.name, failures);
      return false;
    }
    const kept: Partial<Record<K, StepMeasurement[]>> = this.rounds.get(tool.name) ?? {};
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
      for (const [key, all] of Object.entries(steps) as [K, StepMeasurement[]][]) {
        if (all.length < rounds) continue; // a run failed: its error is recorded
        this.results[tool]!.steps[key] = {
          ...medianBy(all, (m) => m.ms)!,
          rssBytes: Math.max(...all.map((m) => m.rssBytes)),
          runsMs: all.map((m) => m.ms),
        };
      }
    }
  }

  /**
   * Restores the latest snapshot (backup `lastBackup`) of a tool into the empty directory `target` as the
   * repeated step `key`, and compares it with `source`; `target` is removed afterwards (unless `keepRestores`).
   */
  async restoreAndCompare(
    tool: RunnerTool,
    key: K,
    target: string,
    source: string,
    lastBackup: number,
    onPeak: () => void,
  ): Promise<void> {
    fs.rmSync(target, { recursive: true, force: true });
    fs.mkdirSync(target, { recursive: true });
    if (await this.roundStep(tool, key, tool.restore(target, lastBackup), false)) {
      const root = restoredRoot(target, source);
      const t0 = performance.now();
      const difference = compareTrees(source, root);
      onPeak();
      if (difference) {
        this.results[tool.name]!.mismatch = difference;
        this.failed = true;
        this.options.log(`!!! ${tool.name} RESTORE DIFFERS FROM THE DATASET: ${difference}`);
      } else {
        this.options.log(
          `${tool.name} restore identical to the dataset (diff -r, ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
        );
      }
    }
    if (!this.options.keepRestores) fs.rmSync(target, { recursive: true, force: true });
  }
}
