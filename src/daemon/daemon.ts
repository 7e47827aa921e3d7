// `stepvault serve` as an object: reads stepvault.yaml, opens the state directory (workflow store, daemon state,
// audit log), resumes executions a previous process left RUNNING, then schedules plan rules (catching up what
// was missed, at most once per rule), serves the HTTP API and /metrics, and follows its runs. `shutdown`
// stops taking work, lets running executions finish up to a grace period, then stops their tasks — they stay
// RUNNING in the store and resume on the next start. Time comes from the injected clock (a ManualClock in
// tests); only the grace period is real time.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AUDIT_LOG_NAME, type AuditEntry, AuditLog } from '../catalog/audit-log.ts';
import { DAEMON_STATE_NAME, DaemonState } from '../catalog/daemon-state.ts';
import { type Clock, systemClock } from '../common/clock.ts';
import { asStepvaultError } from '../common/errors.ts';
import { isAlive } from '../common/process-alive.ts';
import { type LoadedConfig, loadConfig, stateDirOf } from '../config/load-config.ts';
import type { NotificationEvent } from '../domain/notification-event.ts';
import { requireValidWorkflow, restoreWorkflowDefinition } from '../plans/builtin-workflows.ts';
import { workflowStorePath } from '../plans/config-environment.ts';
import { registerTask } from '../plans/plan-tasks.ts';
import { restoreTask } from '../plans/restore-task.ts';
import { createPlanEngine } from '../plans/run-plan.ts';
import type { DescribeOutput } from '../workflows/engine/describe.ts';
import type { WorkflowEngine } from '../workflows/engine/engine.ts';
import type { ReloadResult } from './api/api-schemas.ts';
import { createApiApp } from './api/http-app.ts';
import { type Listening, listen } from './api/http-server.ts';
import { apiBackend } from './api-backend.ts';
import { fileHash, reloadConfig } from './config-reload.ts';
import { DaemonEnvironment } from './daemon-environment.ts';
import type { DaemonEvent, DaemonEventLevel, DaemonEventSink } from './daemon-events.ts';
import { ExecutionWatch } from './execution-watch.ts';
import { type MetricsSummary, metricsSummary } from './metrics/metrics-summary.ts';
import { type PrometheusMetrics, prometheusMetrics } from './metrics/prometheus.ts';
import { rpoTransitions } from './metrics/rpo-watch.ts';
import { type RunFact, RunFacts } from './metrics/run-facts.ts';
import { SourceStats } from './metrics/source-stats.ts';
import { RestoreDesk } from './restore/restore-desk.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { acquireStateLock, type StateLock } from './state-lock.ts';

export interface DaemonOptions {
  /** stepvault.yaml (absolute or relative to the working directory). */
  configFile: string;
  /** @default systemClock */
  clock?: Clock;
  /** Overrides `server.listen` (HOST:PORT or PORT; port 0 takes a free one). */
  listen?: string;
  /** Scheduled runs at once per repository (counting its copy targets). @default 1 */
  maxRunsPerRepository?: number;
  /** Where secret references read environment variables. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Recorded as the snapshots' host when a source does not say. @default os.hostname() */
  host?: string;
  onEvent?: DaemonEventSink;
}

export class Daemon {
  readonly clock: Clock;
  readonly stateDir: string;
  readonly engine: WorkflowEngine;
  readonly env: DaemonEnvironment;
  readonly state: DaemonState;
  readonly audit: AuditLog;
  readonly scheduler: Scheduler;
  readonly restores: RestoreDesk;
  readonly stats: SourceStats;
  readonly startedAt: number;
  readonly #options: DaemonOptions;
  readonly #watch: ExecutionWatch;
  readonly #prometheus: PrometheusMetrics;
  readonly #facts: RunFacts;
  readonly #pending = new Set<Promise<unknown>>();
  readonly #lock: StateLock;
  #listening: Listening | undefined;
  #started = 0;
  #writesAllowed = true;
  #shutdown: Promise<void> | undefined;

