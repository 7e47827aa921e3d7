// `stepvault workflow ...`: Amazon States Language workflows on the local durable engine — validate, run,
// list, describe, history, stop, redrive, resume and the task-token callbacks (send-task-success|failure|
// heartbeat). `history --json` prints exactly the GetExecutionHistory response.

import type { Command } from 'commander';
import { formatDiagnostic } from '../../workflows/asl/diagnostics.ts';
import { action } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { choice, integer } from '../option-parsers.ts';
import { localTime, table } from '../output/format.ts';
import { groupOptions, jsonArgument, openEngine, spawnWorker } from './workflow-engine.ts';
import { registerRunCommands } from './workflow-run.ts';
import { validateForAws, validateLocally } from './workflow-validate.ts';

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** The most telling detail of a history event, for the text view. */
function eventSummary(event: Record<string, unknown>): string {
  const details = Object.entries(event).find(([k]) => k.endsWith('EventDetails'))?.[1] as
    | Record<string, unknown>
    | undefined;
  if (!details) return '';
  const parts: string[] = [];
  for (const k of [
    'name',
    'index',
    'length',
    'resourceType',
    'resource',
    'error',
    'cause',
    'output',
    'input',
  ]) {
    if (details[k] === undefined) continue;
    const v = typeof details[k] === 'string' ? (details[k] as string) : JSON.stringify(details[k]);
    parts.push(`${k}=${v.length > 60 ? `${v.slice(0, 57)}...` : v}`);
  }
  return parts.join(' ');
}

