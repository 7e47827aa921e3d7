// The markdown section of the Confluence benchmark in docs/benchmarks.md: steps × (stepvault, naive exporter)
// with wall time, requests by category, bytes, 429s and the time the rate limit allows; the ratios; the issue's
// targets with ✓/✗ and the arithmetic behind "listing + changed items"; requests by endpoint; the setup.

import type { CpuUse } from './confluence-cpu.ts';
import type { ExpectedIncremental } from './confluence-expected.ts';
import { CATEGORIES, type RequestCounts } from './confluence-measure.ts';
import type { StepOutcome } from './confluence-step.ts';
import { table } from './report.ts';
import type { MachineInfo } from './repository-setup.ts';

export interface MeasuredStep {
  id: 'full' | 'incremental' | 'sweep';
  tool: 'stepvault' | 'naive';
  outcome: StepOutcome;
  counts: RequestCounts;
  /** CPU of the simulator and of the rest of the machine while the step's process ran. */
  cpu: CpuUse;
  /** Repository size after a stepvault step. */
  repositoryBytes?: number;
}

export interface ConfluenceRun {
  startedAt: Date;
  totalSeconds: number;
  scale: number;
  latencyMs: number;
  rateLimit: { requestsPerSecond: number; burst: number };
  dataset: { seed: number; spaces: number; pages: number; attachments: number };
  summary: Record<string, number>;
  generateSeconds: number;
  editedPages: number;
  steps: MeasuredStep[];
  expected: ExpectedIncremental;
  machine: MachineInfo;
  commit: string;
  load: [number, number];
  /** Problems seen (a partial snapshot, a missing counter, ...), printed in their own list. */
  problems: string[];
}

const STEP_LABELS: Record<MeasuredStep['id'], Record<MeasuredStep['tool'], string>> = {
  full: { stepvault: 'full backup', naive: 'full export' },
  incremental: { stepvault: 'incremental after 1% edits (no sweep)', naive: 'export again after 1% edits' },
  sweep: { stepvault: 'metadata sweep (incremental with the sweep forced)', naive: '—' },
};

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (s: number) =>
  s >= 100 ? `${s.toFixed(0)} s` : s >= 10 ? `${s.toFixed(1)} s` : `${s.toFixed(2)} s`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const size = (bytes: number) => (bytes >= 1e6 ? mb(bytes) : `${(bytes / 1e3).toFixed(0)} kB`);
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : '—');
const mark = (ok: boolean) => (ok ? '✓' : '✗');

function stepRow(s: MeasuredStep): string[] {
  const c = s.counts;
  return [
    STEP_LABELS[s.id][s.tool],
    s.tool,
    secs(s.outcome.seconds),
    `${int(c.requests)} (${CATEGORIES.map((k) => int(c.byCategory[k])).join(' / ')})`,
    int(c.mediaRequests),
    `${mb(c.apiBytes)} + ${mb(c.mediaBytes)}`,
    int(c.rateLimited),
    secs(c.allowedSeconds),
    ratio(s.outcome.seconds, c.allowedSeconds),
    `${s.outcome.peakRssMiB.toFixed(0)} MiB`,
  ];
}

function cpuRow(s: MeasuredStep, cores: number): string[] {
  const share = s.cpu.wall > 0 ? (100 * s.cpu.others) / (s.cpu.wall * cores) : 0;
  return [
    STEP_LABELS[s.id][s.tool],
    s.tool,
    `${s.outcome.cpuSeconds.toFixed(1)} s`,
    `${s.cpu.simulator.toFixed(1)} s`,
    `${s.cpu.others.toFixed(1)} s (${share.toFixed(0)}% of the machine)`,
  ];
}

function noise(run: ConfluenceRun): number {
  const capacity = run.steps.reduce((sum, s) => sum + s.cpu.wall * run.machine.cores, 0);
  const others = run.steps.reduce((sum, s) => sum + s.cpu.others, 0);
  return capacity > 0 ? (100 * others) / capacity : 0;
}