  private constructor(options: DaemonOptions, loaded: LoadedConfig, audit: AuditLog, lock: StateLock) {
    this.#options = options;
    this.#lock = lock;
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now().getTime();
    this.stateDir = stateDirOf(loaded.config, options.env ?? process.env);
    this.audit = audit;
    this.state = new DaemonState(path.join(this.stateDir, DAEMON_STATE_NAME));
    this.env = new DaemonEnvironment(loaded, {
      clock: this.clock,
      ...(options.env ? { env: options.env } : {}),
      host: options.host ?? os.hostname(),
    });
    this.engine = createPlanEngine({
      store: workflowStorePath(loaded, options.env ?? process.env),
      environment: this.env,
    });
    registerTask(this.engine.registry, 'restore', restoreTask(this.env));
    const restoreDefinition = restoreWorkflowDefinition();
    requireValidWorkflow(this.engine, restoreDefinition, 'restore (built-in)');
    this.#watch = new ExecutionWatch(this.engine, (d) => this.#ended(d));
    this.#facts = new RunFacts(this.engine);
    this.#prometheus = prometheusMetrics(this.startedAt);
    this.stats = new SourceStats(this.env, (source, e) =>
      this.report(
        'warn',
        'stats.failed',
        `cannot compute the statistics of source ${source}: ${asStepvaultError(e).message}`,
        {
          source,
        },
      ),
    );
    this.restores = new RestoreDesk({
      state: this.state,
      engine: () => this.engine,
      env: this.env,
      clock: this.clock,
      definition: restoreDefinition,
      notify: (event) => this.notify(event),
      started: (arn) => this.follow(arn),
    });
    this.scheduler = new Scheduler({
      clock: this.clock,
      state: this.state,
      engine: this.engine,
      env: this.env,
      maxRunsPerRepository: options.maxRunsPerRepository ?? 1,
      audit: (entry) => this.#auditQuietly(entry),
      notify: (event) => this.notify(event),
      report: (level, event, message, fields) => this.report(level, event, message, fields),
      started: (arn) => this.follow(arn),
      onTick: async (now) => this.#watchRpo(now),
    });
  }

