// The AWS Lambda entry point of stepvault's short workflow tasks (notify, pick-snapshot, anomaly guard): the same handlers the local engine and `stepvault worker` run, for tasks that end well within Lambda's
// 15 minutes. A definition's placeholder (`${NotifyTask}`) is bound to the function's ARN; Step Functions invokes it
// with the state's input as the event and takes its result as the task's output. Which task a function runs is
// its STEPVAULT_TASK environment variable, else its name (`stepvault-notify`). A failure is thrown as an error
// whose name is the task's error name (`Stepvault.NotFound`, `Stepvault.Retryable`, …): Lambda reports it as the
// errorType, which Step Functions makes the state's error, so the definitions' Retry and Catch work unchanged.
// The configuration (stepvault.yaml: STEPVAULT_CONFIG, its secrets in SSM or Secrets Manager) is read on the
// first invocation and kept while the execution environment lives. Bundled by scripts/build-lambda.ts.

import { findConfigFile, loadConfig } from '../config/load-config.ts';
import { lazyConfigEnvironment } from '../plans/config-environment.ts';
import { type PlanRunTask, planTaskHandlers } from '../plans/plan-tasks.ts';
import { type PlanTask, taskOfActivity } from '../plans/task-bindings.ts';
import { toTaskFailure } from '../plans/task-errors.ts';
import type { Json } from '../workflows/asl/json.ts';
import type { TaskHandler } from '../workflows/engine/task-registry.ts';

/**
 * The tasks that fit Lambda: they end in seconds, in little memory, keep nothing on local disk and need nothing
 * of the machine they run on. Not preflight: it checks that a files source's paths exist, which only the workers
 * next to the data can see.
 */
export const LAMBDA_TASKS: readonly PlanTask[] = ['notify', 'pick-snapshot', 'anomaly-guard'];

/** Time kept back from the invocation's deadline to report an abort instead of being cut off. */
const DEADLINE_MARGIN_MS = 2_000;

/** What this entry point reads of Lambda's context object. */
export interface LambdaContext {
  functionName: string;
  invokedFunctionArn?: string;
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

let handlers: Partial<Record<PlanRunTask, TaskHandler>> | undefined;

function handlerFor(task: PlanRunTask): TaskHandler {
  handlers ??= planTaskHandlers(lazyConfigEnvironment(() => loadConfig(findConfigFile(undefined))));
  return handlers[task]!;
}

/** An error whose `name` Step Functions takes as the state's error. */
function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export async function handler(event: unknown, context: LambdaContext): Promise<Json> {
  const named = process.env.STEPVAULT_TASK ?? context.functionName;
  const task = LAMBDA_TASKS.find((t) => t === named) ?? taskOfActivity(named);
  if (!task || !LAMBDA_TASKS.includes(task)) {
    throw namedError(
      'Stepvault.Usage',
      `this function runs no task of Lambda's (${named}): set STEPVAULT_TASK to one of ${LAMBDA_TASKS.join(', ')}; longer tasks run in \`stepvault worker\``,
    );
  }
  const controller = new AbortController();
  const deadline = setTimeout(
    () => controller.abort(),
    Math.max(0, context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS),
  );
  try {
    return await handlerFor(task as PlanRunTask)((event ?? {}) as Json, {
      signal: controller.signal,
      heartbeat: () => {},
      taskToken: '',
      executionId: '',
      stateName: context.functionName,
      resource: context.invokedFunctionArn ?? context.functionName,
      attempt: 1,
      idempotencyKey: context.awsRequestId,
    });
  } catch (e) {
    const failure = toTaskFailure(e);
    throw namedError(failure.error, failure.causeText ?? failure.error);
  } finally {
    clearTimeout(deadline);
  }
}