function find(
  run: ConfluenceRun,
  id: MeasuredStep['id'],
  tool: MeasuredStep['tool'],
): MeasuredStep | undefined {
  return run.steps.find((s) => s.id === id && s.tool === tool);
}

function targets(run: ConfluenceRun): string[] {
  const lines: string[] = [];
  const full = find(run, 'full', 'stepvault');
  const inc = find(run, 'incremental', 'stepvault');
  const sweep = find(run, 'sweep', 'stepvault');
  if (full) {
    const r = full.outcome.seconds / full.counts.allowedSeconds;
    lines.push(
      `- full backup within 1.2x of the time the rate limit allows for its requests: ${mark(r <= 1.2)} ` +
        `${r.toFixed(2)}x (${secs(full.outcome.seconds)} for ${int(full.counts.requests - full.counts.rateLimited)} ` +
        `admitted requests, which the limit allows in ${secs(full.counts.allowedSeconds)})`,
    );
  }
  if (inc) {
    const r = inc.counts.requests / run.expected.total;
    lines.push(
      `- incremental (without the sweep) makes at most 1.1x the requests of listing + changed items: ${mark(r <= 1.1)} ` +
        `${r.toFixed(2)}x (${int(inc.counts.requests)} requests; listing + changed items = ${int(run.expected.total)}, see below)`,
    );
  }
  if (inc && full) {
    const share = inc.outcome.seconds / full.outcome.seconds;
    lines.push(
      `- incremental takes under 5% of the full backup's time: ${mark(share < 0.05)} ${(share * 100).toFixed(1)}% ` +
        `(${secs(inc.outcome.seconds)} vs ${secs(full.outcome.seconds)})`,
    );
  }
  if (sweep && inc) {
    const own = sweep.counts.requests - inc.counts.byCategory.listing;
    lines.push(
      `- metadata sweep, reported on its own (no target): ${int(sweep.counts.requests)} requests in ` +
        `${secs(sweep.outcome.seconds)} (the limit allows ${secs(sweep.counts.allowedSeconds)}); about ${int(own)} of ` +
        `them are the sweep's own (the step's requests minus the ${int(inc.counts.byCategory.listing)} listing requests ` +
        `an incremental makes anyway)${ownSweep(sweep)}`,
    );
  }
  return lines;
}

/** The backup's own accounting of its sweep phase (`summary.confluence.sweep`), when it reported one. */
function ownSweep(step: MeasuredStep): string {
  const counts = step.outcome.detail.counts as { sweep?: { requests: number; seconds: number } } | undefined;
  if (!counts?.sweep) return '';
  return `; the backup itself reports ${int(counts.sweep.requests)} requests in ${secs(counts.sweep.seconds)} for its sweep phase`;
}

interface WorkCounts {
  items?: number;
  itemsNew?: number;
  itemsFetched?: number;
  itemsReused?: number;
  attachmentsDownloaded?: number;
  attachmentsReused?: number;
  pages?: number;
  blogPosts?: number;
  attachments?: number;
}

function workRow(s: MeasuredStep): string[] {
  const d = s.outcome.detail;
  if (s.tool === 'naive') {
    const n = d as WorkCounts;
    return [
      STEP_LABELS[s.id][s.tool],
      s.tool,
      `${int((n.pages ?? 0) + (n.blogPosts ?? 0))} pages and blog posts, all fetched`,
      `${int(n.attachments ?? 0)} downloaded`,
      '—',
    ];
  }
  const c = (d.counts ?? {}) as WorkCounts;
  const partial = d.partial ? ` (partial: ${JSON.stringify(d.missing)})` : '';
  return [
    STEP_LABELS[s.id][s.tool],
    s.tool,
    `${int(c.items ?? 0)} items: ${int(c.itemsFetched ?? 0)} fetched (${int(c.itemsNew ?? 0)} new), ` +
      `${int(c.itemsReused ?? 0)} reused`,
    `${int(c.attachmentsDownloaded ?? 0)} downloaded, ${int(c.attachmentsReused ?? 0)} reused`,
    `${String(d.snapshotId ?? '?').slice(0, 8)}${partial}`,
  ];
}

