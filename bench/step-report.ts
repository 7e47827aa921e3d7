// Report pieces shared by the suites that run tools in rounds (repository, s3): table cells for a step's time,
// stepvault's time ratio to restic (the median of the rounds' paired ratios), ✓/✗ marks for targets, the rounds'
// times in run order, peak RSS and CPU time per step, and the list of failures and warnings.

import { medianBy, type StepMeasurement, type StepOutcome, type StepResults } from './rounds.ts';

export const MIB = 2 ** 20;

export interface StepRow<K extends string> {
  key: K;
  label: string;
}

type Results<K extends string> = Record<string, StepResults<K> | undefined>;

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** The measurement of a step that succeeded, else undefined. */
export function measured(outcome: StepOutcome | undefined): StepMeasurement | undefined {
  return outcome && 'ms' in outcome ? outcome : undefined;
}

/** The time of a step, with the throughput over `bytes` when given; '–', 'skipped' or '**failed**' otherwise. */
export function stepCell(outcome: StepOutcome | undefined, bytes?: number): string {
  if (!outcome) return '–';
  if ('error' in outcome) return outcome.skipped ? 'skipped' : '**failed**';
  const rate = bytes ? ` (${(bytes / 1e6 / (outcome.ms / 1000)).toFixed(0)} MB/s)` : '';
  return `${seconds(outcome.ms)}${rate}${outcome.warning ? ' ⚠' : ''}`;
}

/** The largest peak RSS of any step of one tool, and that step. */
export function peakRss(
  r: { steps: Partial<Record<string, StepOutcome>> } | undefined,
): { bytes: number; step: string } | undefined {
  let best: { bytes: number; step: string } | undefined;
  for (const [step, outcome] of Object.entries(r?.steps ?? {})) {
    const o = measured(outcome);
    if (o && (!best || o.rssBytes > best.bytes)) best = { bytes: o.rssBytes, step };
  }
  return best;
}

/**
 * restic's time ÷ stepvault's for each round of a repeated step (runs of the two tools minutes apart, while the
 * machine's speed drifts by ±10%: a round's runs are adjacent); empty for a step that ran once.
 */
export function pairedRatios(stepvault: StepMeasurement, restic: StepMeasurement): number[] {
  const a = stepvault.runsMs ?? [];
  const b = restic.runsMs ?? [];
  return a.length > 1 && a.length === b.length ? a.map((ms, i) => b[i]! / ms) : [];
}

/**
 * restic's time ÷ stepvault's for a step: of a step run in rounds the median of the rounds' ratios (of an even
 * count, the lower of the two middle ones: the one less favourable to stepvault).
 */
export function timeRatio(
  stepvault: StepOutcome | undefined,
  restic: StepOutcome | undefined,
): number | undefined {
  const a = measured(stepvault);
  const b = measured(restic);
  if (!a || !b) return undefined;
  return medianBy(pairedRatios(a, b), (r) => -r) ?? b.ms / a.ms;
}

export function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : `${value.toFixed(2)}x`;
}

export function mark(pass: boolean | undefined): string {
  return pass === undefined ? '–' : pass ? '✓' : '✗';
}

/** `✓ 1.59x` when `value` reaches `min`, `✗ …` when not, `– –` without a value. */
export function atLeast(value: number | undefined, min: number): string {
  return `${mark(value === undefined ? undefined : value >= min)} ${ratio(value)}`;
}

/** One line per repeated step: every round's time of each tool in run order, and the paired ratios. */
export function roundLines<K extends string>(
  tools: readonly string[],
  results: Results<K>,
  steps: readonly StepRow<K>[],
): string[] {
  const lines: string[] = [];
  for (const { key, label } of steps) {
    const runs = tools.map((t) => [t, measured(results[t]?.steps[key])?.runsMs] as const);
    if (!runs.some(([, ms]) => ms)) continue;
    const sv = measured(results.stepvault?.steps[key]);
    const rs = measured(results.restic?.steps[key]);
    const rounds = sv && rs ? pairedRatios(sv, rs) : [];
    lines.push(
      `- ${label}: ${runs.map(([t, ms]) => `${t} ${ms ? ms.map(seconds).join(', ') : '–'}`).join('; ')}` +
        (rounds.length > 0 ? `; restic ÷ stepvault ${rounds.map(ratio).join(', ')}` : ''),
    );
  }
  return lines;
}

/** Rows of peak RSS per step and tool. */
export function rssRows<K extends string>(
  tools: readonly string[],
  results: Results<K>,
  steps: readonly StepRow<K>[],
): string[][] {
  return steps.map(({ key, label }) => [
    label,
    ...tools.map((t) => {
      const o = measured(results[t]?.steps[key]);
      return o ? `${(o.rssBytes / MIB).toFixed(0)} MiB` : '–';
    }),
  ]);
}

/** A tool's CPU time in a step, the cores that implies, and the CPU time of the rest of the machine meanwhile. */
export function cpuCell(o: StepMeasurement): string {
  return `${o.cpuSeconds.toFixed(1)} s (${(o.cpuSeconds / (o.ms / 1000)).toFixed(2)} cores); others ${o.otherCpuSeconds.toFixed(1)} s`;
}

/** The share (in %) of the machine's CPU capacity that other processes used during the timed steps. */
export function othersPercent<K extends string>(
  tools: readonly string[],
  results: Results<K>,
  steps: readonly StepRow<K>[],
  cores: number,
): number {
  let wall = 0;
  let other = 0;
  for (const t of tools) {
    for (const { key } of steps) {
      const o = measured(results[t]?.steps[key]);
      if (o) {
        wall += o.ms / 1000;
        other += o.otherCpuSeconds;
      }
    }
  }
  return wall > 0 ? (100 * other) / (wall * cores) : 0;
}

/** Every failed or skipped step, warning and restore that differed, as list items. */
export function problemLines<K extends string>(tools: readonly string[], results: Results<K>): string[] {
  const problems: string[] = [];
  for (const t of tools) {
    const res = results[t];
    for (const [step, outcome] of Object.entries(res?.steps ?? {}) as [string, StepOutcome | undefined][]) {
      if (outcome && 'error' in outcome && !outcome.skipped)
        problems.push(`- **${t} ${step} failed**: ${outcome.error}`);
      else if (outcome && 'error' in outcome) problems.push(`- ${t} ${step}: ${outcome.error}`);
      else if (outcome?.warning) problems.push(`- ${t} ${step}: ${outcome.warning}`);
    }
    if (res?.mismatch) problems.push(`- **${t} restore differs from the dataset**: ${res.mismatch}`);
  }
  return problems;
}
