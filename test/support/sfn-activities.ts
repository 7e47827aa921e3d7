// A loopback double of the AWS Step Functions API for activity workers: the JSON 1.0 protocol
// (`X-Amz-Target: AWSStepFunctions.<Action>`) for GetActivityTask (a long poll that answers with a queued task,
// or with no token once the poll time is up), SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat. Tests queue
// tasks on activities and await their outcome; an unknown or finished task token is refused as AWS refuses it
// (`TaskDoesNotExist`, `InvalidToken`). Enough for the real @aws-sdk/client-sfn, as the SNS and SSM doubles are.

import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { activityArn, type PlanTask } from '../../src/plans/task-bindings.ts';
import { LOCAL_PARTITION, type Partition } from '../../src/workflows/engine/naming.ts';
import { TaskFailure, TaskRegistry } from '../../src/workflows/engine/task-registry.ts';

export type TaskOutcome =
  | { status: 'succeeded'; output: unknown; heartbeats: number; workerName: string | undefined }
  | { status: 'failed'; error: string; cause: string; heartbeats: number; workerName: string | undefined }
  | { status: 'timed-out'; heartbeats: number; workerName: string | undefined };

interface QueuedTask {
  token: string;
  input: string;
  heartbeats: number;
  workerName?: string;
  settle(outcome: TaskOutcome): void;
}

export interface SfnActivitiesDouble {
  endpoint: string;
  /**
   * Queues a task on `activityArn` (input as JSON); `outcome` resolves with what the worker reported, or with
   * `timed-out` once `timeOut` ended the task as the service would (later calls for it are refused).
   */
  enqueue(
    activityArn: string,
    input: unknown,
  ): { started: Promise<void>; outcome: Promise<TaskOutcome>; timeOut(): void };
  /** Polls waiting now, by activity ARN. */
  waitingPolls(activityArn: string): number;
  /** Every call, in order: the action and its parsed body. */
  calls: { action: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

export async function startSfnActivities(options: { pollMs?: number } = {}): Promise<SfnActivitiesDouble> {
  const pollMs = options.pollMs ?? 60_000;
  const queues = new Map<string, QueuedTask[]>();
  const polls = new Map<string, ((task: QueuedTask | undefined) => void)[]>();
  const started = new Map<string, () => void>();
  const running = new Map<string, QueuedTask>();
  const calls: SfnActivitiesDouble['calls'] = [];

  const handOut = (task: QueuedTask, workerName: string | undefined) => {
    if (workerName !== undefined) task.workerName = workerName;
    running.set(task.token, task);
    started.get(task.token)?.();
  };

  const actions: Record<string, (body: Record<string, unknown>, res: http.ServerResponse) => void> = {
    GetActivityTask(body, res) {
      const arn = String(body.activityArn);
      const workerName = body.workerName === undefined ? undefined : String(body.workerName);
      const queued = queues.get(arn)?.shift();
      if (queued) {
        handOut(queued, workerName);
        return reply(res, 200, { taskToken: queued.token, input: queued.input });
      }
      const waiting = polls.get(arn) ?? [];
      polls.set(arn, waiting);
      const answer = (task: QueuedTask | undefined) => {
        clearTimeout(timer);
        waiting.splice(waiting.indexOf(answer), 1);
        if (task) handOut(task, workerName);
        reply(res, 200, task ? { taskToken: task.token, input: task.input } : {});
      };
      const timer = setTimeout(() => answer(undefined), pollMs);
      waiting.push(answer);
      // the worker gave up the poll (stopped): a task must not be handed to a closed connection
      res.on('close', () => {
        if (!res.writableEnded && waiting.includes(answer)) {
          clearTimeout(timer);
          waiting.splice(waiting.indexOf(answer), 1);
        }
      });
    },
    SendTaskSuccess(body, res) {
      const task = taskOf(body, res);
      if (!task) return;
      if (Buffer.byteLength(String(body.output)) > 262_144)
        return reply(res, 400, { __type: 'InvalidOutput', message: 'output exceeds the maximum size' });
      running.delete(task.token);
      task.settle({
        status: 'succeeded',
        output: JSON.parse(String(body.output)),
        heartbeats: task.heartbeats,
        workerName: task.workerName,
      });
      reply(res, 200, {});
    },
    SendTaskFailure(body, res) {
      const task = taskOf(body, res);
      if (!task) return;
      running.delete(task.token);
      task.settle({
        status: 'failed',
        error: String(body.error ?? ''),
        cause: String(body.cause ?? ''),
        heartbeats: task.heartbeats,
        workerName: task.workerName,
      });
      reply(res, 200, {});
    },
    SendTaskHeartbeat(body, res) {
      const task = taskOf(body, res);
      if (!task) return;
      task.heartbeats++;
      reply(res, 200, {});
    },
  };

  const taskOf = (body: Record<string, unknown>, res: http.ServerResponse): QueuedTask | undefined => {
    const token = body.taskToken;
    if (typeof token !== 'string' || token.length === 0) {
      reply(res, 400, { __type: 'InvalidToken', message: 'Invalid token' });
      return undefined;
    }
    const task = running.get(token);
    if (!task) reply(res, 400, { __type: 'TaskDoesNotExist', message: 'Task Timed Out or does not exist' });
    return task;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        return reply(res, 400, { __type: 'SerializationException', message: 'bad JSON' });
      }
      calls.push({ action, body });
      const handler = actions[action];
      if (!handler) return reply(res, 400, { __type: 'UnknownOperationException', message: action });
      handler(body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    enqueue(activityArn, input) {
      let settle!: (o: TaskOutcome) => void;
      const outcome = new Promise<TaskOutcome>((resolve) => {
        settle = resolve;
      });
      const task: QueuedTask = { token: randomUUID(), input: JSON.stringify(input), heartbeats: 0, settle };
      const startedP = new Promise<void>((resolve) => started.set(task.token, resolve));
      const waiting = polls.get(activityArn);
      if (waiting && waiting.length > 0) waiting[0]!(task);
      else queues.set(activityArn, [...(queues.get(activityArn) ?? []), task]);
      const timeOut = () => {
        if (!running.delete(task.token)) return;
        settle({ status: 'timed-out', heartbeats: task.heartbeats, workerName: task.workerName });
      };
      return { started: startedP, outcome, timeOut };
    },
    waitingPolls: (arn) => polls.get(arn)?.length ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

/**
 * A registry whose handlers hand each task to the activity of the same task in `partition`, as on AWS: queued,
 * polled by workers, reported; the outcome becomes the state's.
 */
export function activityRegistry(
  sfn: SfnActivitiesDouble,
  partition: Partition,
  tasks: readonly PlanTask[],
): TaskRegistry {
  const registry = new TaskRegistry();
  for (const task of tasks) {
    registry.register(activityArn(LOCAL_PARTITION, task), async (input) => {
      const outcome = await sfn.enqueue(activityArn(partition, task), input).outcome;
      if (outcome.status === 'succeeded') return outcome.output as never;
      if (outcome.status === 'timed-out')
        throw new TaskFailure('States.Timeout', 'the activity task timed out');
      throw new TaskFailure(outcome.error, outcome.cause);
    });
  }
  return registry;
}
