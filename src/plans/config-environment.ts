// Plans as stepvault.yaml describes them, for the workflows: `planSettings` turns a configured plan into the
// secret-free settings its executions carry, and `ConfigEnvironment` serves the tasks — repositories opened
// with their resolved passwords (once, then cached), sources with their credentials, notifications through the
// configured targets. Secrets stay in this process's memory; they never enter workflow state or history.

import * as os from 'node:os';
import * as path from 'node:path';
import { type Clock, systemClock } from '../common/clock.ts';
import { StepvaultError } from '../common/errors.ts';
import type { Secret } from '../common/secret.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { stateDirOf } from '../config/load-config.ts';
import type { AwsBackupConfig, RetentionConfig, RuleConfig } from '../config/plans-schema.ts';
import type { SecretRef } from '../config/secret-ref.ts';
import { SecretResolver } from '../config/secrets/secret-resolver.ts';
import type { ConfluenceSourceConfig } from '../config/sources-schema.ts';
import { parseElapsedDuration } from '../domain/duration.ts';
import type { NotificationEvent } from '../domain/notification-event.ts';
import {
  backupConfluence,
  type ConfluenceBackupRequest,
} from '../operations/confluence/backup/backup-confluence.ts';
import { backupConfluencePart } from '../operations/confluence/backup/backup-part.ts';
import { commitConfluenceParts } from '../operations/confluence/backup/commit-parts.ts';
import { planConfluenceFanOut } from '../operations/confluence/backup/fan-out-plan.ts';
import { ClientRecord } from '../repository/client-record.ts';
import { Repository } from '../repository/repository.ts';
import { ConfluenceClient, DEFAULT_MEDIA_HOSTS } from '../sources/confluence/client/client.ts';
import type { ConfluenceAuth, ConfluenceClientOptions } from '../sources/confluence/client/client-options.ts';
import { describeSiteWait } from '../sources/confluence/client/retry-policy.ts';
import { CachedBackend } from '../storage/cached-backend.ts';
import { openLocation } from '../storage/location-registry.ts';
import { type ConfiguredNotifications, configuredNotifications } from './configured-notifications.ts';
import {
  backupOutcome,
  type NotifyReport,
  type PlanEnvironment,
  type SourceSpec,
} from './plan-environment.ts';
import type { AwsBackupSettings, PlanSettings, RuleSettings } from './plan-settings.ts';
import { RepositoryGate } from './repository-gate.ts';
import type { RetentionSettings } from './retention-tasks.ts';

export interface ConfigEnvironmentOptions {
  clock?: Clock;
  /** Sends notification events (default: to the channels of the configuration's `notifications:`). */
  notify?: (event: NotificationEvent) => Promise<NotifyReport>;
  /** Restore tests restore under this directory. @default <state dir>/scratch */
  scratchDir?: string;
  secrets?: SecretResolver;
  /** Recorded as the snapshots' host when a source does not say. @default os.hostname() */
  host?: string;
  /**
   * Where this client's record of each repository (the snapshots and chain heads it saw) and the cached objects of
   * remote repositories are kept. @default <state dir>/cache
   */
  cacheDir?: string;
  /** Told what plans cannot keep or find right (a cache that cannot be written, tampering found by a listing). */
  warn?: (message: string) => void;
}

/** Without a listener, warnings go where Node puts warnings: standard error, so a service's log has them. */
const emitWarning = (message: string) => process.emitWarning(message, 'StepvaultWarning');

export class ConfigEnvironment implements PlanEnvironment {
  readonly clock: Clock;
  readonly gate = new RepositoryGate();
  readonly scratchDir: string;
  readonly host: string;
  readonly #loaded: LoadedConfig;
  readonly #secrets: SecretResolver;
  readonly #notify: (event: NotificationEvent) => Promise<NotifyReport>;
  readonly #channels: ConfiguredNotifications | undefined;
  readonly #repositories = new Map<string, Promise<Repository>>();
  readonly #cacheDir: string;
  readonly #warn: (message: string) => void;

