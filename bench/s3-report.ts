// The s3 suite's report: the results table (steps × tools, plus stepvault's ratio to restic), the issue's targets
// with ✓/✗, the requests and bytes each tool exchanged with the gateway per step, the rounds, peak RSS and CPU time
// per step (the tool's, the gateway's, the counting proxy's), and the machine, gateway and dataset it ran on.

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
  /** Requests and body bytes between the tool and the gateway (absent with --direct). */
  traffic?: Traffic;
  /** CPU seconds the gateway's daemons used during the step. */
  gatewayCpuSeconds?: number;
  /** CPU seconds of the benchmark's own process (the counting proxies) during the step. */
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
  results: Record<string, S3ToolResults>;
  versions: Record<string, string>;
  machine: MachineInfo;
  gateway: {
    version: string;
    memstoreBytes: number;
    peakOsdBytes: number;
    peakRgwBytes: number;
  };
  /** False with --direct: the tools talked to the gateway without counting proxies. */
  counted: boolean;
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

function trafficRows(run: S3RunInfo): { header: string[]; rows: string[][] } {
  const kinds = new Set<string>();
  for (const t of run.tools)
    for (const { key } of S3_STEPS)
      for (const k of Object.keys(s3(run.results[t]?.steps[key])?.traffic?.byKind ?? {})) kinds.add(k);
  const columns = [
    ...TRAFFIC_KINDS.filter((k) => kinds.has(k)),
    ...[...kinds].filter((k) => !(TRAFFIC_KINDS as readonly string[]).includes(k)).sort(),
  ];
  const rows: string[][] = [];
  for (const { key, label } of S3_STEPS) {
    for (const t of run.tools) {
      const traffic = s3(run.results[t]?.steps[key])?.traffic;
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
      const proxy = o.proxyCpuSeconds ?? 0;
      const rest = Math.max(0, o.otherCpuSeconds - gateway - proxy);
      return `${cpuCell({ ...o, otherCpuSeconds: rest })}, gateway ${gateway.toFixed(1)} s, proxy ${proxy.toFixed(1)} s`;
    }),
  ]);
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
  const traffic = trafficRows(run);
  const noise = othersPercent(run.tools, run.results, S3_STEPS, run.machine.cores);
  const m = run.machine;
  const g = run.gateway;
  return [
    '## S3: stepvault vs restic against a RADOS Gateway',
    '',
    `Run of ${run.date}, scale ${run.scale}${run.scale === 1 ? ' (the full dataset)' : ' (a reduced dataset)'}; ` +
      `page cache ${run.cachesDropped ? 'dropped before every timed step' : '**not** dropped (not permitted here: numbers include a warm cache)'}; ` +
      'every restore compared byte for byte with the dataset (`diff -r`); ' +
      (run.counted
        ? 'each tool talked to the gateway through its own counting proxy.'
        : '**the tools talked to the gateway directly** (`--direct`): no requests counted.'),
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
    ...(run.counted
      ? [
          '### Requests and bytes',
          '',
          "Requests each tool made in the median run of each step, by kind (LIST: a listing of the tool's bucket; " +
            'POST: multipart uploads, batch deletes), and the body bytes it sent (uploads) and received (downloads, ' +
            'listings), as its counting proxy saw them.',
          '',
          table(traffic.header, traffic.rows),
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
    "User + system CPU seconds of the tool (and the cores that implies); of the rest of the machine's CPU time " +
      "during the step, the gateway's daemons', the counting proxies' (the benchmark's own process), and all " +
      `others'. Other processes used ${noise.toFixed(1)}% of the machine's CPU capacity during the timed steps ` +
      '(gateway and proxies included): on a machine this small the gateway competes with the tool for the cores.',
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
      'without changes; full restore of the latest snapshot into an empty directory; read all data ' +
      "(`stepvault check --read-data`, `restic check --read-data`). Peak RSS is GNU time's maximum resident set size.",
    run.counted
      ? '- Counting: every tool talks to the gateway through its own instance of test/support/fault-proxy.ts with faults ' +
        'off, in the benchmark process: it forwards each request unchanged over a new connection to the gateway and ' +
        'counts requests by kind and body bytes both ways. Its cost is in the CPU table ("proxy"); `--direct` runs ' +
        'without it.'
      : '- Counting: none (`--direct`).',
  ].join('\n');
}