function ratioRows(run: ConfluenceRun): string[][] {
  const rows: string[][] = [];
  for (const id of ['full', 'incremental'] as const) {
    const sv = find(run, id, 'stepvault');
    const nv = find(run, id, 'naive');
    if (!sv || !nv) continue;
    rows.push([
      id === 'full' ? 'full' : 'after 1% edits',
      ratio(nv.counts.requests, sv.counts.requests),
      ratio(nv.counts.apiBytes + nv.counts.mediaBytes, sv.counts.apiBytes + sv.counts.mediaBytes),
      ratio(nv.outcome.seconds, sv.outcome.seconds),
    ]);
  }
  return rows;
}

function endpointRows(run: ConfluenceRun): string[][] {
  const endpoints = new Set<string>();
  for (const s of run.steps) for (const e of Object.keys(s.counts.endpoints)) endpoints.add(e);
  return [...endpoints]
    .sort()
    .map((e) => [`\`${e}\``, ...run.steps.map((s) => int(s.counts.endpoints[e] ?? 0))]);
}

function repositoryLine(run: ConfluenceRun): string {
  const sizes = run.steps.filter((s) => s.repositoryBytes !== undefined);
  if (sizes.length === 0) return '';
  const parts = sizes.map((s, i) => {
    const grew = i === 0 ? s.repositoryBytes! : s.repositoryBytes! - sizes[i - 1]!.repositoryBytes!;
    return i === 0 ? `${size(grew)} after the full backup` : `+${size(grew)} after the ${s.id} step`;
  });
  return `Repository size (deduplicated, compressed, encrypted): ${parts.join(', ')}.`;
}