export function register(program: Command): void {
  const group = program
    .command('workflow')
    .description('Amazon States Language workflows on the local durable engine')
    .option(
      '--store <file>',
      'workflow store (env STEPVAULT_WORKFLOW_STORE; default ~/.local/share/stepvault/workflows.db)',
    )
    .option(
      '--buckets <dir|s3>',
      'where distributed Map ItemReader/ResultWriter buckets are: a directory (default: buckets/ next to the store), or s3 for Amazon S3 itself (the AWS SDK default chain)',
    );

  group
    .command('validate')
    .description('check a definition: JSON, schema, transitions, paths, JSONata, resources')
    .argument('<file>', 'the definition (Amazon States Language JSON)')
    .option('--task-results <file>', 'states served by these recorded outcomes count as known resources')
    .option('--no-resource-check', 'do not require a handler for every Task resource')
    .option(
      '--target <engine>',
      'local: the local engine runs it; aws: AWS Step Functions accepts and can run it too (resource ARNs, integration patterns, quotas)',
      choice('--target', ['local', 'aws']),
      'local',
    )
    .action(
      action(
        async (
          ctx,
          file: string,
          opts: { taskResults?: string; resourceCheck: boolean; target: 'local' | 'aws' },
        ) => {
          const result =
            opts.target === 'aws'
              ? await validateForAws(file, opts.resourceCheck)
              : await validateLocally(ctx, file, opts);
          for (const d of result.diagnostics)
            ctx.out.item('diagnostic', { ...d }, `${d.severity.toLowerCase()}: ${formatDiagnostic(d)}`);
          ctx.out.item(
            'validation',
            {
              result: result.ok ? 'OK' : 'FAIL',
              diagnostics: result.diagnostics.length,
              target: opts.target,
            },
            result.ok ? `${file}: valid` : `${file}: invalid (${result.diagnostics.length} findings)`,
          );
          return result.ok ? EXIT.ok : EXIT.failed;
        },
      ),
    );

  registerRunCommands(group);

  group
    .command('list')
    .description('list executions, newest first')
    .option(
      '--status <status>',
      `only executions with this status (${STATUSES.join(', ')})`,
      choice('--status', STATUSES),
    )
    .option('--limit <n>', 'at most n executions', integer('--limit', 1), 100)
    .action(
      action(async (ctx, opts: { status?: string; limit: number }) => {
        const engine = openEngine(groupOptions(ctx));
        try {
          const list = engine.listExecutions({
            ...(opts.status ? { status: opts.status } : {}),
            limit: opts.limit,
          });
          if (ctx.out.json) {
            for (const d of list) ctx.out.message('execution', { ...d });
            return EXIT.ok;
          }
          const rows = list.map((d) => [
            d.name,
            d.status,
            localTime(d.startDate),
            d.stopDate ? localTime(d.stopDate) : '',
            d.stateMachineArn.split(':').at(-1)!,
          ]);
          for (const line of table(['Name', 'Status', 'Started', 'Stopped', 'State machine'], rows))
            ctx.out.line(line);
          ctx.out.line(`${list.length} executions`);
          return EXIT.ok;
        } finally {
          await engine.close();
        }
      }),
    );

  group
    .command('describe')
    .description('show an execution (DescribeExecution)')
    .argument('<execution>', 'execution ARN or name')
    .action(
      action(async (ctx, execution: string) => {
        const engine = openEngine(groupOptions(ctx));
        try {
          const d = engine.describeExecution(execution);
          if (ctx.out.json) ctx.out.message('execution', { ...d });
          else
            for (const [k, v] of Object.entries(d))
              ctx.out.line(`${k.padEnd(20)} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
          return EXIT.ok;
        } finally {
          await engine.close();
        }
      }),
    );

  group
    .command('history')
    .description('show the history events of an execution (GetExecutionHistory)')
    .argument('<execution>', 'execution ARN or name')
    .option('--reverse', 'newest event first')
    .option('--max-results <n>', 'at most n events (then use --next-token)', integer('--max-results', 1))
    .option('--next-token <token>', 'continue a paged listing')
    .option('--no-execution-data', 'leave out inputs and outputs')
    .action(
      action(
        async (
          ctx,
          execution: string,
          opts: { reverse?: boolean; maxResults?: number; nextToken?: string; executionData: boolean },
        ) => {
          const engine = openEngine(groupOptions(ctx));
          try {
            const h = engine.getExecutionHistory(execution, {
              reverseOrder: opts.reverse === true,
              includeExecutionData: opts.executionData,
              ...(opts.maxResults ? { maxResults: opts.maxResults } : {}),
              ...(opts.nextToken ? { nextToken: opts.nextToken } : {}),
            });
            if (ctx.out.json) {
              process.stdout.write(`${JSON.stringify(h)}\n`);
              return EXIT.ok;
            }
            const rows = h.events.map((e) => [
              String(e.id),
              localTime(e.timestamp as string),
              String(e.type),
              eventSummary(e),
            ]);
            for (const line of table(['ID', 'Time', 'Type', 'Details'], rows)) ctx.out.line(line);
            if (h.nextToken) ctx.out.line(`more: --next-token ${h.nextToken}`);
            return EXIT.ok;
          } finally {
            await engine.close();
          }
        },
      ),
    );

  group
    .command('stop')
    .description('stop a running execution (it ends ABORTED; running tasks are cancelled)')
    .argument('<execution>', 'execution ARN or name')
    .option('--error <name>', 'error name to record')
    .option('--cause <text>', 'cause to record')
    .action(
      action(async (ctx, execution: string, opts: { error?: string; cause?: string }) => {
        const engine = openEngine(groupOptions(ctx));
        try {
          const d = await engine.stopExecution(execution, opts.error, opts.cause);
          ctx.out.item('execution', { ...d }, `${d.name}: ${d.status}`);
          return EXIT.ok;
        } finally {
          await engine.close();
        }
      }),
    );

  const sendTask = (
    name: string,
    description: string,
    extra: (c: Command) => Command,
    send: (
      engine: ReturnType<typeof openEngine>,
      token: string,
      opts: Record<string, string>,
    ) => Promise<void>,
  ) => {
    extra(
      group
        .command(name)
        .description(description)
        .requiredOption('--task-token <token>', 'the token the task was given ($$.Task.Token)'),
    ).action(
      action(async (ctx, opts: Record<string, string>) => {
        const engine = openEngine(groupOptions(ctx));
        try {
          await send(engine, opts.taskToken!, opts);
          const arn = engine.executionOfToken(opts.taskToken!);
          const running = arn !== undefined && engine.isRunningSomewhere(arn);
          await engine.close();
          if (arn !== undefined && !running) spawnWorker(groupOptions(ctx));
          ctx.out.item(
            'task_token_sent',
            {
              executionArn: arn,
              delivered: running ? 'to the running process' : 'to a worker started for it',
            },
            `sent to ${arn}`,
          );
          return EXIT.ok;
        } finally {
          await engine.close();
        }
      }),
    );
  };
  sendTask(
    'send-task-success',
    'complete a task waiting for its token (.waitForTaskToken) with an output',
    (c) => c.requiredOption('--task-output <json>', 'the task output: JSON text or @file'),
    (engine, token, opts) => engine.sendTaskSuccess(token, jsonArgument('--task-output', opts.taskOutput!)),
  );
  sendTask(
    'send-task-failure',
    'fail a task waiting for its token',
    (c) =>
      c
        .option('--error <name>', 'the error name (matched by Retry/Catch)')
        .option('--cause <text>', 'the cause'),
    (engine, token, opts) => engine.sendTaskFailure(token, opts.error ?? '', opts.cause),
  );
  sendTask(
    'send-task-heartbeat',
    'tell a waiting task with HeartbeatSeconds that its worker is alive',
    (c) => c,
    (engine, token) => engine.sendTaskHeartbeat(token),
  );
}
