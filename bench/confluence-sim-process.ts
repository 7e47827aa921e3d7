// The Confluence simulator of the benchmark, run in a child process of its own so that the backups measured
// beside it have their own peak memory and CPU: the parent starts it with the latency, rate limit and dataset,
// asks it for edits over the IPC channel, and reads its counters over HTTP (`GET /__sim/stats`, `POST
// /__sim/stats/reset`), as any client of `stepvault dev confluence-sim` would. (That command has no way to
// make edits while it runs, which the incremental step needs; this is the same simulator with that added.)

import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { RateLimitConfig } from '../devtools/confluence-sim/rate-limiter.ts';
import type { StatsSnapshot } from '../devtools/confluence-sim/stats.ts';

export interface SimProcessConfig {
  latencyMs: number;
  rateLimit: RateLimitConfig;
  dataset: { seed: number; spaces: number; pages: number; attachments: number };
}

export interface SimProcessInfo {
  siteUrl: string;
  mediaOrigin: string;
  email: string;
  apiToken: string;
  /** What the generator made (content ids per status left out). */
  summary: Record<string, number>;
  /** Content items of the site by `kind:status` and spaces by status, for the expected-request arithmetic. */
  census: SiteCensus;
  generateSeconds: number;
}

export interface SiteCensus {
  spaces: { id: string; key: string; status: string }[];
  /** Counts by `kind:status` and by `spaceId`, e.g. `page:current`. */
  contentByKindStatus: Record<string, number>;
  /** Per space id: counts by `kind:status`. */
  contentBySpace: Record<string, Record<string, number>>;
  attachments: number;
  attachmentVersions: number;
  attachmentBytes: number;
}

type Request = { op: 'edit-pages'; fraction: number; seed: number } | { op: 'close' };
type Reply =
  | { op: 'ready'; info: SimProcessInfo }
  | { op: 'edited'; ids: string[] }
  | { op: 'error'; message: string };

/** The parent's handle on the simulator process. */
export class SimProcess {
  readonly info: SimProcessInfo;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, info: SimProcessInfo) {
    this.#child = child;
    this.info = info;
  }

  static async start(config: SimProcessConfig): Promise<SimProcess> {
    const child = fork(import.meta.filename, [JSON.stringify(config)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const reply = await nextReply(child);
    if (reply.op !== 'ready')
      throw new Error(`the simulator process did not start: ${JSON.stringify(reply)}`);
    return new SimProcess(child, reply.info);
  }

  /** The simulator's process id (for CPU accounting). */
  get pid(): number {
    return this.#child.pid!;
  }

  /** New versions of this share of the current pages (the same pages for the same seed); returns their ids. */
  async editPages(fraction: number, seed: number): Promise<string[]> {
    this.#child.send({ op: 'edit-pages', fraction, seed } satisfies Request);
    const reply = await nextReply(this.#child);
    if (reply.op !== 'edited') throw new Error(`edit failed: ${JSON.stringify(reply)}`);
    return reply.ids;
  }

  async stats(): Promise<StatsSnapshot> {
    const response = await fetch(`${this.info.siteUrl}/__sim/stats`);
    if (!response.ok) throw new Error(`GET /__sim/stats answered ${response.status}`);
    return (await response.json()) as StatsSnapshot;
  }

  async resetStats(): Promise<void> {
    const response = await fetch(`${this.info.siteUrl}/__sim/stats/reset`, { method: 'POST' });
    if (!response.ok) throw new Error(`POST /__sim/stats/reset answered ${response.status}`);
    await response.arrayBuffer();
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = once(this.#child, 'exit');
    this.#child.send({ op: 'close' } satisfies Request);
    await exited;
  }
}

function nextReply(child: ChildProcess): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Reply) => {
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null) => {
      child.off('message', onMessage);
      reject(new Error(`the simulator process exited (code ${code})`));
    };
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
}

async function serve(config: SimProcessConfig): Promise<void> {
  const { startConfluenceSim } = await import('../devtools/confluence-sim/simulator.ts');
  const sim = await startConfluenceSim({ latencyMs: config.latencyMs, rateLimit: config.rateLimit });
  const started = performance.now();
  const summary = sim.generate(config.dataset);
  const generateSeconds = (performance.now() - started) / 1000;
  const census: SiteCensus = {
    spaces: [...sim.store.spaces.values()].map((s) => ({ id: s.id, key: s.key, status: s.status })),
    contentByKindStatus: {},
    contentBySpace: {},
    attachments: 0,
    attachmentVersions: 0,
    attachmentBytes: summary.attachmentBytes,
  };
  for (const c of sim.store.contents.values()) {
    const key = `${c.kind}:${c.status}`;
    census.contentByKindStatus[key] = (census.contentByKindStatus[key] ?? 0) + 1;
    census.contentBySpace[c.spaceId] ??= {};
    const bySpace = census.contentBySpace[c.spaceId]!;
    bySpace[key] = (bySpace[key] ?? 0) + 1;
  }
  for (const a of sim.store.attachments.values()) {
    census.attachments++;
    census.attachmentVersions += a.versions.length;
  }
  const send = (reply: Reply) => process.send!(reply);
  send({
    op: 'ready',
    info: {
      siteUrl: sim.siteUrl,
      mediaOrigin: sim.mediaOrigin,
      email: sim.credentials.email,
      apiToken: sim.credentials.apiToken,
      summary: {
        spaces: summary.spaces,
        pages: summary.pages,
        blogPosts: summary.blogPosts,
        treeItems: summary.treeItems,
        attachments: summary.attachments,
        attachmentBytes: summary.attachmentBytes,
        pageVersions: summary.pageVersions,
        comments: summary.comments,
        trashed: summary.trashed.length,
        archived: summary.archived.length,
        drafts: summary.drafts.length,
      },
      census,
      generateSeconds,
    },
  });
  process.on('message', (request: Request) => {
    try {
      if (request.op === 'edit-pages') {
        send({ op: 'edited', ids: sim.edits.editPages({ fraction: request.fraction, seed: request.seed }) });
      } else if (request.op === 'close') {
        void sim.close().then(() => process.exit(0));
      }
    } catch (error) {
      send({ op: 'error', message: (error as Error).message });
    }
  });
  process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
}

if (process.argv[1] === import.meta.filename && process.send) {
  await serve(JSON.parse(process.argv[2]!) as SimProcessConfig);
}
