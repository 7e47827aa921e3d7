// Starts a simulated Confluence Cloud site: the site listener (REST v2 + v1, site URL and gateway paths), the
// media listener (attachment bytes behind the download redirect, another origin) and the rogue listener (a
// host no client should ever contact). Returns the handle tests and benchmarks use: URLs and credentials, the
// store, the dataset generator, edits, faults, latency and rate-limit settings, counters, and `close()`.

import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { type Clock, systemClock } from '../../src/common/clock.ts';
import { CQL_TYPES } from './cql.ts';
import { CursorCodec } from './cursor.ts';
import { ADMIN_EMAIL, DEMO_SECRETS, type Directory, seedBuiltins, seedDirectory } from './directory.ts';
import { SimEdits } from './edits.ts';
import { type FaultConfig, FaultInjector } from './faults.ts';
import { type DatasetOptions, type DatasetSummary, generateDataset } from './generate-dataset.ts';
import { createSiteApp } from './http-app.ts';
import { DEFAULT_WRITE_LIMITS, type SimDeps, type SimSettings, type WriteLimits } from './http-context.ts';
import { MediaSigner, startMediaServer, startRogueServer } from './media-server.ts';
import { PointsQuota, type PointsQuotaConfig } from './points-quota.ts';
import { hash32, pseudoUuid } from './prng.ts';
import { minimumSeconds, type RateLimitConfig, TokenBucket } from './rate-limiter.ts';
import { type DescribeOptions, describeSite, type SiteDescription } from './site-description.ts';
import { SimStats } from './stats.ts';
import { SimStore } from './store.ts';

export interface ConfluenceSimOptions {
  /** `<siteName>.atlassian.net` is the host pages link to; also seeds ids and the cloud id. @default 'acme' */
  siteName?: string;
  /** Interface of all listeners. @default '127.0.0.1' */
  host?: string;
  /** Port of the site listener (the media and rogue listeners always take free ports). @default 0 */
  port?: number;
  /** Host name of the media and rogue listeners, to make them differ from the site by name too. @default host */
  mediaHost?: string;
  /** Time for timestamps, rate limiting, URL expiry and the latency sleep. @default systemClock */
  clock?: Clock;
  /** Delay before every response (site and media). @default 0 */
  latencyMs?: number;
  /** Burst rate limit; none when absent. */
  rateLimit?: RateLimitConfig;
  /** A points quota, reset every window (hourly on Cloud): 429s with Retry-After up to the window. */
  pointsQuota?: PointsQuotaConfig;
  faults?: FaultConfig;
  /** Content types the site's CQL knows: a search naming another is a 400, as on a Cloud site without, say,
   * databases. @default every type the simulator has */
  cqlTypes?: readonly string[];
  /** Sizes past which writes are refused with 413 (Cloud's: 5 MiB of JSON, 100 MiB per attached file). */
  limits?: Partial<WriteLimits>;
  /**
   * First content id. By default it depends on the site name and on how many simulators this process started
   * before, so an original and its restore target never hand out the same ids (which would hide a client that
   * forgets to rewrite ids). Pass it to pin ids across runs of different tests.
   */
  idBase?: number;
}

export interface SimCredentials {
  email: string;
  apiToken: string;
  scopedToken: string;
  bearerToken: string;
  readOnlyToken: string;
  /** `Authorization` value for the site URL (Basic, classic token). */
  siteAuthorization: string;
  /** `Authorization` value for the gateway URL (Bearer). */
  gatewayAuthorization: string;
}

export interface ConfluenceSim {
  /** Origin of the site, e.g. `http://127.0.0.1:41234`; the REST APIs live under `${siteUrl}/wiki`. */
  readonly siteUrl: string;
  /** `${siteUrl}/ex/confluence/${cloudId}`: the api.atlassian.com-style base for scoped and OAuth tokens. */
  readonly gatewayUrl: string;
  readonly cloudId: string;
  readonly mediaOrigin: string;
  readonly rogueOrigin: string;
  readonly credentials: SimCredentials;
  readonly store: SimStore;
  readonly stats: SimStats;
  readonly faults: FaultInjector;
  readonly edits: SimEdits;
  /** Fills the site with a seeded dataset (users and groups included). */
  generate(options: DatasetOptions): DatasetSummary;
  /** Adds the seeded users and groups only: for a restore target that must know the same principals. */
  seedDirectory(seed: number, users?: number): Directory;
  setLatency(ms: number): void;
  setRateLimit(config: RateLimitConfig | undefined): void;
  /** The content types the site's CQL knows from now on (`cqlTypes`). */
  setCqlTypes(types: readonly string[]): void;
  setPointsQuota(config: PointsQuotaConfig | undefined): void;
  /** Sizes past which writes are refused with 413 from now on (unnamed ones keep their value). */
  setLimits(limits: Partial<WriteLimits>): void;
  /** Seconds the current rate limit needs at least for `requests` requests (0 without a limit). */
  minimumSecondsFor(requests: number): number;
  /** A canonical, id-free description of the site's content, for comparing two sites. */
  describe(options?: DescribeOptions): SiteDescription;
  /** The API routes the site serves (method and path under the site URL, `:name` for parameters). */
  routes(): { method: string; path: string }[];
  close(): Promise<void>;
}

