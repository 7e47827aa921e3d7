// The scheduler's loop: at each tick it asks scheduler-core what to do (start, skip, stop, remember), does it —
// a scheduled run is started as a backup execution named after its scheduled time, then recorded as handled,
// so a crash in between finds the execution instead of starting a second one — and sleeps on the injected
// clock until the next moment that needs a decision, a poke (a run ended, the configuration changed) or the
// fallback interval (runs other processes start are seen then).

import type { AuditEntry } from '../../catalog/audit-log.ts';
import type { DaemonState } from '../../catalog/daemon-state.ts';
import type { Clock } from '../../common/clock.ts';
import { asStepvaultError } from '../../common/errors.ts';
import type { NotificationEvent } from '../../domain/notification-event.ts';
import { planSettings } from '../../plans/config-environment.ts';
import { startPlanRun } from '../../plans/run-plan.ts';
import type { WorkflowEngine } from '../../workflows/engine/engine.ts';
import type { DaemonEnvironment } from '../daemon-environment.ts';
import type { DaemonEventLevel } from '../daemon-events.ts';
import { runningBackups, scheduledRules, scheduledRunName } from './scheduled-rules.ts';
import { type Decision, planTick, type ScheduledRule, type Waiting } from './scheduler-core.ts';

/** Without anything due sooner, the scheduler still looks every minute (of its clock). */
const FALLBACK_MS = 60_000;

export interface SchedulerDeps {
  clock: Clock;
  state: DaemonState;
  engine: WorkflowEngine;
  env: DaemonEnvironment;
  maxRunsPerRepository: number;
  audit(entry: AuditEntry): Promise<unknown>;
  notify(event: NotificationEvent): void;
  report(
    level: DaemonEventLevel,
    event: string,
    message: string,
    fields: Record<string, string | number | boolean | null>,
  ): void;
  /** Told about each execution the scheduler starts (to follow it to its end). */
  started(executionArn: string): void;
  /** More work per tick (the RPO watch); returns when it wants the next tick, if ever. */
  onTick?(now: number): Promise<number | undefined>;
}

