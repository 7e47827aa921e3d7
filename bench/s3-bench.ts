// The s3 suite: stepvault and restic side by side against the same S3 server — a RADOS Gateway on loopback — on
// the repository suite's dataset: initial backup, no-change backup, full restore (compared byte for byte), read
// all data, peak RSS, and the requests and bytes each tool exchanged with the server. The timed steps run in
// rounds (three by default), each into new buckets, the tools talking to the gateway directly, and the median run
// is reported; then one more round counts requests and bytes, each tool through its own counting proxy (which
// costs both tools time, restic's restore more than stepvault's: it is kept out of the timed rounds).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCommandLine, runsOption, scaleOption, toolsOption, UsageError } from './bench-options.ts';
import { ensureDataset, isDatasetCached } from './dataset.ts';
import { describeComposition } from './describe-dataset.ts';
import type { SuiteOutcome } from './report.ts';
import { dropCaches } from './repository-measure.ts';
import { checkFreeSpace, ensurePackages, machineInfo } from './repository-setup.ts';
import { makeToolAt, type Tool } from './repository-tools.ts';
import { medianBy, StepRunner, timestampedLog } from './rounds.ts';
import { type Gateway, startGateway } from './s3-gateway.ts';
import { renderS3Report, type S3StepKey, type S3StepMeasurement, type S3ToolResults } from './s3-report.ts';
import { startCounters, trafficOf } from './s3-traffic.ts';

const PROJECT = path.resolve(import.meta.dirname, '..');
const BENCH_DIR = path.join(PROJECT, '.bench');
const DATASET_CACHE = path.join(BENCH_DIR, 'dataset');
const WORK = path.join(BENCH_DIR, 's3', 'work');
const LOGS = path.join(BENCH_DIR, 's3', 'logs');
const S3_TOOLS = ['stepvault', 'restic'] as const;
type S3ToolName = (typeof S3_TOOLS)[number];

/** Bytes in the bucket of one tool's repository after two backups of the full dataset (~1.07 GB), with room. */
const REPOSITORY_BYTES_AT_SCALE_1 = 1.25e9;
const GiB = 2 ** 30;

export const S3_USAGE = `npm run bench -- s3 [options]

  --tools a,b        only these tools (of ${S3_TOOLS.join(', ')}; default both)
  --runs N           rounds of all steps, each into new buckets, the tools taking turns (default 3; the median
                     run is shown)
  --scale N          dataset scale (default 1: ~2 GB in ~31.5k files; 0.1 for a quick run)
  --no-count         no counting round after the timed rounds (no requests or bytes in the report)
  --memstore-gib N   the gateway's RAM store (default: room for one round's two repositories, 2.5 GB x scale +
                     0.5 GiB; the OSD process needs about twice that in RAM)
  --write            update docs/benchmarks.md even for a partial run (a full run always does)`;

interface Options {
  tools: S3ToolName[];
  scale: number;
  runs: number;
  count: boolean;
  memstoreBytes: number;
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  const values = parseCommandLine(argv, {
    tools: { type: 'string' },
    scale: { type: 'string' },
    runs: { type: 'string' },
    'no-count': { type: 'boolean' },
    'memstore-gib': { type: 'string' },
    write: { type: 'boolean' },
  });
  const scale = scaleOption(values.scale);
  const gib = values['memstore-gib'];
  const memstoreBytes =
    gib === undefined ? Math.ceil(2 * REPOSITORY_BYTES_AT_SCALE_1 * scale + GiB / 2) : Number(gib) * GiB;
  if (!(memstoreBytes > 0)) throw new UsageError('--memstore-gib must be a positive number');
  return {
    tools: toolsOption(values.tools, S3_TOOLS),
    scale,
    runs: runsOption(values.runs),
    count: !values['no-count'],
    memstoreBytes: Math.round(memstoreBytes),
    write: values.write ?? false,
  };
}

const started = performance.now();
const log = timestampedLog(started);

/** Memory the kernel could give out now, in bytes (MemAvailable). */
function availableMemory(): number {
  const kib = /^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1];
  return kib ? Number(kib) * 1024 : os.freemem();
}

/** Where a round's restore of a tool goes: a new directory each time, all removed when the run ends. */
function restoreTarget(tool: string, round: number): string {
  return path.join(WORK, 'restore', `round-${round}`, tool);
}

