// The repository suite's report: the results table (steps × tools, plus stepvault's ratio to restic), the
// issue's targets with ✓/✗, peak RSS per step, failures, and the machine, tools and dataset it ran on.

import { table } from './report.ts';
import type { MachineInfo } from './repository-setup.ts';
import type { ToolName } from './repository-tools.ts';
import type { StepResults } from './rounds.ts';
import {
  atLeast,
  cpuCell,
  MIB,
  mark,
  measured,
  othersPercent,
  peakRss,
  problemLines,
  ratio,
  roundLines,
  rssRows,
  stepCell,
  timeRatio,
} from './step-report.ts';

export const STEPS = [
  { key: 'initial', label: 'initial backup' },
  { key: 'unchanged', label: 'no-change backup' },
  { key: 'changed', label: 'backup after the ~1% change' },
  { key: 'restore', label: 'full restore' },
  { key: 'verify', label: 'verify all data' },
] as const;
export type StepKey = (typeof STEPS)[number]['key'];

export interface ToolResults extends StepResults<StepKey> {
  /** Repository size after the three backups: the median of the rounds'. */
  repoBytes?: number;
  /** Each round's repository size. */
  repoBytesRuns?: number[];
}

export interface DatasetInfo {
  files: number;
  directories: number;
  bytes: number;
  /** Files and bytes after the change (what the last backup and the restore see). */
  finalFiles: number;
  finalBytes: number;
  composition: string;
  change: string;
  generation: string;
}

export interface RunInfo {
  tools: ToolName[];
  /** Rounds of the three backups, each into a new repository (the table shows the median run). */
  rounds: number;
  results: Record<string, ToolResults>;
  versions: Record<string, string>;
  machine: MachineInfo;
  dataset: DatasetInfo;
  cachesDropped: boolean;
  scale: number;
  date: string;
  totalMs: number;
  diskUsedBytes: number;
  /** 1-minute load averages at the start and the end of the run (other work on the machine adds noise). */
  load: [number, number];
}

interface Ratios {
  time: Partial<Record<StepKey, number>>;
  size?: number;
  rss?: number;
}

function ratios(run: RunInfo): Ratios {
  const sv = run.results.stepvault;
  const rs = run.results.restic;
  const out: Ratios = { time: {} };
  if (!sv || !rs) return out;
  for (const { key } of STEPS) {
    const time = timeRatio(sv.steps[key], rs.steps[key]);
    if (time !== undefined) out.time[key] = time;
  }
  if (sv.repoBytes && rs.repoBytes) out.size = sv.repoBytes / rs.repoBytes;
  const a = peakRss(sv);
  const b = peakRss(rs);
  if (a && b) out.rss = a.bytes / b.bytes;
  return out;
}

function targets(run: RunInfo, r: Ratios): string[] {
  const rss = peakRss(run.results.stepvault);
  return [
    `- initial backup at least 1.5x restic's throughput: ${atLeast(r.time.initial, 1.5)}`,
    `- no-change backup no slower than restic (≥ 1.0x): ${atLeast(r.time.unchanged, 1)}`,
    `- backup after the ~1% change no slower than restic (≥ 1.0x): ${atLeast(r.time.changed, 1)}`,
    `- full restore at least 1.2x restic: ${atLeast(r.time.restore, 1.2)}`,
    `- verify all data at least 1.2x restic: ${atLeast(r.time.verify, 1.2)}`,
    `- repository size at most 1.02x restic's: ${mark(r.size === undefined ? undefined : r.size <= 1.02)} ${ratio(r.size)}`,
    `- peak RSS under 256 MiB: ${mark(rss ? rss.bytes < 256 * MIB : undefined)} ${rss ? `${(rss.bytes / MIB).toFixed(0)} MiB (${rss.step})` : '–'}`,
  ];
}

