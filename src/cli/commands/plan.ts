// `stepvault plan list | run`: the backup plans of stepvault.yaml. `list` shows each rule's schedule, its next
// runs in the rule's time zone and its last run (from the workflow store); `run` runs one rule's workflow now on
// the durable engine, printing each state as it starts, succeeds or fails, and exits with the outcome
// (0 succeeded, 3 the backup is partial, 1 failed; 130 interrupted, the execution is then left to resume).

import * as path from 'node:path';
import type { Command } from 'commander';
import { findConfigFile, type LoadedConfig, loadConfig } from '../../config/load-config.ts';
import { parseSchedule } from '../../domain/schedule.ts';
import { BUILTIN_WORKFLOWS, type BuiltinWorkflow } from '../../plans/builtin-workflows.ts';
import {
  allPlanSettings,
  ConfigEnvironment,
  planSettings,
  workflowStorePath,
} from '../../plans/config-environment.ts';
import type { PlanSettings, RuleSettings } from '../../plans/plan-settings.ts';
import { createPlanEngine, planRunResult, startPlanRun } from '../../plans/run-plan.ts';
import { isObject, type Json } from '../../workflows/asl/json.ts';
import type { DescribeOutput } from '../../workflows/engine/describe.ts';
import type { WorkflowEngine } from '../../workflows/engine/engine.ts';
import { action, type CommandContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { choice, integer } from '../option-parsers.ts';
import { table } from '../output/format.ts';

interface PlanOptions {
  config?: string;
  store?: string;
}

/** --store, else STEPVAULT_WORKFLOW_STORE, else workflows.db in the state directory (where `serve` keeps it too). */
function planStorePath(options: PlanOptions, loaded: LoadedConfig): string {
  return options.store ? path.resolve(options.store) : workflowStorePath(loaded);
}

function openPlans(
  options: PlanOptions,
  warn: (message: string) => void,
): {
  loaded: LoadedConfig;
  engine: WorkflowEngine;
  close(): Promise<void>;
} {
  const loaded = loadConfig(findConfigFile(options.config));
  const environment = new ConfigEnvironment(loaded, { warn });
  const engine = createPlanEngine({ store: planStorePath(options, loaded), environment });
  return {
    loaded,
    engine,
    close: async () => {
      await engine.close();
      await environment.close();
    },
  };
}

export function register(program: Command): void {
  const group = program.command('plan').description('backup plans of stepvault.yaml: list them, run one now');

  group
    .command('list')
    .description('list plans and rules with their next runs and last run')
    .option('-c, --config <file>', 'configuration file (env STEPVAULT_CONFIG; default ./stepvault.yaml)')
    .option('--store <file>', 'workflow store (default: workflows.db in the state directory)')
    .option('--next <n>', 'how many next runs to show per rule', integer('--next', 1), 1)
    .action(
      action(async (ctx, opts: PlanOptions & { next: number }) => {
        const { loaded, engine, close } = openPlans(opts, (message) => ctx.out.warn(message));
        try {
          const now = engine.clock.now();
          const rows: string[][] = [];
          for (const plan of allPlanSettings(loaded)) {
            for (const rule of plan.rules) {
              const next = nextRuns(rule, now, opts.next);
              const last = lastRun(engine, plan.name, rule.name);
              ctx.out.message('plan_rule', {
                plan: plan.name,
                rule: rule.name,
                source: plan.source,
                repository: plan.repository,
                copy_to: rule.copyTo.map((c) => c.repository),
                schedule: rule.schedule,
                timezone: rule.timezone,
                next_runs: next.map((d) => d.toISOString()),
                last_run: last
                  ? {
                      execution: last.name,
                      status: last.status,
                      start: last.startDate,
                      stop: last.stopDate ?? null,
                    }
                  : null,
                workflow: plan.workflow ?? 'built-in',
              });
              rows.push([
                plan.name,
                rule.name,
                plan.source,
                [plan.repository, ...rule.copyTo.map((c) => c.repository)].join(' -> '),
                rule.schedule ?? '',
                next.map((d) => zonedTime(d, rule.timezone)).join(', '),
                last ? `${last.status} ${zonedTime(new Date(last.startDate), rule.timezone)}` : 'never',
              ]);
            }
          }
          if (!ctx.out.json) {
            for (const line of table(
              ['Plan', 'Rule', 'Source', 'Repositories', 'Schedule', 'Next run', 'Last run'],
              rows,
            ))
              ctx.out.line(line);
            ctx.out.line(`${rows.length} rules`);
          }
          return EXIT.ok;
        } finally {
          await close();
        }
      }),
    );

  group
    .command('run')
    .description("run a plan's rule now on the durable engine and wait for the outcome")
    .argument('<plan>', 'the plan (a key of plans: in the configuration)')
    .option('-c, --config <file>', 'configuration file (env STEPVAULT_CONFIG; default ./stepvault.yaml)')
    .option('--store <file>', 'workflow store (default: workflows.db in the state directory)')
    .option('--rule <name>', "the rule to run (default: the plan's first)")
    .option(
      '--workflow <name>',
      `which workflow: ${BUILTIN_WORKFLOWS.join(', ')}`,
      choice('--workflow', BUILTIN_WORKFLOWS),
      'backup',
    )
    .action(
      action(
        async (ctx, planName: string, opts: PlanOptions & { rule?: string; workflow: BuiltinWorkflow }) => {
          const { loaded, engine, close } = openPlans(opts, (message) => ctx.out.warn(message));
          try {
            const plan = planSettings(loaded, planName);
            const started = await startPlanRun(engine, {
              plan,
              workflow: opts.workflow,
              ...(opts.rule !== undefined ? { rule: opts.rule } : {}),
            });
            ctx.out.item(
              'plan_run_started',
              {
                plan: plan.name,
                workflow: started.workflow,
                execution: started.name,
                execution_arn: started.executionArn,
              },
              `${started.workflow} of plan ${plan.name}: execution ${started.name}`,
            );
            const d = await followExecution(ctx, engine, started.executionArn);
            if (d === 'interrupted') {
              process.stderr.write(
                `execution ${started.name} is still RUNNING; continue it with: stepvault workflow --store ${planStorePath(opts, loaded)} resume\n`,
              );
              return EXIT.interrupted;
            }
            const result = planRunResult(started, d);
            report(ctx, plan, result.status, result.output, result.error, result.cause, started.name);
            if (result.status !== 'SUCCEEDED') return EXIT.failed;
            return result.partial ? EXIT.partial : EXIT.ok;
          } finally {
            await close();
          }
        },
      ),
    );
}

/** The next runs of a rule, or none for a rule run only on demand. */
function nextRuns(rule: RuleSettings, now: Date, count: number): Date[] {
  if (!rule.schedule) return [];
  return parseSchedule(rule.schedule, rule.timezone).nextRuns(now, count);
}

/** The newest backup execution of a plan's rule that the store knows. */
function lastRun(engine: WorkflowEngine, plan: string, rule: string): DescribeOutput | undefined {
  for (const d of engine.listExecutions({ limit: 10_000 })) {
    if (!d.stateMachineArn.endsWith(':stateMachine:stepvault-backup')) continue;
    const input = JSON.parse(d.input) as { plan?: unknown; rule?: unknown };
    if (input.plan === plan && input.rule === rule) return d;
  }
  return undefined;
}

/** "2026-03-02 03:00 Europe/Berlin": a time as the rule's time zone shows it. */
export function zonedTime(d: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${timeZone}`;
}

/**
 * Waits for the execution, printing its states as they start and end (stderr, or `state` messages with
 * --json). Returns how it ended, or 'interrupted' on SIGINT/SIGTERM (the execution stays RUNNING).
 */
async function followExecution(
  ctx: CommandContext,
  engine: WorkflowEngine,
  arn: string,
): Promise<DescribeOutput | 'interrupted'> {
  let seen = 0;
  const show = () => {
    const { events } = engine.getExecutionHistory(arn, { includeExecutionData: true });
    const trail = new StateTrail(events);
    for (const e of events.slice(seen)) {
      const line = trail.describe(e);
      if (!line) continue;
      if (ctx.out.json) ctx.out.message('state', line.fields);
      else if (!ctx.out.quiet) process.stderr.write(`${line.text}\n`);
    }
    seen = events.length;
  };
  const interrupted = new Promise<'interrupted'>((resolve) =>
    ctx.signal.addEventListener('abort', () => resolve('interrupted'), { once: true }),
  );
  const done = engine.waitForExecution(arn);
  for (;;) {
    const tick = new Promise<'tick'>((resolve) => setTimeout(() => resolve('tick'), 250).unref());
    const outcome = await Promise.race([done, interrupted, tick]);
    show();
    if (outcome !== 'tick') return outcome;
  }
}

/**
 * Reads the task states of a history: which state an event belongs to (following previousEventId back to the
 * state's entry), and whether its last task attempt failed (a caught failure exits the state too).
 */
class StateTrail {
  readonly #byId = new Map<number, Record<string, unknown>>();
  readonly #failed = new Set<string>();

  constructor(events: Record<string, unknown>[]) {
    for (const e of events) this.#byId.set(Number(e.id), e);
  }

  #stateOf(e: Record<string, unknown>): string {
    let at: Record<string, unknown> | undefined = e;
    for (let hops = 0; at && hops < 64; hops++) {
      if (String(at.type).endsWith('StateEntered'))
        return String((at.stateEnteredEventDetails as Record<string, unknown>).name);
      at = this.#byId.get(Number(at.previousEventId));
    }
    return '?';
  }

  /** What a history event says about a task state, for people and for --json; undefined for the rest. */
  describe(e: Record<string, unknown>): { text: string; fields: Record<string, unknown> } | undefined {
    const type = String(e.type);
    const details = (key: string) => (e[key] ?? {}) as Record<string, unknown>;
    if (type === 'TaskStateEntered') {
      const name = this.#stateOf(e);
      this.#failed.delete(name);
      return { text: `  ${name} ...`, fields: { state: name, event: 'entered', time: e.timestamp } };
    }
    // a task's outcome, whatever runs it: Task* (service integrations), Activity*, LambdaFunction*
    const outcome = /^(Task|Activity|LambdaFunction)(Succeeded|Failed|TimedOut)$/.exec(type);
    if (outcome?.[2] === 'Succeeded') this.#failed.delete(this.#stateOf(e));
    if (outcome && outcome[2] !== 'Succeeded') {
      const name = this.#stateOf(e);
      this.#failed.add(name);
      const d = details(`${outcome[1]![0]!.toLowerCase()}${outcome[1]!.slice(1)}${outcome[2]}EventDetails`);
      const error = d.error === undefined ? null : String(d.error);
      const cause = d.cause === undefined ? null : String(d.cause);
      return {
        text: `  ${name} failed: ${error ?? type}${cause ? `: ${cause}` : ''}`,
        fields: { state: name, event: 'failed', error, cause, time: e.timestamp },
      };
    }
    if (type === 'TaskStateExited') {
      const d = details('stateExitedEventDetails');
      const name = String(d.name);
      if (this.#failed.has(name)) return undefined; // its failure was shown; the workflow caught it
      const brief = name === 'Backup' ? briefOutput(d.output) : '';
      return {
        text: `  ${name} done${brief ? `: ${brief}` : ''}`,
        fields: { state: name, event: 'succeeded', time: e.timestamp },
      };
    }
    return undefined;
  }
}

/** The interesting numbers of a task's result, for the progress line. */
function briefOutput(text: unknown): string {
  if (typeof text !== 'string') return '';
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch {
    return '';
  }
  const result = isObject(value) && isObject(value.backup) ? value.backup : undefined;
  if (result && typeof result.snapshotId === 'string') return `snapshot ${result.snapshotId.slice(0, 8)}`;
  return '';
}

function report(
  ctx: CommandContext,
  plan: PlanSettings,
  status: string,
  output: Json,
  error: string | null,
  cause: string | null,
  name: string,
): void {
  const o = isObject(output) ? output : {};
  ctx.out.message('summary', { plan: plan.name, execution: name, status, output, error, cause });
  if (ctx.out.json) return;
  if (status === 'SUCCEEDED') {
    const parts: string[] = [];
    if (typeof o.snapshotId === 'string') parts.push(`snapshot ${o.snapshotId.slice(0, 8)}`);
    if (o.partial === true) parts.push(`PARTIAL: ${String(o.missing)} items could not be read`);
    if (o.anomaly === true) parts.push('ANOMALY: tagged, the previous good snapshot protected');
    const copies = (Array.isArray(o.copies) ? o.copies.filter(isObject) : []).filter(
      (c) => c.failed !== true,
    );
    if (copies.length > 0) parts.push(`copied to ${copies.map((c) => c.repository).join(', ')}`);
    if (Array.isArray(o.repositories))
      parts.push(
        `pruned and checked ${o.repositories.map((r) => (isObject(r) ? r.repository : '?')).join(', ')}`,
      );
    if (typeof o.snapshotsRemoved === 'number')
      parts.push(`${o.snapshotsRemoved} snapshots removed by retention`);
    if (typeof o.filesChecked === 'number') parts.push(`${o.filesChecked} files checked`);
    ctx.out.line(`${plan.name}: ${status}${parts.length > 0 ? ` — ${parts.join(', ')}` : ''}`);
  } else {
    process.stderr.write(`${plan.name}: ${status}${error ? `: ${error}` : ''}${cause ? `: ${cause}` : ''}\n`);
    process.stderr.write(
      `  hint: see what happened with: stepvault workflow history ${name} (same --store)\n`,
    );
  }
}
