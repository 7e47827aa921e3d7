// Running a plan now: `createPlanEngine` builds a workflow engine whose registry serves the plan tasks over an
// environment (and the engine's clock is the environment's: inject a ManualClock to drive time);
// `startPlanRun` starts one rule's workflow as a durable execution and returns at once; `runPlan` also waits
// for it to end. The daemon's scheduler and `stepvault plan run` both go through these.

import { createHash } from 'node:crypto';
import { StepvaultError } from '../common/errors.ts';
import type { Json } from '../workflows/asl/json.ts';
import { type EngineOptions, WorkflowEngine } from '../workflows/engine/engine.ts';
import { executionArn } from '../workflows/engine/naming.ts';
import { TaskRegistry } from '../workflows/engine/task-registry.ts';
import type { WorkflowStore } from '../workflows/store/workflow-store.ts';
import {
  type BuiltinWorkflow,
  requireValidWorkflow,
  stateMachineName,
  workflowDefinition,
  workflowOfStateMachine,
} from './builtin-workflows.ts';
import type { NestedExecutionHost } from './nested-execution-task.ts';
import type { PlanEnvironment } from './plan-environment.ts';
import { type PlanSettings, ruleOf, workflowInput } from './plan-settings.ts';
import { registerPlanTasks } from './plan-tasks.ts';

export interface PlanEngineOptions extends Omit<EngineOptions, 'store' | 'registry' | 'clock'> {
  store: WorkflowStore | string;
  environment: PlanEnvironment;
}

/** An engine that runs plan workflows: the plan tasks registered over `environment`, on its clock. */
export function createPlanEngine(options: PlanEngineOptions): WorkflowEngine {
  const { environment, ...engineOptions } = options;
  const registry = new TaskRegistry();
  const engine = new WorkflowEngine({ ...engineOptions, registry, clock: environment.clock });
  registerPlanTasks(
    registry,
    environment,
    builtinNestedHost(() => engine),
    () => engine.objects,
  );
  return engine;
}

/** Nested executions of the built-in workflows on `engine`. */
export function builtinNestedHost(engine: () => WorkflowEngine): NestedExecutionHost {
  return { engine, definition: (name) => workflowDefinition(workflowOfStateMachine(name)!) };
}

export interface PlanRunRequest {
  plan: PlanSettings;
  /** The rule to run (default: the plan's first). */
  rule?: string;
  /** @default 'backup' */
  workflow?: BuiltinWorkflow;
  /**
   * The execution name. A scheduler passes one per scheduled time: an execution of that name that already
   * exists is returned, never started twice. Default: `<plan>.<rule>.<UTC time>`.
   */
  name?: string;
  /** Start even if a live process is running this rule's workflow (default: refuse with `conflict`). */
  allowOverlap?: boolean;
}

export interface PlanRunStarted {
  executionArn: string;
  name: string;
  workflow: BuiltinWorkflow;
  /** False when an execution with the requested name existed already. */
  started: boolean;
}

export interface PlanRunResult extends PlanRunStarted {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output: Json;
  error: string | null;
  cause: string | null;
  /** A backup that succeeded but could not read some items (exit code 3). */
  partial: boolean;
}

export async function startPlanRun(engine: WorkflowEngine, request: PlanRunRequest): Promise<PlanRunStarted> {
  const workflow = request.workflow ?? 'backup';
  const rule = ruleOf(request.plan, request.rule);
  const smName = stateMachineName(workflow);
  const input = workflowInput(workflow, request.plan, rule);
  if (request.name) {
    const arn = executionArn(engine.partition, smName, request.name);
    if (engine.execution(arn)) return { executionArn: arn, name: request.name, workflow, started: false };
  }
  if (!request.allowOverlap) {
    const running = runningExecutionOf(engine, smName, request.plan.name, rule.name);
    if (running) {
      throw new StepvaultError(
        'conflict',
        `plan ${request.plan.name} rule ${rule.name} is already running (${workflow} execution ${running})`,
        { hint: 'wait for it to end, or stop it with `stepvault workflow stop`' },
      );
    }
  }
  const override = workflow === 'backup' ? (request.plan.workflow ?? undefined) : undefined;
  const text = workflowDefinition(workflow, override);
  requireValidWorkflow(engine, text, override ?? `${workflow} (built-in)`);
  const name = request.name ?? freeName(engine, smName, defaultName(engine, request.plan.name, rule.name));
  const arn = await engine.startExecution(text, input, { name, stateMachineName: smName });
  return { executionArn: arn, name, workflow, started: true };
}

/** Runs one rule of a plan now and waits until its execution ends. */
export async function runPlan(engine: WorkflowEngine, request: PlanRunRequest): Promise<PlanRunResult> {
  const started = await startPlanRun(engine, request);
  return planRunResult(started, await engine.waitForExecution(started.executionArn));
}

export function planRunResult(
  started: PlanRunStarted,
  d: { status: string; output?: string; error?: string; cause?: string },
): PlanRunResult {
  const output = d.output === undefined ? null : (JSON.parse(d.output) as Json);
  const partial =
    d.status === 'SUCCEEDED' && typeof output === 'object' && output !== null && !Array.isArray(output)
      ? output.partial === true
      : false;
  return {
    ...started,
    status: d.status as PlanRunResult['status'],
    output,
    error: d.error ?? null,
    cause: d.cause ?? null,
    partial,
  };
}

/** A RUNNING execution of this rule's workflow that a live process runs, if any. */
function runningExecutionOf(
  engine: WorkflowEngine,
  smName: string,
  plan: string,
  rule: string,
): string | undefined {
  for (const d of engine.listExecutions({ status: 'RUNNING', limit: 1000 })) {
    if (!d.stateMachineArn.endsWith(`:stateMachine:${smName}`)) continue;
    const input = JSON.parse(d.input) as { plan?: unknown; rule?: unknown };
    if (input.plan === plan && input.rule === rule && engine.isRunningSomewhere(d.executionArn))
      return d.name;
  }
  return undefined;
}

/** `<plan>.<rule>.<yyyymmddThhmmssSSSZ>`, shortened with a hash when the names are long (80 at most). */
function defaultName(engine: WorkflowEngine, plan: string, rule: string): string {
  const stamp = engine.clock
    .now()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.(\d{3})Z$/, '$1Z');
  const full = `${plan}.${rule}.${stamp}`;
  if (full.length <= 76) return full;
  const hash = createHash('sha256').update(`${plan}\n${rule}`).digest('hex').slice(0, 8);
  return `${plan.slice(0, 20)}.${rule.slice(0, 20)}.${hash}.${stamp}`;
}

function freeName(engine: WorkflowEngine, smName: string, base: string): string {
  let name = base;
  for (let n = 2; engine.execution(executionArn(engine.partition, smName, name)); n++) name = `${base}-${n}`;
  return name;
}
