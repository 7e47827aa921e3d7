// `stepvault workflow run | redrive | resume`: the commands that make executions progress. `run --wait` and
// `resume` run executions in this process until they end; without --wait a detached worker runs them.

import * as path from 'node:path';
import type { Command } from 'commander';
import type { DescribeOutput } from '../../workflows/engine/describe.ts';
import type { WorkflowEngine } from '../../workflows/engine/engine.ts';
import { action, type CommandContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import {
  groupOptions,
  jsonArgument,
  openEngine,
  readDefinitionFile,
  spawnWorker,
  taskResultsFile,
} from './workflow-engine.ts';

interface RunOptions {
  input?: string;
  name?: string;
  stateMachineName?: string;
  wait?: boolean;
  taskResults?: string;
}

/** Prints how an execution ended and returns the exit code: 0 when it succeeded, 1 otherwise. */
export function reportOutcome(ctx: CommandContext, d: DescribeOutput): number {
  if (ctx.out.json) ctx.out.message('execution', { ...d });
  else if (d.status === 'SUCCEEDED') ctx.out.line(JSON.stringify(JSON.parse(d.output ?? 'null'), null, 2));
  else {
    process.stderr.write(
      `execution ${d.name} ${d.status}${d.error ? `: ${d.error}` : ''}${d.cause ? `: ${d.cause}` : ''}\n`,
    );
    if (d.redriveStatus === 'REDRIVABLE')
      process.stderr.write(`  hint: fix the cause, then: stepvault workflow redrive ${d.name}\n`);
  }
  return d.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
}

/** Waits for an execution run here; an interrupt leaves it RUNNING in the store (resume it later). */
async function waitHere(ctx: CommandContext, engine: WorkflowEngine, arn: string): Promise<number> {
  const interrupted = new Promise<'interrupted'>((resolve) =>
    ctx.signal.addEventListener('abort', () => resolve('interrupted'), { once: true }),
  );
  const result = await Promise.race([engine.waitForExecution(arn), interrupted]);
  if (result === 'interrupted') {
    process.stderr.write(`execution ${arn} is still RUNNING; continue it with: stepvault workflow resume\n`);
    return EXIT.interrupted;
  }
  return reportOutcome(ctx, result);
}

export function registerRunCommands(group: Command): void {
  group
    .command('run')
    .description(
      'start an execution of a state machine definition (with --wait: run it here and print its output)',
    )
    .argument('<file>', 'the definition (Amazon States Language JSON)')
    .option('-i, --input <json>', 'the execution input: JSON text or @file', '{}')
    .option('-n, --name <name>', 'the execution name (default: a generated UUID)')
    .option('--state-machine-name <name>', 'the state machine name (default: the file name)')
    .option('-w, --wait', 'run the execution in this process until it ends; the exit code tells how it ended')
    .option(
      '--task-results <file>',
      'replay recorded task outcomes per state name instead of calling handlers',
    )
    .action(
      action(async (ctx, file: string, opts: RunOptions) => {
        const engine = openEngine(groupOptions(ctx));
        try {
          const input = jsonArgument('--input', opts.input ?? '{}');
          const taskResults = taskResultsFile(opts.taskResults);
          const smName =
            opts.stateMachineName ??
            path
              .basename(file)
              .replace(/\.(asl\.)?json5?$/i, '')
              .replace(/[^A-Za-z0-9_.-]/g, '-');
          const arn = await engine.startExecution(readDefinitionFile(file), input, {
            stateMachineName: smName || 'StateMachine',
            ...(opts.name ? { name: opts.name } : {}),
            ...(taskResults ? { taskResults } : {}),
            run: opts.wait === true,
          });
          if (opts.wait) return await waitHere(ctx, engine, arn);
          const { startDate } = engine.describeExecution(arn);
          spawnWorker(groupOptions(ctx));
          ctx.out.item('execution_started', { executionArn: arn, startDate }, arn);
          return EXIT.ok;
        } finally {
          await engine.close();
        }
      }),
    );

  group
    .command('redrive')
    .description('continue a FAILED, TIMED_OUT or ABORTED execution from where it stopped')
    .argument('<execution>', 'execution ARN or name')
    .option('-w, --wait', 'run it in this process until it ends')
    .action(
      action(async (ctx, execution: string, opts: { wait?: boolean }) => {
        const engine = openEngine(groupOptions(ctx));
        try {
          const arn = await engine.redriveExecution(execution, { run: opts.wait === true });
          if (opts.wait) return await waitHere(ctx, engine, arn);
          spawnWorker(groupOptions(ctx));
          ctx.out.item('execution_redriven', { executionArn: arn }, `${arn} redriven`);
          return EXIT.ok;
        } finally {
          await engine.close();
        }
      }),
    );

  group
    .command('resume')
    .description(
      'run, in this process, every RUNNING execution that no live process runs (after a crash), until they end',
    )
    .argument('[execution]', 'only this execution (ARN or name)')
    .option('--quiet-worker', 'print nothing (used by detached workers)')
    .action(
      action(async (ctx, execution: string | undefined, opts: { quietWorker?: boolean }) => {
        const engine = openEngine(groupOptions(ctx));
        try {
          const only = execution ? engine.describeExecution(execution).executionArn : undefined;
          const resumed = await engine.resumeExecutions((arn) => only === undefined || arn === only);
          if (!opts.quietWorker)
            for (const arn of resumed)
              ctx.out.item('execution_resumed', { executionArn: arn }, `resumed ${arn}`);
          const aborted = new Promise<void>((resolve) =>
            ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
          );
          await Promise.race([engine.idle(), aborted]);
          if (ctx.signal.aborted) return EXIT.interrupted;
          let failed = 0;
          for (const arn of resumed) {
            const d = engine.describeExecution(arn);
            if (d.status !== 'SUCCEEDED') failed++;
            if (!opts.quietWorker)
              ctx.out.item('execution', { ...d }, `${d.name}: ${d.status}${d.error ? ` (${d.error})` : ''}`);
          }
          return failed > 0 ? EXIT.failed : EXIT.ok;
        } finally {
          await engine.close();
        }
      }),
    );
}
