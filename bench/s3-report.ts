// The s3 suite's report: the results table of the timed rounds (steps × tools, plus stepvault's ratio to restic),
// the issue's targets with ✓/✗, the requests and bytes each tool exchanged with the gateway per step and what
// counting them through a proxy cost (from the counting round), the rounds, peak RSS and CPU time per step (the
// tool's, the gateway's), and the machine, gateway and dataset it ran on.

import { table } from './report.ts';
import type { MachineInfo } from './repository-setup.ts';
import type { StepMeasurement, StepOutcome, StepResults } from './rounds.ts';
import type { Traffic } from './s3-traffic.ts';
import { TRAFFIC_KINDS } from './s3-traffic.ts';
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
  seconds,
  stepCell,
  timeRatio,
} from './step-report.ts';

export const S3_STEPS = [
  { key: 'initial', label: 'initial backup' },
  { key: 'unchanged', label: 'no-change backup' },
  { key: 'restore', label: 'full restore' },
  { key: 'verify', label: 'read-all-data check' },
] as const;
export type S3StepKey = (typeof S3_STEPS)[number]['key'];

/** A step's measurement with what the s3 suite adds to it. */
export interface S3StepMeasurement extends StepMeasurement {
  /** Requests and body bytes between the tool and the gateway (counting round only). */
  traffic?: Traffic;
  /** CPU seconds the gateway's daemons used during the step. */
  gatewayCpuSeconds?: number;
  /** CPU seconds of the benchmark's own process (the counting proxies) during the step (counting round only). */
  proxyCpuSeconds?: number;
}

export interface S3ToolResults extends StepResults<S3StepKey> {
  /** Objects and bytes in the tool's bucket after the two backups: the median round's. */
  repoBytes?: number;
  repoObjects?: number;
  repoBytesRuns?: number[];
}

export interface S3RunInfo {
  tools: string[];
  rounds: number;
  /** The timed rounds, the tools talking to the gateway directly. */
  results: Record<string, S3ToolResults>;
  /** The counting round, each tool through its own counting proxy (absent with --no-count). */
  counted?: Record<string, S3ToolResults>;
  versions: Record<string, string>;
  machine: MachineInfo;
  gateway: {
    version: string;
    memstoreBytes: number;
    peakOsdBytes: number;
    peakRgwBytes: number;
  };
  dataset: { files: number; directories: number; bytes: number; composition: string; generation: string };
  cachesDropped: boolean;
  scale: number;
  date: string;
  totalMs: number;
  load: [number, number];
}

const MB = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const GIB = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;

/** A step's measurement with the s3 suite's additions (recorded by its afterStep hook). */
function s3(outcome: StepOutcome | undefined): S3StepMeasurement | undefined {
  return measured(outcome) as S3StepMeasurement | undefined;
}

function trafficRows(
  run: S3RunInfo,
  counted: Record<string, S3ToolResults>,
): { header: string[]; rows: string[][] } {
  const kinds = new Set<string>();
  for (const t of run.tools)
    for (const { key } of S3_STEPS)
      for (const k of Object.keys(s3(counted[t]?.steps[key])?.traffic?.byKind ?? {})) kinds.add(k);
  const columns = [
    ...TRAFFIC_KINDS.filter((k) => kinds.has(k)),
    ...[...kinds].filter((k) => !(TRAFFIC_KINDS as readonly string[]).includes(k)).sort(),
  ];
  const rows: string[][] = [];
  for (const { key, label } of S3_STEPS) {
    for (const t of run.tools) {
      const traffic = s3(counted[t]?.steps[key])?.traffic;
      if (!traffic) continue;
      rows.push([
        label,
        t,
        String(traffic.requests),
        ...columns.map((k) => String(traffic.byKind[k] ?? 0)),
        MB(traffic.sentBytes),
        MB(traffic.receivedBytes),
      ]);
    }
  }
  return { header: ['step', 'tool', 'requests', ...columns, 'sent', 'received'], rows };
}

function cpuRows(run: S3RunInfo): string[][] {
  return S3_STEPS.map(({ key, label }) => [
    label,
    ...run.tools.map((t) => {
      const o = s3(run.results[t]?.steps[key]);
      if (!o) return '–';
      const gateway = o.gatewayCpuSeconds ?? 0;
      const rest = Math.max(0, o.otherCpuSeconds - gateway);
      return `${cpuCell({ ...o, otherCpuSeconds: rest })}, gateway ${gateway.toFixed(1)} s`;
    }),
  ]);
}