export function renderReport(run: RunInfo): string {
  const r = ratios(run);
  const withRatio = run.tools.includes('stepvault') && run.tools.includes('restic');
  const header = ['step', ...run.tools, ...(withRatio ? ['stepvault vs restic'] : [])];
  const rows: string[][] = [];
  const finalBytes = run.dataset.finalBytes;
  for (const { key, label } of STEPS) {
    const bytes = key === 'initial' ? run.dataset.bytes : key === 'restore' ? finalBytes : undefined;
    rows.push([
      label,
      ...run.tools.map((t) => stepCell(run.results[t]?.steps[key], bytes)),
      ...(withRatio ? [ratio(r.time[key])] : []),
    ]);
  }
  rows.push([
    'repository size (3 snapshots)',
    ...run.tools.map((t) => {
      const b = run.results[t]?.repoBytes;
      return b === undefined ? '–' : `${(b / 1e9).toFixed(3)} GB`;
    }),
    ...(withRatio ? [ratio(r.size)] : []),
  ]);
  rows.push([
    'peak RSS (any step)',
    ...run.tools.map((t) => {
      const p = peakRss(run.results[t]);
      return p ? `${(p.bytes / MIB).toFixed(0)} MiB` : '–';
    }),
    ...(withRatio ? [ratio(r.rss)] : []),
  ]);

  const cpuRows = STEPS.map(({ key, label }) => [
    label,
    ...run.tools.map((t) => {
      const o = measured(run.results[t]?.steps[key]);
      return o ? cpuCell(o) : '–';
    }),
  ]);
  const noise = othersPercent(run.tools, run.results, STEPS, run.machine.cores);
  const problems = problemLines(run.tools, run.results);
  const rounds = roundLines(run.tools, run.results, STEPS);
  const gb = (b: number) => `${(b / 1e9).toFixed(3)} GB`;
  const sizes = run.tools.map((t) => [t, run.results[t]?.repoBytesRuns] as const);
  if (sizes.some(([, b]) => b && b.length > 1)) {
    rounds.push(
      `- repository size: ${sizes.map(([t, b]) => `${t} ${b ? b.map(gb).join(', ') : '–'}`).join('; ')}`,
    );
  }

  const m = run.machine;
  return [
    '## Repository: stepvault vs restic and borg',
    '',
    `Run of ${run.date}, scale ${run.scale}${run.scale === 1 ? ' (the full dataset)' : ''}; ` +
      `page cache ${run.cachesDropped ? 'dropped before every timed step' : '**not** dropped (not permitted here: numbers include a warm cache)'}; ` +
      `every restore compared byte for byte with the dataset (\`diff -r\`).`,
    '',
    table(header, rows),
    '',
    withRatio
      ? 'Ratio column: for times restic ÷ stepvault (above 1 means stepvault is faster; for a step run several times, ' +
        "the median of the rounds' ratios); for size and RSS " +
        'stepvault ÷ restic (below 1 means stepvault is smaller). Throughput is dataset bytes ÷ wall time (MB = 10^6 bytes).'
      : 'Throughput is dataset bytes ÷ wall time (MB = 10^6 bytes).',
    '',
    ...(withRatio ? ['### Targets (issue 2)', '', ...targets(run, r), ''] : []),
    ...(problems.length ? ['### Failures and warnings', '', ...problems, ''] : []),
    ...(run.rounds > 1
      ? [
          '### Rounds',
          '',
          `Each tool ran every step ${run.rounds} times, each round into a new repository (new chunker and ` +
            'encryption keys) from a fresh copy of the dataset, the tools taking turns and the page cache dropped ' +
            "before each run; every round's restore was compared with the dataset. The tables show each step's run " +
            'with the median time and the median repository size; peak RSS is the largest of all runs. The time ' +
            "ratio to restic is the median of the rounds' ratios: the two tools' runs of a round are adjacent in " +
            "time, while the machine's speed drifts between rounds. In run order:",
          '',
          ...rounds,
          '',
        ]
      : []),
    '### Peak RSS by step',
    '',
    table(['step', ...run.tools], rssRows(run.tools, run.results, STEPS)),
    '',
    '### CPU time by step',
    '',
    'User + system CPU seconds of the tool (and the cores that implies), and the CPU seconds the rest of the ' +
      `machine (other processes, kernel writeback) used during the same step. The rest of the machine used ${noise.toFixed(1)}% of the machine's CPU ` +
      'capacity during the timed steps; steps with large "others" numbers are less trustworthy.',
    '',
    table(['step', ...run.tools], cpuRows),
    '',
    '### Setup',
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memory} RAM, kernel ${m.kernel} (${m.os}), work directory on ${m.fileSystem}; ` +
      `load average ${run.load[0].toFixed(1)} at the start, ${run.load[1].toFixed(1)} at the end`,
    ...run.tools.map((t) => `- ${run.versions[t] ?? t}`),
    `- Dataset: ${run.dataset.files} files in ${run.dataset.directories} directories, ${(run.dataset.bytes / 1e9).toFixed(2)} GB: ${run.dataset.composition}`,
    `- Change before the third backup: ${run.dataset.change}; afterwards ${run.dataset.finalFiles} files, ` +
      `${(run.dataset.finalBytes / 1e9).toFixed(2)} GB`,
    `- Dataset generation: ${run.dataset.generation}; whole run ${(run.totalMs / 60_000).toFixed(1)} min; ` +
      `peak disk use ${(run.diskUsedBytes / 1e9).toFixed(1)} GB under .bench/`,
    `- Steps: ${run.rounds > 1 ? `${run.rounds} rounds (see above) of ` : ''}init (untimed); backup; ` +
      'backup again without changes; the change; backup; full restore of the latest ' +
      'snapshot into an empty directory; verify all data (`stepvault check --read-data`, `restic check --read-data`, ' +
      '`borg check --verify-data`). Each step runs for every tool before the next step starts, so all tools see the same ' +
      "states. Peak RSS is GNU time's maximum resident set size.",
  ].join('\n');
}