export class Scheduler {
  readonly #deps: SchedulerDeps;
  #rules: { config: unknown; rules: ScheduledRule[] } | undefined;
  #waiting: Waiting[] = [];
  readonly #stopsSent = new Set<string>();
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  #pokeRequested = false;
  #ticksBegun = 0;
  #waiters: { tick: number; resolve: () => void }[] = [];

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
  }

  /** Runs due now that wait (their rule running, their repositories busy). */
  get waiting(): readonly Waiting[] {
    return this.#waiting;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Asks for a tick now; resolves when a tick that began after the call has finished. */
  poke(): Promise<void> {
    const tick = this.#ticksBegun + 1;
    const done = new Promise<void>((resolve) => this.#waiters.push({ tick, resolve }));
    this.#pokeRequested = true;
    this.#wake?.();
    if (!this.#loop || this.#stopping) this.#release(Number.POSITIVE_INFINITY);
    return done;
  }

  /** Stops taking work: no tick starts after this; resolves when the current one has finished. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    this.#release(Number.POSITIVE_INFINITY);
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      this.#pokeRequested = false;
      const tick = ++this.#ticksBegun;
      let wakeAt: number | undefined;
      try {
        wakeAt = await this.#tick();
      } catch (e) {
        this.#deps.report(
          'error',
          'scheduler.error',
          `a scheduler tick failed: ${asStepvaultError(e).message}`,
          {},
        );
      }
      this.#release(tick);
      if (this.#stopping) break;
      if (this.#pokeRequested) continue;
      const now = this.#deps.clock.now().getTime();
      const delay = Math.min((wakeAt ?? Number.POSITIVE_INFINITY) - now, FALLBACK_MS);
      if (delay <= 0) continue;
      const ac = new AbortController();
      await Promise.race([
        this.#deps.clock.sleep(delay, ac.signal).catch(() => undefined),
        new Promise<void>((resolve) => {
          this.#wake = resolve;
        }),
      ]);
      this.#wake = undefined;
      ac.abort();
    }
  }

  #release(tick: number): void {
    const ready = this.#waiters.filter((w) => w.tick <= tick);
    this.#waiters = this.#waiters.filter((w) => w.tick > tick);
    for (const w of ready) w.resolve();
  }

  #currentRules(): ScheduledRule[] {
    const config = this.#deps.env.loaded.config;
    if (this.#rules?.config !== config) this.#rules = { config, rules: scheduledRules(config) };
    return this.#rules.rules;
  }

  async #tick(): Promise<number | undefined> {
    const { clock, state, engine } = this.#deps;
    const now = clock.now().getTime();
    const running = runningBackups(engine);
    for (const arn of this.#stopsSent)
      if (!running.some((r) => r.executionArn === arn)) this.#stopsSent.delete(arn);
    const plan = planTick({
      now,
      rules: this.#currentRules(),
      lastHandled: state.lastScheduled(),
      running: running.filter((r) => !this.#stopsSent.has(r.executionArn)),
      maxRunsPerRepository: this.#deps.maxRunsPerRepository,
    });
    this.#waiting = plan.waiting;
    for (const decision of plan.decisions) await this.#apply(decision, now);
    const extra = await this.#deps.onTick?.(now);
    const wakes = [plan.wakeAt, extra].filter((t): t is number => t !== undefined);
    return wakes.length > 0 ? Math.min(...wakes) : undefined;
  }

  async #apply(d: Decision, now: number): Promise<void> {
    const { state, report } = this.#deps;
    const [plan = '', rule = ''] = d.key.split('/');
    const fields = { plan, rule };
    switch (d.kind) {
      case 'remember':
        state.rememberRule(d.key, d.at);
        return;
      case 'skip': {
        state.record(
          {
            time: now,
            ruleKey: d.key,
            due: d.due,
            outcome: d.reason,
            runs: d.runs,
            execution: null,
            detail: null,
          },
          d.through,
        );
        const what =
          d.runs === 1
            ? `the run due ${iso(d.due)}`
            : `${d.runs} runs due ${iso(d.due)} to ${iso(d.through)}`;
        if (d.reason === 'missed') {
          report('warn', 'run.missed', `${plan}/${rule}: ${what} could not start inside the start window`, {
            ...fields,
            due: iso(d.due),
            runs: d.runs,
          });
          this.#deps.notify({
            kind: 'window.missed',
            time: iso(now),
            plan,
            rule,
            message: `${what} of plan ${plan} rule ${rule} could not start inside its start window`,
            summary: { runs: d.runs, firstDue: iso(d.due), lastDue: iso(d.through) },
          });
        } else {
          report('info', 'run.superseded', `${plan}/${rule}: ${what} superseded by a later scheduled run`, {
            ...fields,
            due: iso(d.due),
            runs: d.runs,
          });
        }
        return;
      }
      case 'start':
        await this.#start(d.key, plan, rule, d.due, now);
        return;
      case 'stop':
        this.#stop(d.key, plan, rule, d.executionArn, now);
        return;
    }
  }

  async #start(key: string, plan: string, rule: string, due: number, now: number): Promise<void> {
    const { engine, state, env, report } = this.#deps;
    const name = scheduledRunName(plan, rule, due);
    let arn: string;
    try {
      const started = await startPlanRun(engine, { plan: planSettings(env.loaded, plan), rule, name });
      arn = started.executionArn;
    } catch (e) {
      const error = asStepvaultError(e);
      if (error.code === 'conflict') {
        // Another process started a run of this rule meanwhile: wait for it like for our own.
        report('info', 'run.waiting', `${plan}/${rule}: ${error.message}`, { plan, rule, due: iso(due) });
        return;
      }
      state.record(
        {
          time: now,
          ruleKey: key,
          due,
          outcome: 'not-started',
          runs: 1,
          execution: null,
          detail: error.message,
        },
        due,
      );
      report(
        'error',
        'run.not-started',
        `${plan}/${rule}: the run due ${iso(due)} could not start: ${error.message}`,
        {
          plan,
          rule,
          due: iso(due),
        },
      );
      this.#deps.notify({
        kind: 'backup.failed',
        time: iso(now),
        plan,
        rule,
        message: `the run of plan ${plan} rule ${rule} due ${iso(due)} could not start`,
        error: { code: error.code, message: error.message },
      });
      return;
    }
    state.record(
      { time: now, ruleKey: key, due, outcome: 'started', runs: 1, execution: arn, detail: null },
      due,
    );
    this.#deps.started(arn);
    report('info', 'run.started', `${plan}/${rule}: started ${name}`, {
      plan,
      rule,
      execution: name,
      due: iso(due),
      lateSeconds: Math.round((now - due) / 1000),
    });
    await this.#deps.audit({
      actor: 'scheduler',
      action: 'backup.run',
      target: `plan:${plan}/${rule}`,
      details: { execution: name, scheduledFor: iso(due), lateSeconds: Math.round((now - due) / 1000) },
    });
  }

  #stop(key: string, plan: string, rule: string, executionArn: string, now: number): void {
    const { engine, state, report } = this.#deps;
    this.#stopsSent.add(executionArn);
    const name = executionArn.split(':').at(-1) ?? executionArn;
    const cause = `the run was still going at the end of the completion window of rule ${rule}`;
    state.record(
      {
        time: now,
        ruleKey: key,
        due: now,
        outcome: 'stopped',
        runs: 1,
        execution: executionArn,
        detail: cause,
      },
      0,
    );
    report('warn', 'run.stopped', `${plan}/${rule}: stopping ${name}: ${cause}`, {
      plan,
      rule,
      execution: name,
    });
    this.#deps.notify({
      kind: 'window.exceeded',
      time: iso(now),
      plan,
      rule,
      executionId: executionArn,
      message: `plan ${plan} rule ${rule}: ${name} stopped, ${cause}`,
    });
    void this.#deps.audit({
      actor: 'scheduler',
      action: 'backup.stop',
      target: `execution:${name}`,
      details: { plan, rule, reason: 'completion window exceeded' },
    });
    engine.stopExecution(executionArn, 'Stepvault.CompletionWindowExceeded', cause).catch((e: unknown) => {
      report(
        'error',
        'run.stop-failed',
        `${plan}/${rule}: cannot stop ${name}: ${asStepvaultError(e).message}`,
        {
          plan,
          rule,
          execution: name,
        },
      );
    });
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
