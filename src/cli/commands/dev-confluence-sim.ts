// `stepvault dev confluence-sim`: runs the Confluence Cloud simulator by hand, on a fixed port, filled with a
// seeded dataset, optionally slowed down, rate limited and faulty; prints the URLs and demo credentials and
// serves until interrupted.

import type { Command } from 'commander';
import { parseFaultSpec } from '../../../devtools/confluence-sim/fault-spec.ts';
import type { FaultConfig } from '../../../devtools/confluence-sim/faults.ts';
import { startConfluenceSim } from '../../../devtools/confluence-sim/simulator.ts';
import { StepvaultError } from '../../common/errors.ts';
import { action } from '../context.ts';
import { integer } from '../option-parsers.ts';

interface SimOptions {
  host: string;
  port: number;
  siteName: string;
  seed: number;
  spaces: number;
  pages: number;
  attachments?: number;
  blogPosts?: number;
  maxAttachmentSize?: number;
  data: boolean;
  latency: number;
  rateLimit?: number;
  burst?: number;
  faults?: FaultConfig;
}

function faults(value: string): FaultConfig {
  try {
    return parseFaultSpec(value);
  } catch (e) {
    throw new StepvaultError('usage', `--faults: ${(e as Error).message}`, {
      hint: 'e.g. --faults "429=0.1,5xx=0.05,truncate=0.1,seed=7"',
    });
  }
}

/** The `dev` command group, shared with other development commands. */
function devGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'dev') ??
    program.command('dev').description('development tools (simulators for tests and manual runs)')
  );
}

export function register(program: Command): void {
  devGroup(program)
    .command('confluence-sim')
    .description('run a simulated Confluence Cloud site (REST v2 + v1) with a generated dataset')
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port of the site (0 = any free port)', integer('--port', 0, 65535), 8090)
    .option('--site-name <name>', 'site name (<name>.atlassian.net in page links)', 'acme')
    .option('--seed <n>', 'dataset seed', integer('--seed', 0), 1)
    .option('--spaces <n>', 'spaces to generate', integer('--spaces', 1), 3)
    .option('--pages <n>', 'pages to generate (all spaces)', integer('--pages', 1), 200)
    .option('--attachments <n>', 'attachments to generate (default pages / 4)', integer('--attachments', 0))
    .option('--blog-posts <n>', 'blog posts to generate (default pages / 20)', integer('--blog-posts', 0))
    .option(
      '--max-attachment-size <bytes>',
      'largest generated attachment',
      integer('--max-attachment-size', 1),
    )
    .option('--no-data', 'start with users and groups only (a restore target)')
    .option('--latency <ms>', 'delay before every response', integer('--latency', 0), 0)
    .option('--rate-limit <rps>', 'burst rate limit in requests per second', integer('--rate-limit', 1))
    .option('--burst <n>', 'requests allowed at once (default: the rate)', integer('--burst', 1))
    .option(
      '--faults <spec>',
      'inject faults, e.g. "429=0.1,5xx=0.05,truncate=0.1,mutate=0.02,cycle=3,seed=7"',
      faults,
    )
    .action(
      action(async (ctx, opts: SimOptions) => {
        const sim = await startConfluenceSim({
          host: opts.host,
          port: opts.port,
          siteName: opts.siteName,
          latencyMs: opts.latency,
          ...(opts.rateLimit
            ? {
                rateLimit: {
                  requestsPerSecond: opts.rateLimit,
                  ...(opts.burst ? { burst: opts.burst } : {}),
                },
              }
            : {}),
          ...(opts.faults ? { faults: opts.faults } : {}),
        });
        try {
          const summary = opts.data
            ? sim.generate({
                seed: opts.seed,
                spaces: opts.spaces,
                pages: opts.pages,
                ...(opts.attachments !== undefined ? { attachments: opts.attachments } : {}),
                ...(opts.blogPosts !== undefined ? { blogPosts: opts.blogPosts } : {}),
                ...(opts.maxAttachmentSize ? { attachmentSizes: { maxBytes: opts.maxAttachmentSize } } : {}),
              })
            : undefined;
          if (!opts.data) sim.seedDirectory(opts.seed);
          const c = sim.credentials;
          ctx.out.message('started', {
            site_url: sim.siteUrl,
            gateway_url: sim.gatewayUrl,
            cloud_id: sim.cloudId,
            media_origin: sim.mediaOrigin,
            email: c.email,
            api_token: c.apiToken,
            scoped_token: c.scopedToken,
            bearer_token: c.bearerToken,
            dataset: summary
              ? {
                  ...summary,
                  trashed: summary.trashed.length,
                  archived: summary.archived.length,
                  drafts: summary.drafts.length,
                  hidden: summary.hidden.length,
                }
              : null,
          });
          ctx.out.line(
            `Confluence simulator at ${sim.siteUrl}/wiki  (REST v2: /wiki/api/v2, v1: /wiki/rest/api)`,
          );
          ctx.out.line(`  gateway base:  ${sim.gatewayUrl}/wiki   (cloud id ${sim.cloudId})`);
          ctx.out.line(`  media host:    ${sim.mediaOrigin}`);
          ctx.out.line(
            `  site login:    ${c.email} / API token ${c.apiToken}   (Basic auth on the site URL)`,
          );
          ctx.out.line(
            `  gateway login: Bearer ${c.bearerToken}, or ${c.email} / scoped token ${c.scopedToken}`,
          );
          ctx.out.line(`  counters:      ${sim.siteUrl}/__sim/stats`);
          if (summary) {
            ctx.out.line(
              `  dataset:       seed ${opts.seed}: ${summary.spaces} spaces, ${summary.pages} pages, ${summary.blogPosts} blog posts, ${summary.attachments} attachments (${(summary.attachmentBytes / 1048576).toFixed(1)} MiB), ${summary.comments} comments`,
            );
          } else ctx.out.line('  dataset:       none (users and groups only)');
          ctx.out.line('Press Ctrl-C to stop.');
          await new Promise<void>((resolve) => {
            if (ctx.signal.aborted) resolve();
            else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
          });
        } finally {
          await sim.close();
        }
        return 0;
      }),
    );
}
