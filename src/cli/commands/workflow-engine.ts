// What the `stepvault workflow` commands share: where the workflow store lives, the engine they open on it
// (with the task handlers this build knows), reading JSON arguments (`JSON` or `@file`), and starting a detached
// worker that carries on executions no live process is running.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StepvaultError } from '../../common/errors.ts';
import { findConfigFile, loadConfig } from '../../config/load-config.ts';
import { s3ObjectStore } from '../../plans/aws-sdk/s3-item-io.ts';
import { lazyConfigEnvironment } from '../../plans/config-environment.ts';
import { registerPlanTasks } from '../../plans/plan-tasks.ts';
import { builtinNestedHost } from '../../plans/run-plan.ts';
import { bindDefinition } from '../../plans/task-bindings.ts';
import type { Json } from '../../workflows/asl/json.ts';
import { WorkflowEngine } from '../../workflows/engine/engine.ts';
import { isTaskResults, type TaskResults } from '../../workflows/engine/replay.ts';
import { TaskRegistry } from '../../workflows/engine/task-registry.ts';
import type { CommandContext } from '../context.ts';

/** `--buckets s3`: distributed Maps read their items from and write their results to S3 itself. */
export const S3_BUCKETS = 's3';

export interface WorkflowGroupOptions {
  store?: string;
  buckets?: string;
}

/** --store, STEPVAULT_WORKFLOW_STORE, or workflows.db under the user's data directory. */
export function storePath(options: WorkflowGroupOptions, env = process.env): string {
  if (options.store) return path.resolve(options.store);
  if (env.STEPVAULT_WORKFLOW_STORE) return path.resolve(env.STEPVAULT_WORKFLOW_STORE);
  const data = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(data, 'stepvault', 'workflows.db');
}

/**
 * The handlers of this build: the plan tasks (stepvault:backup, …), over the configuration found as `plan`
 * finds it (read only when a plan task runs), so that `workflow resume` carries on plan executions too.
 */
export function taskRegistry(engine: () => WorkflowEngine): TaskRegistry {
  const environment = lazyConfigEnvironment(() => loadConfig(findConfigFile(undefined)));
  return registerPlanTasks(
    new TaskRegistry(),
    environment,
    builtinNestedHost(engine),
    () => engine().objects,
  );
}

export function openEngine(options: WorkflowGroupOptions): WorkflowEngine {
  const engine: WorkflowEngine = new WorkflowEngine({
    store: storePath(options),
    registry: taskRegistry(() => engine),
    ...(options.buckets === S3_BUCKETS
      ? { objects: s3ObjectStore() }
      : options.buckets
        ? { bucketsDir: path.resolve(options.buckets) }
        : {}),
  });
  return engine;
}

/** The group options (--store, --buckets): the context's options include every parent command's. */
export function groupOptions(ctx: CommandContext): WorkflowGroupOptions {
  return ctx.options as WorkflowGroupOptions;
}

/** A JSON argument: inline JSON text, or `@path` to read it from a file (`@-` reads standard input). */
export function jsonArgument(name: string, value: string): Json {
  let text = value;
  if (value.startsWith('@')) {
    const file = value.slice(1);
    try {
      text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (e) {
      throw new StepvaultError('not-found', `${name}: cannot read ${file}: ${(e as Error).message}`, {
        hint: `check the path after ${name} @`,
      });
    }
  }
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new StepvaultError('usage', `${name} is not valid JSON: ${(e as Error).message}`, {
      hint: `pass JSON text, e.g. ${name} '{"key":"value"}', or @file`,
    });
  }
}

/** A definition file, its placeholders (`${BackupTask}`, …) bound to this engine's task resources. */
export function readDefinitionFile(file: string): string {
  return bindDefinition(readDefinitionText(file), file);
}

/** A definition file as it is. */
export function readDefinitionText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new StepvaultError('not-found', `cannot read the definition ${file}: ${(e as Error).message}`, {
      hint: 'give the path of an Amazon States Language JSON file',
    });
  }
}

export function taskResultsFile(file: string | undefined): TaskResults | undefined {
  if (file === undefined) return undefined;
  const value = jsonArgument('--task-results', `@${file}`);
  if (!isTaskResults(value)) {
    throw new StepvaultError(
      'usage',
      `--task-results ${file} is not a map of state names to recorded outcomes`,
      {
        hint: 'write {"StateName": [{"ok": true, "output": {...}}, {"ok": false, "error": "Name", "cause": "..."}]}',
      },
    );
  }
  return value;
}

/**
 * Starts `stepvault workflow resume` in the background, detached from this process, so that executions keep
 * running after the command returns. It exits when no execution is left to run.
 */
export function spawnWorker(options: WorkflowGroupOptions): void {
  const args = [process.argv[1]!, 'workflow', '--store', storePath(options)];
  if (options.buckets)
    args.push('--buckets', options.buckets === S3_BUCKETS ? S3_BUCKETS : path.resolve(options.buckets));
  args.push('resume', '--quiet-worker');
  spawn(process.execPath, args, { detached: true, stdio: 'ignore' }).unref();
}