export function renderConfluenceReport(run: ConfluenceRun): string {
  const m = run.machine;
  const e = run.expected;
  const d = run.summary;
  const full = find(run, 'full', 'stepvault');
  const latencyFloor = full
    ? ((full.counts.requests - full.counts.rateLimited) * run.latencyMs) /
      1000 /
      Math.max(1, full.outcome.client?.concurrencyLimit ?? 1)
    : 0;
  const stamp = `${run.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return [
    '## Confluence: stepvault vs a naive exporter',
    '',
    `Run of ${stamp}, scale ${run.scale}${run.scale === 1 ? ' (the full dataset)' : ''}: a simulated Confluence Cloud ` +
      `site (${int(run.dataset.pages)} pages, ${int(run.dataset.attachments)} attachments, ${run.dataset.spaces} spaces) ` +
      `behind ${run.latencyMs} ms of latency per request and a burst rate limit of ${run.rateLimit.requestsPerSecond} ` +
      `requests/s (bucket of ${run.rateLimit.burst}). Both tools run through the same \`ConfluenceClient\` ` +
      '(same shared limiter, same concurrency limit), each step in its own process.',
    '',
    table(
      [
        'step',
        'tool',
        'wall time',
        'site requests (listing / bodies / attachments / metadata)',
        'media downloads',
        'bytes (API + media)',
        '429s',
        'rate limit allows',
        'wall ÷ allowed',
        'peak RSS',
      ],
      run.steps.map(stepRow),
    ),
    '',
    '"Rate limit allows" is the shortest time in which the admitted site requests (429s take no token) pass the ' +
      'token bucket: (requests − burst) ÷ rate. The media host (attachment bytes after the download redirect) is ' +
      "not rate limited, so its requests are counted apart. Peak RSS is that of the step's own process (the " +
      'simulator runs in another one).',
    '',
    repositoryLine(run),
    '',
    '### What each step did',
    '',
    'As the tools report it. stepvault counts every item of the layout (pages, blog posts, folders, whiteboards, ' +
      'databases, smart links, in every status it keeps); a reused item is grafted from the parent snapshot ' +
      'without a request.',
    '',
    table(['step', 'tool', 'content', 'attachments', 'snapshot'], run.steps.map(workRow)),
    '',
    '### Naive exporter ÷ stepvault',
    '',
    table(['step', 'requests', 'bytes', 'wall time'], ratioRows(run)),
    '',
    '### Targets (issue 4)',
    '',
    ...targets(run),
    '',
    ...(run.problems.length
      ? ['### Failures and warnings', '', ...run.problems.map((p) => `- ${p}`), '']
      : []),
    '### "Listing + changed items", from first principles',
    '',
    ...e.explanation.map((line) => `- ${line}`),
    `- Total: ${int(e.listing)} listing requests + ${int(e.changed)} for the changed items = **${int(e.total)}**.`,
    '',
    '### Latency versus the limit',
    '',
    `Every request waits ${run.latencyMs} ms before its answer. With the client's concurrency limit at the end of ` +
      `the full backup (${full?.outcome.client?.concurrencyLimit ?? '?'} requests in flight), latency alone would bound ` +
      `the full backup's site requests to about ${secs(latencyFloor)}, against ${full ? secs(full.counts.allowedSeconds) : '?'} ` +
      'for the rate limit: the limit, not latency, is the bound, as intended.',
    '',
    '### CPU time by step',
    '',
    "User + system CPU seconds of the step's process, of the simulator, and of everything else on the machine " +
      `while the step ran. The rest of the machine used ${noise(run).toFixed(0)}% of its CPU capacity during the ` +
      "steps; a loaded machine delays the simulator's answers and the tools alike, so steps with large numbers " +
      'there are less trustworthy.',
    '',
    table(
      ['step', 'tool', 'tool CPU', 'simulator CPU', 'rest of the machine'],
      run.steps.map((s) => cpuRow(s, run.machine.cores)),
    ),
    '',
    '### Requests by endpoint',
    '',
    table(['endpoint', ...run.steps.map((s) => `${s.tool}: ${s.id}`)], endpointRows(run)),
    '',
    '### Setup',
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memory} RAM, kernel ${m.kernel} (${m.os}), work directory on ` +
      `${m.fileSystem}; load average ${run.load[0].toFixed(1)} at the start, ${run.load[1].toFixed(1)} at the end`,
    `- stepvault commit ${run.commit}, Node ${process.version}; whole run ${(run.totalSeconds / 60).toFixed(1)} min`,
    `- Site (seed ${run.dataset.seed}, generated in ${run.generateSeconds.toFixed(1)} s): ${int(d.spaces ?? 0)} spaces ` +
      `(the last one archived); ${int(d.pages ?? 0)} pages and ${int(d.blogPosts ?? 0)} blog posts, of which ` +
      `${int(d.archived ?? 0)} archived, ${int(d.trashed ?? 0)} trashed and ${int(d.drafts ?? 0)} drafts; ` +
      `${int(d.pageVersions ?? 0)} page versions; ${int(d.treeItems ?? 0)} folders, whiteboards, databases and smart ` +
      `links; ${int(d.attachments ?? 0)} attachments (${mb(d.attachmentBytes ?? 0)}); ${int(d.comments ?? 0)} comments. ` +
      'Both tools use their defaults: the backup keeps the latest version of pages and attachments (no history).',
    `- Change before the incremental step: \`sim.edits.editPages({ fraction: 0.01 })\`, a new version of ` +
      `${int(run.editedPages)} current pages (new body, same title)`,
    '- The simulator runs in a child process (`bench/confluence-sim-process.ts`, the same simulator as ' +
      '`stepvault dev confluence-sim` plus an IPC channel for the edits); counters are read over HTTP ' +
      '(`GET /__sim/stats`, reset before every step); each step starts after the token bucket has refilled.',
    '- Repository: a local repository under `.bench/confluence/` created with `Repository.init`, default chunker ' +
      'and pack size, and a fast argon2id key slot (256 KiB, 1 pass), as the tests use: key derivation is not ' +
      'what this benchmark measures.',
    "- Naive exporter (`bench/confluence-naive.ts`): lists every space's pages and blog posts, then per item " +
      'GETs the storage body, the ADF body, labels, content properties, top-level footer and inline comments and ' +
      'the attachment list, and downloads every attachment; bodies and binaries are hashed and discarded (no ' +
      'disk writes). It does not fetch comment replies, restrictions, history, folders or space metadata, so it ' +
      'does less than the backup per item.',
  ].join('\n');
}
