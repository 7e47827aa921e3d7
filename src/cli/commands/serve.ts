// `stepvault serve`: runs the daemon — scheduled backup plans (with catch-up of missed runs), the HTTP API and
// Prometheus /metrics — until SIGTERM or SIGINT, then stops taking work, lets running executions finish for
// up to --grace, stops their tasks (they resume at the next start) and exits 0. SIGHUP reloads stepvault.yaml.
// Each thing the daemon does is one log line on stdout (a `daemon_event` message with --json).

import { type Command, Option } from 'commander';
import { StepvaultError } from '../../common/errors.ts';
import { findConfigFile } from '../../config/load-config.ts';
import { Daemon } from '../../daemon/daemon.ts';
import type { DaemonEvent } from '../../daemon/daemon-events.ts';
import { FileClock } from '../../daemon/file-clock.ts';
import { parseElapsedDuration } from '../../domain/duration.ts';
import { action } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { integer } from '../option-parsers.ts';

interface ServeOptions {
  config?: string;
  listen?: string;
  grace: string;
  maxRunsPerRepository: number;
  devClock?: string;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'run the daemon: scheduled backup plans, the HTTP API and /metrics (see README, "Run it as a service")',
    )
    .option('-c, --config <file>', 'configuration file (env STEPVAULT_CONFIG; default ./stepvault.yaml)')
    .option(
      '--listen <address>',
      'HOST:PORT of the API and /metrics (default: server.listen, 127.0.0.1:8420)',
    )
    .option(
      '--grace <duration>',
      'on SIGTERM/SIGINT, how long running executions may go on (e.g. 30s, 5min)',
      '30s',
    )
    .option(
      '--max-runs-per-repository <n>',
      'scheduled runs at once per repository, its copy targets included',
      integer('--max-runs-per-repository', 1, 64),
      1,
    )
    .addOption(new Option('--dev-clock <file>', 'take the time from this file (tests only)').hideHelp())
    .action(
      action(async (ctx, opts: ServeOptions) => {
        let graceMs: number;
        try {
          graceMs = parseElapsedDuration(opts.grace);
        } catch (e) {
          throw new StepvaultError('usage', `--grace ${opts.grace}: ${(e as Error).message}`, {
            hint: 'write e.g. 30s, 2min or 1h',
          });
        }
        const clock = opts.devClock ? new FileClock(opts.devClock) : undefined;
        const print = (e: DaemonEvent) => {
          if (ctx.out.json) ctx.out.message('daemon_event', { ...e });
          else ctx.out.line(`${e.time} ${e.level.toUpperCase()} ${e.event} ${e.message}`);
        };
        const daemon = await Daemon.start({
          configFile: findConfigFile(opts.config),
          ...(clock ? { clock } : {}),
          ...(opts.listen ? { listen: opts.listen } : {}),
          maxRunsPerRepository: opts.maxRunsPerRepository,
          onEvent: print,
        });
        const onHangup = () => {
          daemon.reload('signal:SIGHUP').catch((e: unknown) => {
            print({
              time: daemon.clock.now().toISOString(),
              level: 'error',
              event: 'config.reload-failed',
              message: e instanceof Error ? e.message : String(e),
              fields: {},
            });
          });
        };
        process.on('SIGHUP', onHangup);
        try {
          await new Promise<void>((resolve) => {
            if (ctx.signal.aborted) resolve();
            ctx.signal.addEventListener('abort', () => resolve(), { once: true });
          });
          await daemon.shutdown(graceMs);
        } finally {
          process.off('SIGHUP', onHangup);
          clock?.close();
        }
        return EXIT.ok;
      }),
    );
}