  constructor(loaded: LoadedConfig, options: ConfigEnvironmentOptions = {}) {
    this.#loaded = loaded;
    this.clock = options.clock ?? systemClock;
    this.scratchDir = options.scratchDir ?? path.join(stateDirOf(loaded.config), 'scratch');
    this.host = options.host ?? os.hostname();
    this.#cacheDir = options.cacheDir ?? path.join(stateDirOf(loaded.config), 'cache');
    this.#warn = options.warn ?? emitWarning;
    this.#secrets = options.secrets ?? new SecretResolver({ baseDir: loaded.dir });
    this.#channels = options.notify
      ? undefined
      : configuredNotifications(loaded, (ref) => this.#secrets.resolve(ref), this.clock);
    this.#notify = options.notify ?? ((event) => this.#channels!.send(event));
  }

  openRepository(name: string): Promise<Repository> {
    let pending = this.#repositories.get(name);
    if (!pending) {
      pending = this.#open(name);
      this.#repositories.set(name, pending);
      pending.catch(() => this.#repositories.delete(name)); // a later task may try again
    }
    return pending;
  }

  async #open(name: string): Promise<Repository> {
    const config = this.#loaded.config.repositories[name];
    if (!config) throw unknown('repository', name, Object.keys(this.#loaded.config.repositories));
    const password = await this.#secrets.resolve(config.password);
    const options: Record<string, string | Secret> = {};
    for (const [key, value] of Object.entries(config.options ?? {})) {
      options[key] = typeof value === 'string' ? value : await this.#secrets.resolve(value);
    }
    const backend = await openLocation(config.location, options);
    const opened = await Repository.open(backend, password.reveal());
    // As the CLI does: remote repositories' small objects cached, this client's record kept, tampering said.
    const repo = backend.localFiles
      ? opened
      : opened.withBackend(new CachedBackend(backend, path.join(this.#cacheDir, opened.id, 'objects')));
    repo.clientRecord = new ClientRecord(this.#cacheDir, repo.id, this.#warn);
    repo.onFindings = (findings) => {
      for (const f of findings.filter((f) => f.severity === 'error'))
        this.#warn(`repository ${name}: ${f.object} ${f.message}`);
    };
    return repo;
  }

  compressionLevel(name: string): number {
    const config = this.#loaded.config.repositories[name];
    if (!config) throw unknown('repository', name, Object.keys(this.#loaded.config.repositories));
    return config.compression;
  }

  source(name: string): SourceSpec {
    const config = this.#loaded.config.sources[name];
    if (!config) throw unknown('source', name, Object.keys(this.#loaded.config.sources));
    if (config.type === 'files') {
      return {
        type: 'files',
        paths: config.paths,
        excludes: config.excludes,
        oneFileSystem: config.oneFileSystem,
        ...(config.host ? { host: config.host } : {}),
      };
    }
    return {
      type: 'confluence',
      site: config.site,
      backup: (request, deps) =>
        this.#withClient(config, deps.signal, async (client) =>
          backupOutcome(
            await backupConfluence(
              { ...confluenceRequest(config), ...this.#stamp(request) },
              {
                repo: deps.repo,
                api: client,
                clock: deps.clock,
                signal: deps.signal,
                onProgress: deps.onProgress,
              },
            ),
          ),
        ),
      planFanOut: (request, deps) =>
        this.#withClient(config, deps.signal, (client) =>
          planConfluenceFanOut(
            { ...confluenceRequest(config), parts: request.parts },
            { ...deps, api: client },
          ),
        ),
      backupPart: (request, deps) =>
        this.#withClient(config, deps.signal, (client) =>
          backupConfluencePart(
            {
              ...confluenceRequest(config),
              ...this.#stamp(request),
              plan: request.plan,
              time: request.time,
              index: request.index,
            },
            {
              repo: deps.repo,
              api: client,
              clock: deps.clock,
              signal: deps.signal,
              onProgress: deps.onProgress,
            },
          ),
        ),
      commitParts: async (request, deps) =>
        backupOutcome(
          await commitConfluenceParts(
            {
              ...confluenceRequest(config),
              ...this.#stamp(request),
              time: request.time,
              plan: request.plan,
              parts: request.parts,
            },
            deps,
          ),
        ),
    };
  }

  /** Tags, host and compression of a backup request, the host defaulting to this environment's. */
  #stamp(request: { tags?: string[]; host?: string; compressionLevel?: number }) {
    const host = request.host ?? this.host;
    return {
      ...(request.tags ? { tags: request.tags } : {}),
      ...(host ? { host } : {}),
      ...(request.compressionLevel !== undefined ? { compressionLevel: request.compressionLevel } : {}),
    };
  }

  /**
   * Runs `use` with a client of the site, its credentials resolved here, per run. The admin key widens what this
   * account reads for everyone using it: the client holds it for the call only (renewed while it runs, disabled
   * however it ends).
   */
  async #withClient<T>(
    config: ConfluenceSourceConfig,
    signal: AbortSignal | undefined,
    use: (client: ConfluenceClient) => Promise<T>,
  ): Promise<T> {
    const options = await confluenceClientOptions(config, this.#secrets, signal);
    const client = new ConfluenceClient({ ...options, onWait: (w) => this.#warn(describeSiteWait(w)) });
    return client.withAdminKey(() => use(client), {
      ...(signal ? { signal } : {}),
      onDisableFailed: (m) => this.#warn(m),
    });
  }

  notify(event: NotificationEvent): Promise<NotifyReport> {
    return this.#notify(event);
  }

  /** Closes notification channels; repositories need no closing. */
  async close(): Promise<void> {
    await this.#channels?.close();
  }
}

/** The backup request of a configured Confluence source (what every backup of it asks for). */
function confluenceRequest(config: ConfluenceSourceConfig): ConfluenceBackupRequest {
  return {
    site: config.site,
    spaces: config.spaces === 'all' ? [] : config.spaces,
    includeArchivedSpaces: config.includeArchived,
    history: config.history,
    attachmentVersions: config.attachments.versions,
    adminKey: config.adminKey,
    sweep:
      config.metadataSweepSlices !== undefined
        ? { kind: 'rolling', slices: config.metadataSweepSlices }
        : { kind: 'every', ms: parseElapsedDuration(config.metadataSweep) },
  };
}

/**
 * The client options of a configured Confluence source, its credentials resolved from their secret references
 * at the moment a backup or restore needs them (never stored in workflow state or in restore requests).
 */
export async function confluenceClientOptions(
  config: ConfluenceSourceConfig,
  secrets: SecretResolver,
  signal?: AbortSignal,
): Promise<ConfluenceClientOptions> {
  const secret = async (ref: SecretRef) => (await secrets.resolve(ref, signal)).reveal();
  const auth: ConfluenceAuth =
    'bearer' in config.auth
      ? { kind: 'bearer', token: await secret(config.auth.bearer) }
      : { kind: 'basic', email: config.auth.email, apiToken: await secret(config.auth.token) };
  // The client paces HTTP requests in real time (backoff, Retry-After), whatever clock the caller runs on.
  return {
    baseUrl: config.site,
    auth,
    adminKey: config.adminKey,
    retry: { maxWaitMs: parseElapsedDuration(config.maxWait) },
    // Configured media hosts come in addition to Confluence's own (as `--media-host` does).
    ...(config.mediaHosts ? { mediaHosts: [...DEFAULT_MEDIA_HOSTS, ...config.mediaHosts] } : {}),
  };
}

/**
 * An environment that reads the configuration only when a task first needs it: for commands that run whatever
 * executions they find (`workflow resume`), most of which may not be plan workflows at all.
 */
export function lazyConfigEnvironment(
  load: () => LoadedConfig,
  options: ConfigEnvironmentOptions = {},
): PlanEnvironment {
  let env: ConfigEnvironment | undefined;
  const get = () => {
    env ??= new ConfigEnvironment(load(), { ...options, clock: options.clock ?? systemClock });
    return env;
  };
  const gate = new RepositoryGate();
  return {
    clock: options.clock ?? systemClock,
    gate,
    get scratchDir() {
      return get().scratchDir;
    },
    get host() {
      return get().host;
    },
    openRepository: (name) => get().openRepository(name),
    compressionLevel: (name) => get().compressionLevel(name),
    source: (name) => get().source(name),
    notify: (event) => get().notify(event),
  };
}

/**
 * Where plan executions are kept: `workflows.db` in the state directory (`server.stateDir`), shared by
 * `stepvault serve` and `stepvault plan`; STEPVAULT_WORKFLOW_STORE overrides it.
 */
export function workflowStorePath(loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (env.STEPVAULT_WORKFLOW_STORE) return path.resolve(env.STEPVAULT_WORKFLOW_STORE);
  return path.join(stateDirOf(loaded.config, env), 'workflows.db');
}

/** The plans of a configuration, as the workflows see them. */
export function planSettings(loaded: LoadedConfig, name: string): PlanSettings {
  const { config } = loaded;
  const plan = config.plans[name];
  if (!plan) throw unknown('plan', name, Object.keys(config.plans));
  const source = config.sources[plan.source];
  return {
    name,
    source: plan.source,
    sourceType: source?.type ?? 'files',
    repository: plan.repository,
    workflow: plan.workflow ?? null,
    anomaly: source?.type === 'confluence' && source.anomaly ? anomalySettings(source.anomaly) : null,
    awsBackup: plan.awsBackup ? awsBackupSettings(plan.awsBackup) : null,
    fanOut:
      source?.type === 'confluence' && source.fanOut
        ? { workers: source.fanOut.workers, parts: source.fanOut.parts ?? null }
        : null,
    rules: plan.rules.map(ruleSettings),
  };
}

export function allPlanSettings(loaded: LoadedConfig): PlanSettings[] {
  return Object.keys(loaded.config.plans).map((name) => planSettings(loaded, name));
}

/** A plan's `awsBackup:` as the AWS Backup workflow takes it: tags as TagFilters, waits in polls. */
function awsBackupSettings(config: AwsBackupConfig): AwsBackupSettings {
  const pollMs = parseElapsedDuration(config.pollEvery);
  return {
    tagFilters: Object.entries(config.tags).map(([Key, v]) => ({ Key, Values: [v].flat() })),
    resourceTypes: config.resourceTypes,
    vault: config.vault,
    iamRoleArn: config.iamRole,
    copyTo: config.copyTo ?? null,
    pollSeconds: Math.round(pollMs / 1000),
    maxPolls: Math.max(1, Math.ceil(parseElapsedDuration(config.maxWait) / Math.max(pollMs, 1000))),
  };
}

function anomalySettings(a: {
  maxDeletedPages?: number | string | undefined;
  maxChangedPages?: number | string | undefined;
}): NonNullable<PlanSettings['anomaly']> {
  return {
    ...(a.maxDeletedPages !== undefined ? { maxDeletedPages: a.maxDeletedPages } : {}),
    ...(a.maxChangedPages !== undefined ? { maxChangedPages: a.maxChangedPages } : {}),
  };
}

function ruleSettings(rule: RuleConfig): RuleSettings {
  const restoreTest = rule.verify?.restoreTest;
  return {
    name: rule.name,
    schedule: rule.schedule,
    timezone: rule.timezone,
    retention: rule.retention ? retentionSettings(rule.retention) : null,
    copyTo: rule.copyTo.map((c) => ({
      repository: c.repository,
      retention: c.retention ? retentionSettings(c.retention) : null,
    })),
    verify: {
      checkSubset: rule.verify?.checkSubset ?? null,
      restoreTest: restoreTest
        ? {
            pick: restoreTest.pick,
            within: restoreTest.within ?? null,
            compare: restoreTest.compare,
            sample: null,
          }
        : null,
    },
    tags: [...rule.tags],
    prune: { maxUnused: null },
  };
}

function retentionSettings(r: RetentionConfig): RetentionSettings {
  const count = (n: number | 'unlimited' | undefined) => (n === 'unlimited' ? -1 : n);
  const out: RetentionSettings = {};
  const entries = {
    keepLast: count(r.keepLast),
    keepHourly: count(r.keepHourly),
    keepDaily: count(r.keepDaily),
    keepWeekly: count(r.keepWeekly),
    keepMonthly: count(r.keepMonthly),
    keepYearly: count(r.keepYearly),
  };
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) out[k as keyof typeof entries] = v;
  if (r.keepWithin !== undefined) out.keepWithin = r.keepWithin;
  return out;
}

function unknown(kind: string, name: string, known: string[]): StepvaultError {
  return new StepvaultError('usage', `no ${kind} ${JSON.stringify(name)} in the configuration`, {
    hint: known.length > 0 ? `its ${kind}s: ${known.join(', ')}` : `the configuration has no ${kind}s`,
  });
}