/** Each step's time in the counting round against the timed rounds' median, and the proxy's CPU time. */
function countingCostRows(run: S3RunInfo, counted: Record<string, S3ToolResults>): string[][] {
  const rows: string[][] = [];
  for (const { key, label } of S3_STEPS) {
    for (const t of run.tools) {
      const through = s3(counted[t]?.steps[key]);
      const direct = s3(run.results[t]?.steps[key]);
      if (!through || !direct) continue;
      rows.push([
        label,
        t,
        seconds(direct.ms),
        seconds(through.ms),
        `${(((through.ms - direct.ms) / direct.ms) * 100).toFixed(0)}%`,
        `${(through.proxyCpuSeconds ?? 0).toFixed(1)} s`,
      ]);
    }
  }
  return rows;
}

export function renderS3Report(run: S3RunInfo): string {
  const sv = run.results.stepvault;
  const rs = run.results.restic;
  const withRatio = sv !== undefined && rs !== undefined;
  const time = (key: S3StepKey) => (withRatio ? timeRatio(sv.steps[key], rs.steps[key]) : undefined);
  const header = ['step', ...run.tools, ...(withRatio ? ['stepvault vs restic'] : [])];
  const rows: string[][] = S3_STEPS.map(({ key, label }) => {
    const bytes = key === 'initial' || key === 'restore' ? run.dataset.bytes : undefined;
    return [
      label,
      ...run.tools.map((t) => stepCell(run.results[t]?.steps[key], bytes)),
      ...(withRatio ? [ratio(time(key))] : []),
    ];
  });
  const svRss = peakRss(sv);
  const rsRss = peakRss(rs);
  const size = sv?.repoBytes && rs?.repoBytes ? sv.repoBytes / rs.repoBytes : undefined;
  rows.push([
    'bucket size (2 snapshots)',
    ...run.tools.map((t) => {
      const r = run.results[t];
      return r?.repoBytes === undefined
        ? '–'
        : `${(r.repoBytes / 1e9).toFixed(3)} GB in ${r.repoObjects} objects`;
    }),
    ...(withRatio ? [ratio(size)] : []),
  ]);
  rows.push([
    'peak RSS (any step)',
    ...run.tools.map((t) => {
      const p = peakRss(run.results[t]);
      return p ? `${(p.bytes / MIB).toFixed(0)} MiB` : '–';
    }),
    ...(withRatio ? [ratio(svRss && rsRss ? svRss.bytes / rsRss.bytes : undefined)] : []),
  ]);

  const targets = [
    `- initial backup at least 1.5x restic's throughput: ${atLeast(time('initial'), 1.5)}`,
    `- no-change backup no slower than restic (≥ 1.0x): ${atLeast(time('unchanged'), 1)}`,
    `- full restore at least 1.2x restic: ${atLeast(time('restore'), 1.2)}`,
    `- peak RSS under 256 MiB: ${mark(svRss ? svRss.bytes < 256 * MIB : undefined)} ${svRss ? `${(svRss.bytes / MIB).toFixed(0)} MiB (${svRss.step})` : '–'}`,
    `- (no target) read-all-data check: ${ratio(time('verify'))}`,
  ];
  const problems = problemLines(run.tools, run.results);
  const rounds = roundLines(run.tools, run.results, S3_STEPS);
  const sizes = run.tools.map((t) => [t, run.results[t]?.repoBytesRuns] as const);
  if (sizes.some(([, b]) => b && b.length > 1)) {
    rounds.push(
      `- bucket size: ${sizes.map(([t, b]) => `${t} ${b ? b.map((x) => `${(x / 1e9).toFixed(3)} GB`).join(', ') : '–'}`).join('; ')}`,
    );
  }
  const counted = run.counted;
  const traffic = counted ? trafficRows(run, counted) : undefined;
  const noise = othersPercent(run.tools, run.results, S3_STEPS, run.machine.cores);
  const m = run.machine;
  const g = run.gateway;
  return [
    '## S3: stepvault vs restic against a RADOS Gateway',
    '',
    `Run of ${run.date}, scale ${run.scale}${run.scale === 1 ? ' (the full dataset)' : ' (a reduced dataset)'}; ` +
      `page cache ${run.cachesDropped ? 'dropped before every timed step' : '**not** dropped (not permitted here: numbers include a warm cache)'}; ` +
      'every restore compared byte for byte with the dataset (`diff -r`); in the timed rounds the tools talked to ' +
      (counted
        ? 'the gateway directly, requests and bytes were counted in a round of their own (below).'
        : 'the gateway directly; nothing was counted (`--no-count`).'),
    '',
    table(header, rows),
    '',
    withRatio
      ? "Ratio column: for times restic ÷ stepvault (above 1 means stepvault is faster; the median of the rounds' " +
        'ratios); for size and RSS stepvault ÷ restic. Throughput is dataset bytes ÷ wall time (MB = 10^6 bytes).'
      : 'Throughput is dataset bytes ÷ wall time (MB = 10^6 bytes).',
    '',
    ...(withRatio ? ['### Targets', '', ...targets, ''] : []),
    ...(problems.length ? ['### Failures and warnings', '', ...problems, ''] : []),
    ...(counted && traffic
      ? [
          '### Requests and bytes',
          '',
          'Requests each tool made in each step of the counting round (one more round after the timed ones, into new ' +
            "buckets, each tool through its own counting proxy), by kind (LIST: a listing of the tool's bucket; POST: " +
            'multipart uploads, batch deletes), and the body bytes it sent (uploads) and received (downloads, listings).',
          '',
          table(traffic.header, traffic.rows),
          '',
          'What counting costs: the counting proxy (test/support/fault-proxy.ts with faults off, in the benchmark ' +
            'process) forwards each request over a new connection to the gateway and relays every body through ' +
            "JavaScript, taking CPU time from the tool on this machine's two cores; that is why the timed rounds run " +
            "without it. Each step's time in the counting round against the timed rounds' median (one run each: " +
            'noisy):',
          '',
          table(
            ['step', 'tool', 'direct (median)', 'through the proxy', 'difference', 'proxy CPU'],
            countingCostRows(run, counted),
          ),
          '',
        ]
      : []),
    ...(run.rounds > 1
      ? [
          '### Rounds',
          '',
          `Each tool ran every step ${run.rounds} times, each round into a new bucket (a new repository); the tools ` +
            'took turns at every step, the first tool alternating from round to round, the page cache dropped before ' +
            "each run; every round's restore was compared with the dataset and its buckets were then deleted. The " +
            "tables show each step's run with the median time; peak RSS is the largest of all runs; the time ratio is " +
            "the median of the rounds' ratios. In run order:",
          '',
          ...rounds,
          '',
        ]
      : []),
    '### Peak RSS by step',
    '',
    table(['step', ...run.tools], rssRows(run.tools, run.results, S3_STEPS)),
    '',
    '### CPU time by step',
    '',
    'User + system CPU seconds of the tool (and the cores that implies), in the timed rounds; of the rest of the ' +
      "machine's CPU time during the step, all others' and the gateway's daemons'. Other processes used " +
      `${noise.toFixed(1)}% of the machine's CPU capacity during the timed steps (the gateway included): on a ` +
      'machine this small the gateway competes with the tool for the cores.',
    '',
    table(['step', ...run.tools], cpuRows(run)),
    '',
    '### Setup',
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memory} RAM, kernel ${m.kernel} (${m.os}), work directory on ${m.fileSystem}; ` +
      `load average ${run.load[0].toFixed(1)} at the start, ${run.load[1].toFixed(1)} at the end`,
    ...run.tools.map((t) => `- ${run.versions[t] ?? t}`),
    `- S3 server: ${g.version}, one RADOS Gateway (beast frontend) with one monitor and one OSD on loopback ` +
      `(test/support/rgw.ts); the OSD keeps objects in RAM (memstore of ${GIB(g.memstoreBytes)}, room for one ` +
      `round's two repositories); peak resident memory ${GIB(g.peakOsdBytes)} (OSD), ${GIB(g.peakRgwBytes)} (gateway)`,
    `- Dataset: ${run.dataset.files} files in ${run.dataset.directories} directories, ${(run.dataset.bytes / 1e9).toFixed(2)} GB: ${run.dataset.composition}; ` +
      `generation ${run.dataset.generation}; whole run ${(run.totalMs / 60_000).toFixed(1)} min`,
    '- Repositories: stepvault `-r s3:http://127.0.0.1:PORT/BUCKET/repo`, restic `-r s3:http://127.0.0.1:PORT/BUCKET`, ' +
      'a bucket per tool and round, credentials in `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, every other setting ' +
      "the tool's default (restic: 5 connections to S3); both tools run as programs, their caches under .bench/",
    `- Steps: ${run.rounds > 1 ? `${run.rounds} rounds (see above) of ` : ''}init (untimed); backup; backup again ` +
      'without changes; full restore of the latest snapshot into a new directory (restored copies are kept until ' +
      'the run ends: removing one just before the next restore would slow the file creations of that restore); ' +
      'read all data ' +
      "(`stepvault check --read-data`, `restic check --read-data`). Peak RSS is GNU time's maximum resident set size.",
    counted
      ? '- Counting: in a round of its own after the timed rounds, every tool talks to the gateway through its own ' +
        'instance of test/support/fault-proxy.ts with faults off, which forwards each request unchanged and counts ' +
        'requests by kind and body bytes both ways.'
      : '- Counting: none (`--no-count`).',
  ].join('\n');
}