function bucketOf(tool: S3ToolName, round: number): string {
  return `${tool}-round-${round}`;
}

/** CPU seconds of this process (the counting proxies run in it) so far. */
function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

export async function runS3Bench(argv: string[]): Promise<SuiteOutcome> {
  const options = parseOptions(argv);
  const loadAtStart = os.loadavg()[0]!;
  const full = options.scale === 1 && options.tools.length === S3_TOOLS.length && options.count;
  log(
    `s3 suite: ${options.tools.join(', ')}, scale ${options.scale}, ${options.runs} timed round(s)` +
      (options.count ? ' and a counting round' : ''),
  );
  ensurePackages([...options.tools], log);

  const s = options.scale;
  // the dataset, unless cached, and every round's restored copies (kept until the end: see keepRestores)
  const restores = options.tools.length * (options.runs + (options.count ? 1 : 0));
  const need = (isDatasetCached(DATASET_CACHE, s) ? 0 : 2.2e9 * s) + 2.2e9 * s * restores + 0.5e9;
  fs.rmSync(path.dirname(WORK), { recursive: true, force: true });
  const free = checkFreeSpace(BENCH_DIR, need);
  log(
    `disk: needs about ${(need / 1e9).toFixed(1)} GB under ${BENCH_DIR}, ${(free / 1e9).toFixed(1)} GB free`,
  );
  // The OSD holds about twice what is stored; a full store makes writes hang instead of fail.
  const memoryNeed = 2.2 * options.memstoreBytes + GiB;
  const memory = availableMemory();
  log(
    `memory: the gateway's RAM store is ${(options.memstoreBytes / GiB).toFixed(2)} GiB (the OSD needs up to ` +
      `~${(memoryNeed / GiB).toFixed(1)} GiB), ${(memory / GiB).toFixed(1)} GiB available`,
  );
  if (memory < memoryNeed) {
    throw new Error(
      `not enough memory for the gateway: about ${(memoryNeed / GiB).toFixed(1)} GiB needed, ` +
        `${(memory / GiB).toFixed(1)} GiB available (use a smaller --scale)`,
    );
  }
  fs.mkdirSync(LOGS, { recursive: true });
  fs.mkdirSync(WORK, { recursive: true });

  const dataset = ensureDataset(DATASET_CACHE, options.scale, log);
  const generation = dataset.cached
    ? `cached (generated earlier in ${(dataset.generateMs / 1000).toFixed(1)} s)`
    : `${(dataset.generateMs / 1000).toFixed(1)} s`;
  log(
    `dataset: ${dataset.stats.files} files, ${(dataset.stats.bytes / 1e9).toFixed(2)} GB (generation ${generation})`,
  );
  // Nothing changes the dataset in this suite: the tools back up the cached copy itself.
  const source = dataset.dir;

  const dropping = dropCaches();
  log(
    dropping ? 'page cache: dropped before each timed step' : 'page cache: NOT dropped (not permitted here)',
  );

  const gateway: Gateway = await startGateway(options.memstoreBytes);
  log(`gateway: ${gateway.rgw.endpoint} (${gateway.rgw.dir})`);
  const counters = options.count ? await startCounters(gateway.rgw.endpoint, options.tools) : undefined;
  try {
    const credentials = {
      AWS_ACCESS_KEY_ID: gateway.rgw.owner.accessKeyId,
      AWS_SECRET_ACCESS_KEY: gateway.rgw.owner.secretAccessKey,
    };
    const toolIn = (name: S3ToolName, round: number, endpoint: string): Tool => {
      // stepvault under a prefix of its bucket, as its users would; restic at the bucket's root, as its users do
      const repo = `s3:${endpoint}/${bucketOf(name, round)}${name === 'stepvault' ? '/repo' : ''}`;
      return makeToolAt(name, WORK, { repo, env: credentials });
    };
    const versions: Record<string, string> = {};
    for (const name of options.tools) versions[name] = toolIn(name, 0, gateway.rgw.endpoint).version();

    /** A runner whose steps record the gateway's CPU time and, through counting proxies, the traffic. */
    const runner = (logDir: string, counting: boolean) => {
      let gatewayCpu = 0;
      let proxyCpu = 0;
      fs.mkdirSync(logDir, { recursive: true });
      return new StepRunner<S3StepKey, S3ToolResults>(
        options.tools.map((name) => ({ name })),
        {
          dropping,
          logDir,
          log,
          keepRestores: true,
          beforeStep: (tool) => {
            if (counting) counters?.get(tool)?.resetStats();
            gatewayCpu = gateway.cpuSeconds();
            proxyCpu = ownCpuSeconds();
          },
          afterStep: (tool, _key, m) => {
            const measured = m as S3StepMeasurement;
            measured.gatewayCpuSeconds = gateway.cpuSeconds() - gatewayCpu;
            if (!counting) return;
            measured.proxyCpuSeconds = ownCpuSeconds() - proxyCpu;
            const stats = counters?.get(tool)?.stats();
            if (stats) measured.traffic = trafficOf(stats);
          },
        },
      );
    };

    /** One round of every step into new buckets; the first tool alternates from round to round. */
    const runRound = async (
      steps: StepRunner<S3StepKey, S3ToolResults>,
      round: number,
      endpointOf: (name: S3ToolName) => string,
    ) => {
      const order = round % 2 === 1 ? options.tools : [...options.tools].reverse();
      const tools = order.map((name) => toolIn(name, round, endpointOf(name)));
      for (const t of tools) {
        await gateway.createBucket(bucketOf(t.name as S3ToolName, round));
        await steps.step(t, 'init', t.init(), true);
      }
      for (const t of tools) await steps.roundStep(t, 'initial', t.backup(source, 1));
      for (const t of tools) await steps.roundStep(t, 'unchanged', t.backup(source, 2));
      for (const t of tools) {
        const results = steps.results[t.name]!;
        const usage = await gateway.bucketUsage(bucketOf(t.name as S3ToolName, round));
        results.repoBytesRuns = [...(results.repoBytesRuns ?? []), usage.bytes];
        results.repoObjects = usage.objects;
      }
      for (const t of tools)
        await steps.restoreAndCompare(t, 'restore', restoreTarget(t.name, round), source, 2, () => {});
      for (const t of tools) await steps.roundStep(t, 'verify', t.verify(), false);
      for (const t of tools) await gateway.removeBucket(bucketOf(t.name as S3ToolName, round));
      const memory = gateway.peakMemory();
      log(
        `emptied the round's buckets; peak resident memory so far: OSD ${(memory.osd / GiB).toFixed(2)} GiB, ` +
          `gateway ${(memory.rgw / GiB).toFixed(2)} GiB`,
      );
    };

    const timed = runner(LOGS, false);
    for (let round = 1; round <= options.runs; round++) {
      log(`round ${round} of ${options.runs} (timed, the tools talking to the gateway directly)`);
      await runRound(timed, round, () => gateway.rgw.endpoint);
    }
    timed.summarizeRounds(options.runs);
    for (const name of options.tools) {
      const results = timed.results[name]!;
      const sizes = results.repoBytesRuns;
      if (sizes?.length === options.runs) results.repoBytes = medianBy(sizes, (b) => b)!;
    }
    let counted: StepRunner<S3StepKey, S3ToolResults> | undefined;
    if (counters) {
      log('counting round: every tool through its own counting proxy');
      counted = runner(path.join(LOGS, 'counting'), true);
      await runRound(counted, options.runs + 1, (name) => counters.get(name)!.endpoint);
      counted.summarizeRounds(1);
    }

    const memory = gateway.peakMemory();
    const markdown = renderS3Report({
      tools: [...options.tools],
      rounds: options.runs,
      results: timed.results,
      ...(counted ? { counted: counted.results } : {}),
      versions,
      machine: machineInfo(BENCH_DIR),
      gateway: {
        version: await gateway.version(),
        memstoreBytes: options.memstoreBytes,
        peakOsdBytes: memory.osd,
        peakRgwBytes: memory.rgw,
      },
      dataset: {
        files: dataset.stats.files,
        directories: dataset.stats.directories,
        bytes: dataset.stats.bytes,
        composition: describeComposition(dataset.stats, options.scale),
        generation,
      },
      cachesDropped: dropping,
      scale: options.scale,
      date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      totalMs: performance.now() - started,
      load: [loadAtStart, os.loadavg()[0]!],
    });
    log(`step output is in ${LOGS}`);
    return { markdown, write: full || options.write, ok: !timed.failed && !counted?.failed };
  } finally {
    for (const counter of counters?.values() ?? []) await counter.stop();
    await gateway.stop();
    fs.rmSync(WORK, { recursive: true, force: true });
  }
}
