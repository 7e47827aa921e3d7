// Measuring one benchmark step: dropping the page cache first (where permitted), running the command under GNU
// time for its peak RSS, timing the wall clock, and keeping its output in a log file for inspection.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

export const GNU_TIME = '/usr/bin/time';
const DROP_CACHES = '/proc/sys/vm/drop_caches';

export interface CommandSpec {
  /** How the report names the command, e.g. `stepvault backup .bench/work/source/data`. */
  label: string;
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Exit codes that mean success with warnings (e.g. stepvault 3 "partial", borg 1 "warning"). */
  warnCodes?: number[];
}

export interface Measurement {
  ms: number;
  /** Peak resident set size of the process (and its largest child), in bytes. */
  rssBytes: number;
  /** User + system CPU time of the command and its children, in seconds. */
  cpuSeconds: number;
  /** CPU time the rest of the machine used meanwhile (other processes: noise), in seconds. */
  otherCpuSeconds: number;
  code: number;
  /** Set when the exit code was a warning code. */
  warning?: string;
}

export class StepFailure extends Error {
  readonly code: number;
  readonly output: string;
  constructor(spec: CommandSpec, code: number, output: string) {
    super(`${spec.label} exited with ${code}`);
    this.code = code;
    this.output = output;
  }
}

/** Flushes dirty pages, then drops the page cache; false when not permitted (not root, or a container). */
export function dropCaches(): boolean {
  spawnSync('sync');
  try {
    fs.writeFileSync(DROP_CACHES, '3\n');
    return true;
  } catch {
    return false;
  }
}

/** CPU time all processes of the machine have used since boot, in seconds (from /proc/stat). */
function machineBusySeconds(): number {
  try {
    const fields = fs
      .readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return 0;
  }
}

/** Runs the command quietly under GNU time; throws StepFailure with its output on an unexpected exit code. */
export async function measure(spec: CommandSpec, logFile: string): Promise<Measurement> {
  const rssFile = `${logFile}.rss`;
  const log = fs.openSync(logFile, 'w');
  fs.writeSync(log, `$ ${spec.cmd} ${spec.args.join(' ')}\n`);
  const busyBefore = machineBusySeconds();
  const started = performance.now();
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(GNU_TIME, ['-f', '%M %U %S', '-o', rssFile, spec.cmd, ...spec.args], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', log, log],
    });
    child.on('error', reject);
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  const ms = performance.now() - started;
  const busy = machineBusySeconds() - busyBefore;
  fs.closeSync(log);
  // GNU time writes "Command exited with non-zero status N" before its line when the command fails.
  const timeText = fs.existsSync(rssFile) ? fs.readFileSync(rssFile, 'utf8') : '';
  const [rssKiB = 0, user = 0, system = 0] = (timeText.trim().split('\n').pop() ?? '').split(' ').map(Number);
  // The command's own output, without the "$ command" line this function wrote first.
  const output = fs.readFileSync(logFile, 'utf8').split('\n').slice(1).join('\n');
  if (code !== 0 && !spec.warnCodes?.includes(code)) throw new StepFailure(spec, code, output);
  const cpuSeconds = user + system;
  const result: Measurement = {
    ms,
    rssBytes: rssKiB * 1024,
    cpuSeconds,
    otherCpuSeconds: Math.max(0, busy - cpuSeconds),
    code,
  };
  if (code !== 0) result.warning = `exit code ${code}: ${lastLines(output, 3)}`;
  return result;
}

export function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

/** Apparent size of a tree in bytes (`du -sb`). */
export function diskUsage(dir: string): number {
  const out = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`du -sb ${dir} failed: ${out.stderr}`);
  return Number(out.stdout.split('\t')[0]);
}

/** `diff -r` of two trees: undefined when identical, else the first lines of the differences. */
export function compareTrees(expected: string, actual: string): string | undefined {
  const out = spawnSync('diff', ['-r', '-q', expected, actual], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (out.status === 0) return undefined;
  const lines = `${out.stdout}${out.stderr}`.trim().split('\n');
  return `${lines.length} difference(s), first: ${lines.slice(0, 5).join('; ')}`;
}