function basic(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}

let started = 0;

export async function startConfluenceSim(options: ConfluenceSimOptions = {}): Promise<ConfluenceSim> {
  const instance = started++;
  const siteName = options.siteName ?? 'acme';
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const store = new SimStore({
    clock,
    siteName,
    idBase: options.idBase ?? 100_000 + ((hash32('id-base', siteName) + instance * 37) % 900) * 1_000_000,
    cloudId: pseudoUuid('cloud', siteName),
  });
  seedBuiltins(store);
  const stats = new SimStats();
  const faults = new FaultInjector();
  if (options.faults) faults.set(options.faults);
  const settings: SimSettings = {
    latencyMs: options.latencyMs ?? 0,
    limiter: options.rateLimit ? new TokenBucket(options.rateLimit, clock) : undefined,
    cqlTypes: options.cqlTypes ?? CQL_TYPES,
    quota: options.pointsQuota ? new PointsQuota(options.pointsQuota, clock) : undefined,
    limits: { ...DEFAULT_WRITE_LIMITS, ...options.limits },
  };
  let rateLimit = options.rateLimit;
  const edits = new SimEdits(store);
  const secret = `sim-media:${siteName}`;
  const signer = new MediaSigner(secret, store);
  let siteOrigin = '';
  const deps: SimDeps = {
    store,
    stats,
    faults,
    cursors: new CursorCodec(`cursor:${siteName}`),
    media: signer,
    clock,
    settings,
    randomChange: (seed) => edits.randomChange(seed),
    siteOrigin: () => siteOrigin,
  };
  const sleep = (ms: number) => clock.sleep(ms);
  const media = await startMediaServer(
    { store, signer, stats, faults, settings, sleep },
    options.mediaHost ?? host,
  );
  const rogue = await startRogueServer(stats, options.mediaHost ?? host);
  signer.mediaOrigin = media.origin;
  signer.rogueOrigin = rogue.origin;
  const app = createSiteApp(deps);
  const site = createAdaptorServer({ fetch: app.fetch, overrideGlobalObjects: false }) as Server;
  site.listen(options.port ?? 0, host);
  await once(site, 'listening');
  const { port } = site.address() as AddressInfo;
  siteOrigin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const servers = [site, media.server, rogue.server];

  return {
    siteUrl: siteOrigin,
    gatewayUrl: `${siteOrigin}/ex/confluence/${store.cloudId}`,
    cloudId: store.cloudId,
    mediaOrigin: media.origin,
    rogueOrigin: rogue.origin,
    credentials: {
      email: ADMIN_EMAIL,
      ...DEMO_SECRETS,
      siteAuthorization: basic(ADMIN_EMAIL, DEMO_SECRETS.apiToken),
      gatewayAuthorization: `Bearer ${DEMO_SECRETS.bearerToken}`,
    },
    store,
    stats,
    faults,
    edits,
    generate: (dataset) => generateDataset(store, dataset),
    seedDirectory: (seed, users = 12) => seedDirectory(store, seed, users),
    setLatency: (ms) => {
      settings.latencyMs = ms;
    },
    setCqlTypes: (types) => {
      settings.cqlTypes = [...types];
    },
    setRateLimit: (config) => {
      rateLimit = config;
      settings.limiter = config ? new TokenBucket(config, clock) : undefined;
    },
    setPointsQuota: (config) => {
      settings.quota = config ? new PointsQuota(config, clock) : undefined;
    },
    setLimits: (limits) => {
      settings.limits = { ...settings.limits, ...limits };
    },
    minimumSecondsFor: (requests) => (rateLimit ? minimumSeconds(requests, rateLimit) : 0),
    describe: (describeOptions) => describeSite(store, describeOptions),
    routes: () =>
      app.routes
        .filter((r) => r.method !== 'ALL' && r.path.startsWith('/wiki/'))
        .map((r) => ({ method: r.method, path: r.path })),
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
}
