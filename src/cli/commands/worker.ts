// `stepvault worker --activity ARN...`: runs stepvault's workflow tasks for AWS Step Functions, next to the data
// or anywhere else (ECS, EC2, on premises): it polls the given activities and runs each task with the handler
// the local engine runs, over the repositories and sources of stepvault.yaml (aws/activity-worker.ts). SIGTERM
// or Ctrl-C stops polling at once and gives a running task `--grace` seconds to end before it is reported
// failed (`Stepvault.Interrupted`). Credentials and region come from the AWS SDK's default chain
// (AWS_ENDPOINT_URL_SFN or AWS_ENDPOINT_URL reach another endpoint).

import * as path from 'node:path';
import type { Command } from 'commander';
import { ActivityWorker, defaultSfnClient, type WorkerEvent } from '../../aws/activity-worker.ts';
import { findConfigFile, loadConfig } from '../../config/load-config.ts';
import { s3ObjectStore } from '../../plans/aws-sdk/s3-item-io.ts';
import { lazyConfigEnvironment } from '../../plans/config-environment.ts';
import { type PlanRunTask, planTaskHandlers } from '../../plans/plan-tasks.ts';
import { localObjectStore, type ObjectStore } from '../../workflows/engine/item-io.ts';
import { action } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { collect, integer } from '../option-parsers.ts';
import type { Output } from '../output/output.ts';
import { S3_BUCKETS } from './workflow-engine.ts';

interface WorkerOptions {
  activity: string[];
  config?: string;
  grace: number;
  name?: string;
  buckets: string;
}

/** The run bucket's store: S3 (made on first use), or a local engine's bucket directories. */
function runObjects(buckets: string): () => ObjectStore {
  let store: ObjectStore | undefined;
  return () => {
    store ??= buckets === S3_BUCKETS ? s3ObjectStore() : localObjectStore(path.resolve(buckets));
    return store;
  };
}

export function register(program: Command): void {
  program
    .command('worker')
    .description("serve AWS Step Functions activities with stepvault's workflow tasks")
    .requiredOption(
      '--activity <arn>',
      'an activity to poll, named stepvault-<task> (repeat for several)',
      collect,
      [],
    )
    .option('--config <file>', 'stepvault.yaml (default: STEPVAULT_CONFIG or ./stepvault.yaml)')
    .option('--grace <seconds>', 'how long a running task may go on once stopped', integer('--grace', 0), 60)
    .option('--name <name>', 'the worker name Step Functions records (default: host name and process ID)')
    .option(
      '--buckets <dir|s3>',
      "where fan-out runs keep their files (the run bucket): s3 for Amazon S3 itself (the AWS SDK default chain; the default), or the directory of a local engine's buckets",
      's3',
    )
    .action(
      action(async (ctx, opts: WorkerOptions) => {
        const environment = lazyConfigEnvironment(() => loadConfig(findConfigFile(opts.config)), {
          warn: (message) => ctx.out.warn(message),
        });
        const handlers: Partial<Record<string, ReturnType<typeof planTaskHandlers>[PlanRunTask]>> =
          planTaskHandlers(environment, runObjects(opts.buckets));
        const client = defaultSfnClient();
        const worker = new ActivityWorker({
          client,
          activities: opts.activity,
          handler: (task) => handlers[task],
          graceMs: opts.grace * 1000,
          ...(opts.name ? { workerName: opts.name } : {}),
          onEvent: (e) => report(ctx.out, e),
        });
        ctx.signal.addEventListener('abort', () => worker.stop(), { once: true });
        ctx.out.item(
          'worker_started',
          { activities: opts.activity },
          `polling ${opts.activity.length} activit${opts.activity.length === 1 ? 'y' : 'ies'}`,
        );
        try {
          await worker.run();
        } finally {
          client.destroy();
        }
        ctx.out.item('worker_stopped', {}, 'stopped');
        return EXIT.ok;
      }),
    );
}

function report(out: Output, e: WorkerEvent): void {
  if (e.type === 'polling') return;
  if (e.type === 'protection-failed') {
    out.warn(`${e.message}: scaling may stop this worker mid-task`);
    return;
  }
  const where = { activity: e.activity };
  if (e.type === 'poll-failed') out.warn(`polling ${e.activity} failed: ${e.message} (retrying)`, where);
  else if (e.type === 'task-started')
    out.item('task_started', { ...where, task: e.task }, `${e.task}: started`);
  else if (e.type === 'task-succeeded')
    out.item('task_succeeded', { ...where, task: e.task }, `${e.task}: succeeded`);
  else if (e.type === 'task-failed') {
    out.item(
      'task_failed',
      { ...where, task: e.task, error: e.error, cause: e.cause },
      `${e.task}: failed: ${e.error}: ${e.cause}`,
    );
  } else {
    out.warn(
      `${e.task}: its result could not be reported (${e.message}); Step Functions times the task out`,
      {
        ...where,
        task: e.task,
      },
    );
  }
}