  /** Reads the configuration, resumes interrupted executions, starts scheduling and serving. */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const loaded = loadConfig(options.configFile);
    const clock = options.clock ?? systemClock;
    const stateDir = stateDirOf(loaded.config, options.env ?? process.env);
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const lock = acquireStateLock(stateDir, isAlive);
    let daemon: Daemon;
    try {
      const audit = await AuditLog.open(path.join(stateDir, AUDIT_LOG_NAME), { clock });
      try {
        daemon = new Daemon(options, loaded, audit, lock);
      } catch (e) {
        await audit.close();
        throw e;
      }
    } catch (e) {
      lock.release();
      throw e;
    }
    try {
      await daemon.#begin(loaded);
    } catch (e) {
      await daemon.shutdown(0);
      throw e;
    }
    return daemon;
  }

  async #begin(loaded: LoadedConfig): Promise<void> {
    await this.audit.append({
      actor: 'stepvault',
      action: 'daemon.start',
      target: 'daemon',
      details: { config: loaded.file, sha256: fileHash(loaded.file), pid: process.pid },
    });
    const resumed = await this.engine.resumeExecutions();
    for (const arn of resumed) this.follow(arn);
    if (resumed.length > 0) {
      this.report('info', 'daemon.resumed', `resumed ${resumed.length} interrupted execution(s)`, {
        executions: resumed.map((a) => a.split(':').at(-1)).join(' '),
      });
    }
    await this.restores.recover();
    this.stats.refreshAll();
    this.#watch.start();
    this.scheduler.start();
    // The catch-up is decided before the API answers: what it shows after a start already includes it.
    await this.scheduler.poke();
    const address = this.#options.listen ?? loaded.config.server?.listen ?? '127.0.0.1:8420';
    const app = createApiApp(apiBackend(this), { writesAllowed: () => this.#writesAllowed });
    this.#listening = await listen(app, address);
    this.report('info', 'daemon.listening', `listening on ${this.#listening.url}`, {
      url: this.#listening.url,
    });
  }

  /** Where the API listens: `http://HOST:PORT`. */
  get url(): string {
    return this.#listening?.url ?? '';
  }

  get loaded(): LoadedConfig {
    return this.env.loaded;
  }

  /** Executions started so far by this daemon (scheduler and API). */
  get startedCount(): number {
    return this.#started;
  }

  report(level: DaemonEventLevel, event: string, message: string, fields: DaemonEvent['fields'] = {}): void {
    this.#options.onEvent?.({ time: this.clock.now().toISOString(), level, event, message, fields });
  }

  /** Sends an event to the configured channels in the background (its failure is reported, never thrown). */
  notify(event: NotificationEvent): void {
    this.#track(
      this.env.notify(event).then(
        (r) => {
          for (const f of r.failed)
            this.report(
              'warn',
              'notify.failed',
              `notification ${event.kind} to ${f.target} failed: ${f.error}`,
              {
                kind: event.kind,
                target: f.target,
              },
            );
        },
        (e: unknown) =>
          this.report(
            'warn',
            'notify.failed',
            `notification ${event.kind} failed: ${asStepvaultError(e).message}`,
            {
              kind: event.kind,
            },
          ),
      ),
    );
  }

  /** Follows an execution to its end. */
  follow(executionArn: string): void {
    this.#started++;
    this.#watch.watch(executionArn);
  }

  /** Every top-level execution in the store, newest first. */
  runs(): RunFact[] {
    return this.#facts.all();
  }

  metricsSummary(): MetricsSummary {
    return metricsSummary({
      now: this.clock.now().getTime(),
      config: this.env.loaded.config,
      runs: this.runs(),
      stats: (source) => this.stats.get(source),
      firstSeen: this.state.firstSeen(),
      scheduleLog: this.state.scheduleCounts(),
    });
  }

  async prometheus(): Promise<{ contentType: string; text: string }> {
    return {
      contentType: this.#prometheus.contentType,
      text: await this.#prometheus.render(this.metricsSummary()),
    };
  }

  /** Reads stepvault.yaml again; an invalid file changes nothing (and is audited as such). */
  async reload(actor: string): Promise<ReloadResult> {
    const result = await reloadConfig(
      {
        env: this.env,
        audit: this.audit,
        stateDir: this.stateDir,
        processEnv: this.#options.env ?? process.env,
        report: (level, event, message, fields) => this.report(level, event, message, fields),
      },
      actor,
    );
    this.stats.refreshAll();
    void this.scheduler.poke();
    return result;
  }

  /**
   * Waits until nothing more happens on its own at the clock's current time: every started execution ended,
   * no scheduled run is startable, notifications are sent and statistics computed. For tests with a ManualClock.
   */
  async settled(): Promise<void> {
    for (;;) {
      const before = this.#started;
      await this.scheduler.poke();
      await this.engine.idle();
      this.#watch.check();
      await Promise.allSettled([...this.#pending]);
      await this.stats.idle();
      if (this.#started === before && this.engine.activeExecutions === 0 && this.#pending.size === 0) return;
    }
  }

  /**
   * Stops taking work (no new scheduled runs, API writes refused), lets running executions end for up to
   * `graceMs` of real time, then stops their tasks: they stay RUNNING and resume at the next start.
   */
  shutdown(graceMs: number): Promise<void> {
    this.#shutdown ??= this.#stop(graceMs);
    return this.#shutdown;
  }

  async #stop(graceMs: number): Promise<void> {
    this.report(
      'info',
      'daemon.stopping',
      `stopping: waiting up to ${Math.round(graceMs / 1000)}s for running executions`,
      {
        running: this.engine.activeExecutions,
      },
    );
    this.#writesAllowed = false;
    await this.scheduler.stop();
    if (this.engine.activeExecutions > 0) {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'expired'>((resolve) => {
        timer = setTimeout(() => resolve('expired'), graceMs);
      });
      const outcome = await Promise.race([this.engine.idle().then(() => 'idle' as const), expired]);
      clearTimeout(timer);
      if (outcome === 'expired') {
        this.report(
          'warn',
          'daemon.grace-expired',
          `${this.engine.activeExecutions} execution(s) still running: their tasks are stopped; they resume at the next start`,
          {},
        );
      }
    }
    await this.#listening?.close();
    this.#watch.check();
    this.#watch.stop();
    await this.engine.close();
    await Promise.allSettled([...this.#pending]);
    await this.env.close();
    await this.#auditQuietly({ actor: 'stepvault', action: 'daemon.stop', target: 'daemon', details: {} });
    await this.audit.close();
    this.state.close();
    this.#lock.release();
    this.report('info', 'daemon.stopped', 'stopped', {});
  }

  #ended(d: DescribeOutput): void {
    const workflow =
      d.stateMachineArn
        .split(':')
        .at(-1)
        ?.replace(/^stepvault-/, '') ?? '?';
    const input = JSON.parse(d.input) as { plan?: string; rule?: string; source?: string };
    const level = d.status === 'SUCCEEDED' ? 'info' : 'warn';
    this.report(level, 'run.ended', `${workflow} ${d.name}: ${d.status}${d.error ? ` (${d.error})` : ''}`, {
      workflow,
      execution: d.name,
      status: d.status,
      plan: input.plan ?? null,
      rule: input.rule ?? null,
      error: d.error ?? null,
    });
    if (workflow === 'backup' && d.status === 'SUCCEEDED' && typeof input.source === 'string')
      this.stats.refresh(input.source);
    if (!this.#shutdown) void this.scheduler.poke();
  }

  /** Announces RPO breaches and recoveries (once each); returns when the next breach would be. */
  #watchRpo(now: number): number | undefined {
    const { transitions, wakeAt } = rpoTransitions(
      this.metricsSummary().sources,
      this.state.rpoStates(),
      now,
    );
    for (const t of transitions) {
      this.state.setRpoState(t.source, t.breached, now);
      if (!t.event) continue;
      this.report(t.breached ? 'error' : 'info', t.event.kind, t.event.message ?? t.event.kind, {
        source: t.source,
      });
      this.notify(t.event);
    }
    return wakeAt;
  }

  /** Audit records of the daemon's own doings: a failure to write one is reported, never thrown. */
  async #auditQuietly(entry: AuditEntry): Promise<void> {
    try {
      await this.audit.append(entry);
    } catch (e) {
      this.report('error', 'audit.failed', `cannot write the audit log: ${asStepvaultError(e).message}`, {
        action: entry.action,
      });
    }
  }

  #track(promise: Promise<unknown>): void {
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise));
  }
}
