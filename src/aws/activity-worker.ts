// `stepvault worker`: serves Step Functions activities with the handlers the local engine runs. One poll loop
// per activity long-polls GetActivityTask; a task's input goes to the handler of the activity's task
// (`stepvault-backup` -> the backup handler, plans/task-bindings.ts), whose heartbeats become SendTaskHeartbeat
// (at most one every few seconds; those that come too soon are sent as one at the end of the interval) and
// whose result becomes SendTaskSuccess, or SendTaskFailure with the error names Retry and Catch use (`Stepvault.Retryable`, `Stepvault.NotFound`, ...). Stopping (SIGTERM) polls no
// more: the long polls in flight are let end (within 60 s; aborting one could lose a task the service was handing
// out at that moment), and a task one of them brings is given back at once as `Stepvault.Interrupted`; a task
// still running gets a grace period to finish, then is aborted and reported failed as `Stepvault.Interrupted`, so
// that the state machine retries it elsewhere instead of waiting for a timeout. A heartbeat the service refuses
// (the task timed out or was stopped) aborts the task: its work is no longer wanted. On ECS, the container's task
// is protected from scale-in while it works (task-protection.ts).

import { createHash } from 'node:crypto';
import * as os from 'node:os';
import {
  GetActivityTaskCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { type Clock, systemClock } from '../common/clock.ts';
import { StepvaultError } from '../common/errors.ts';
import { type PlanTask, taskOfActivity } from '../plans/task-bindings.ts';
import { toTaskFailure } from '../plans/task-errors.ts';
import type { Json } from '../workflows/asl/json.ts';
import { TaskFailure, type TaskHandler } from '../workflows/engine/task-registry.ts';
import { TaskProtection } from './task-protection.ts';

/** Heartbeats closer together than this are sent as one, at the end of the interval (never dropped). */
const HEARTBEAT_EVERY_MS = 5_000;
/** Step Functions caps an error name at 256 characters and a cause at 32,768, and a result at 256 KiB. */
const ERROR_LIMIT = 256;
const CAUSE_LIMIT = 32_768;
const OUTPUT_LIMIT = 262_144;
/** Heartbeat refusals that mean the task is over on the service's side. */
const TASK_GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export type WorkerEvent =
  | { type: 'polling'; activity: string }
  | { type: 'task-started'; activity: string; task: PlanTask }
  | { type: 'task-succeeded'; activity: string; task: PlanTask }
  | { type: 'task-failed'; activity: string; task: PlanTask; error: string; cause: string }
  | { type: 'poll-failed'; activity: string; message: string }
  /** The result could not be sent (after the SDK's retries): Step Functions will time the task out. */
  | { type: 'report-failed'; activity: string; task: PlanTask; message: string }
  /** ECS scale-in protection could not be set: scaling may stop this worker while it works. */
  | { type: 'protection-failed'; message: string };

export interface ActivityWorkerOptions {
  client: SFNClient;
  /** Activity ARNs; each must name one of stepvault's tasks. */
  activities: readonly string[];
  handler(task: PlanTask): TaskHandler | undefined;
  /** Reported to Step Functions with each GetActivityTask (default: host name and process ID). */
  workerName?: string;
  /** How long a running task may go on once the worker is stopped (default 60 s). */
  graceMs?: number;
  onEvent?(event: WorkerEvent): void;
  /** Its timer waits before polling again after a failed poll (1 s, doubling to 60 s). @default systemClock */
  clock?: Clock;
  /** Where ECS_AGENT_URI is read (scale-in protection on ECS). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Heartbeats closer together than this are sent as one. @default 5 s */
  heartbeatEveryMs?: number;
}

/**
 * A Step Functions client from the AWS SDK's default chain (credentials, region; AWS_ENDPOINT_URL_SFN or
 * AWS_ENDPOINT_URL for another endpoint). GetActivityTask holds a request open for up to 60 s: a request may take
 * 70 s before it is given up (AWS advises a socket timeout of at least 65 s for activity workers).
 */
export function defaultSfnClient(): SFNClient {
  return new SFNClient({ maxAttempts: 3, requestHandler: { requestTimeout: 70_000 } });
}

/** Refuses, before polling, activities that are not stepvault's or whose task this build has no handler for. */
export function checkActivities(options: Pick<ActivityWorkerOptions, 'activities' | 'handler'>): void {
  for (const arn of options.activities) {
    if (!/^arn:aws[a-zA-Z-]*:states:[a-z0-9-]+:\d{12}:activity:[A-Za-z0-9_.-]+$/.test(arn)) {
      throw new StepvaultError('usage', `${arn} is not an activity ARN`, {
        hint: 'give ARNs like arn:aws:states:eu-west-1:123456789012:activity:stepvault-backup',
      });
    }
    const task = taskOfActivity(arn);
    if (!task || !options.handler(task)) {
      throw new StepvaultError('usage', `no stepvault task serves the activity ${arn}`, {
        hint: 'stepvault activities are named stepvault-<task>, e.g. stepvault-backup, stepvault-notify',
      });
    }
  }
}

export class ActivityWorker {
  readonly #options: ActivityWorkerOptions;
  readonly #stopPolling = new AbortController();
  readonly #abortTasks = new AbortController();
  readonly #protection: TaskProtection;
  #running = 0;

  constructor(options: ActivityWorkerOptions) {
    checkActivities(options);
    this.#options = options;
    this.#protection = new TaskProtection(options.env ?? process.env, (message) =>
      options.onEvent?.({ type: 'protection-failed', message }),
    );
  }

  /** Polls every activity until `stop`; resolves once the polls ended and no task is running. */
  async run(): Promise<void> {
    await Promise.all(this.#options.activities.map((arn) => this.#poll(arn)));
  }

  /** Stops polling (polls in flight end on their own); running tasks get the grace period, then are aborted. */
  stop(): void {
    if (this.#stopPolling.signal.aborted) return;
    this.#stopPolling.abort();
    const grace = setTimeout(() => this.#abortTasks.abort(), this.#options.graceMs ?? 60_000);
    grace.unref();
  }

  get running(): number {
    return this.#running;
  }

  async #poll(activityArn: string): Promise<void> {
    const { client, onEvent } = this.#options;
    const task = taskOfActivity(activityArn)!;
    const handler = this.#options.handler(task)!;
    const workerName = this.#options.workerName ?? `${os.hostname()}-${process.pid}`;
    let backoff = 1_000;
    while (!this.#stopPolling.signal.aborted) {
      onEvent?.({ type: 'polling', activity: activityArn });
      let got: { taskToken?: string | undefined; input?: string | undefined };
      try {
        got = await client.send(new GetActivityTaskCommand({ activityArn, workerName }));
        backoff = 1_000;
      } catch (e) {
        if (this.#stopPolling.signal.aborted) break;
        onEvent?.({ type: 'poll-failed', activity: activityArn, message: (e as Error).message });
        await this.#sleep(backoff);
        backoff = Math.min(backoff * 2, 60_000);
        continue;
      }
      if (!got.taskToken) continue; // the long poll ended without a task
      if (this.#stopPolling.signal.aborted) {
        // brought by a poll that was in flight when the worker stopped: give it back for a retry elsewhere
        await this.#report(activityArn, task, got.taskToken, {
          error: 'Stepvault.Interrupted',
          cause: 'the worker was stopping when it received the task; it did not start it',
        });
        break;
      }
      await this.#serve(activityArn, task, handler, got.taskToken, got.input ?? '{}');
    }
  }

  async #serve(activity: string, task: PlanTask, handler: TaskHandler, token: string, inputText: string) {
    const { client, onEvent } = this.#options;
    this.#running++;
    await this.#protection.begin();
    onEvent?.({ type: 'task-started', activity, task });
    // this task's abort: the worker's stop (after the grace period), or the service saying the task is over
    const abort = new AbortController();
    const onStop = () => abort.abort();
    this.#abortTasks.signal.addEventListener('abort', onStop, { once: true });
    const every = this.#options.heartbeatEveryMs ?? HEARTBEAT_EVERY_MS;
    let lastBeat = Number.NEGATIVE_INFINITY;
    let trailing: NodeJS.Timeout | undefined;
    let beating: Promise<unknown> = Promise.resolve();
    const heartbeat = () => {
      const wait = lastBeat + every - Date.now();
      if (wait > 0) {
        // too soon after the last one: one heartbeat goes at the end of the interval, for all that came meanwhile
        trailing ??= setTimeout(() => {
          trailing = undefined;
          heartbeat();
        }, wait);
        return;
      }
      lastBeat = Date.now();
      beating = client
        .send(new SendTaskHeartbeatCommand({ taskToken: token }))
        .catch((e: { name?: string }) => {
          // the task timed out or was stopped: its work is no longer wanted (another attempt may be running)
          if (TASK_GONE.has(e.name ?? '')) abort.abort();
          // any other failure is not fatal: the next heartbeat, or the result, follows
        });
    };
    try {
      let result: { output: string } | { error: string; cause: string };
      try {
        const input = JSON.parse(inputText) as Json;
        const output = await handler(input, {
          signal: abort.signal,
          heartbeat,
          taskToken: token,
          executionId: '',
          stateName: activity.split(':').at(-1)!,
          resource: activity,
          attempt: 1,
          // A retry on Step Functions is a new task with a new token: the token identifies this attempt only.
          idempotencyKey: createHash('sha256').update(token).digest('hex').slice(0, 32),
        });
        result = { output: JSON.stringify(output) };
      } catch (e) {
        result = failureOf(e);
      }
      // no heartbeat after the result: a late one would be refused and taken for the task's end
      clearTimeout(trailing);
      await beating;
      await this.#report(activity, task, token, result);
    } finally {
      clearTimeout(trailing);
      this.#abortTasks.signal.removeEventListener('abort', onStop);
      this.#running--;
      await this.#protection.end();
    }
  }

  /**
   * Sends a task's result. A result larger than Step Functions takes is reported as the failure
   * `States.DataLimitExceeded`, as the service names it; one that cannot be sent at all is named in an event (the
   * worker goes on polling; the task times out on the service's side).
   */
  async #report(
    activity: string,
    task: PlanTask,
    token: string,
    result: { output: string } | { error: string; cause: string },
  ) {
    const { client, onEvent } = this.#options;
    try {
      if ('output' in result) {
        const bytes = Buffer.byteLength(result.output);
        if (bytes > OUTPUT_LIMIT) {
          const failure = {
            error: 'States.DataLimitExceeded',
            cause: `the task's result is ${bytes} bytes; Step Functions takes at most ${OUTPUT_LIMIT}`,
          };
          await client.send(new SendTaskFailureCommand({ taskToken: token, ...failure }));
          onEvent?.({ type: 'task-failed', activity, task, ...failure });
          return;
        }
        await client.send(new SendTaskSuccessCommand({ taskToken: token, output: result.output }));
        onEvent?.({ type: 'task-succeeded', activity, task });
      } else {
        await client.send(new SendTaskFailureCommand({ taskToken: token, ...result }));
        onEvent?.({ type: 'task-failed', activity, task, ...result });
      }
    } catch (e) {
      onEvent?.({ type: 'report-failed', activity, task, message: (e as Error).message });
    }
  }

  /** Waits `ms`, or less if the worker stops meanwhile. */
  #sleep(ms: number): Promise<void> {
    return (this.#options.clock ?? systemClock).sleep(ms, this.#stopPolling.signal).catch(() => undefined);
  }
}

/** The error name and cause a failed handler reports (named as for the local engine), within Step Functions' limits. */
function failureOf(e: unknown): { error: string; cause: string } {
  const failure = e instanceof TaskFailure ? e : toTaskFailure(e);
  return {
    error: failure.error.slice(0, ERROR_LIMIT),
    cause: (failure.causeText ?? '').slice(0, CAUSE_LIMIT),
  };
}
