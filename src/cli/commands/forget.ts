// `stepvault forget`: removes snapshots by policy or ID (and with --prune, their unused data).

import type { Command } from 'commander';
import { parseCalendarDuration } from '../../domain/duration.ts';
import type { RetentionPolicy } from '../../domain/retention.ts';
import { shortId } from '../../domain/snapshot.ts';
import { forget, parseGroupBy } from '../../operations/forget.ts';
import { parseUnusedLimit } from '../../operations/prune/prune-plan.ts';
import { action } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { collect, keepCount } from '../option-parsers.ts';
import { localTime } from '../output/format.ts';
import { storageSummary } from '../output/storage-summary.ts';
import { runPrune } from './prune.ts';

interface ForgetOptions {
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  keepWithin?: string;
  keepTag?: string[];
  groupBy: string;
  host?: string[];
  tag?: string[];
  path?: string[];
  dryRun?: boolean;
  prune?: boolean;
  maxUnused: string;
}

export function register(program: Command): void {
  program
    .command('forget')
    .description('remove snapshots by retention policy or by ID; --prune also deletes their unused data')
    .argument('[snapshots...]', 'snapshot IDs to remove (instead of a policy)')
    .option('--keep-last <n>', 'keep the n newest snapshots', keepCount('--keep-last'))
    .option(
      '--keep-hourly <n>',
      'keep the newest snapshot of each of the last n hours that have one',
      keepCount('--keep-hourly'),
    )
    .option(
      '--keep-daily <n>',
      'keep the newest snapshot of each of the last n days',
      keepCount('--keep-daily'),
    )
    .option(
      '--keep-weekly <n>',
      'keep the newest snapshot of each of the last n ISO weeks',
      keepCount('--keep-weekly'),
    )
    .option(
      '--keep-monthly <n>',
      'keep the newest snapshot of each of the last n months',
      keepCount('--keep-monthly'),
    )
    .option(
      '--keep-yearly <n>',
      'keep the newest snapshot of each of the last n years',
      keepCount('--keep-yearly'),
    )
    .option(
      '--keep-within <duration>',
      'keep snapshots newer than this before the newest one (e.g. 1y6m, 30d, 12h)',
    )
    .option(
      '--keep-tag <tags>',
      'keep snapshots with these tags (comma-separated: all of them; repeatable)',
      collect,
    )
    .option(
      '--group-by <keys>',
      'apply the policy per group of: host, paths, tags (comma-separated) or "none"',
      'host,paths',
    )
    .option('-H, --host <host>', 'only consider snapshots of this host (repeatable)', collect)
    .option(
      '--tag <tags>',
      'only consider snapshots with these tags (comma-separated: all of them; repeatable: any)',
      collect,
    )
    .option('--path <path>', 'only consider snapshots including this path (repeatable)', collect)
    .option('-n, --dry-run', 'show what would be removed')
    .option('--prune', 'then delete data no remaining snapshot uses')
    .option('--max-unused <limit>', 'with --prune: unused space to tolerate', '5%')
    .action(
      action(async (ctx, ids: string[], opts: ForgetOptions) => {
        const policy: RetentionPolicy = {
          ...(opts.keepLast !== undefined ? { last: opts.keepLast } : {}),
          ...(opts.keepHourly !== undefined ? { hourly: opts.keepHourly } : {}),
          ...(opts.keepDaily !== undefined ? { daily: opts.keepDaily } : {}),
          ...(opts.keepWeekly !== undefined ? { weekly: opts.keepWeekly } : {}),
          ...(opts.keepMonthly !== undefined ? { monthly: opts.keepMonthly } : {}),
          ...(opts.keepYearly !== undefined ? { yearly: opts.keepYearly } : {}),
          ...(opts.keepWithin !== undefined ? { within: parseCalendarDuration(opts.keepWithin) } : {}),
          ...(opts.keepTag ? { tags: opts.keepTag } : {}),
        };
        const groupBy = parseGroupBy(opts.groupBy);
        const limit = opts.prune ? parseUnusedLimit(opts.maxUnused) : undefined;
        const repo = await ctx.openRepository();
        const result = await forget(
          {
            policy,
            ids,
            groupBy,
            filter: { hosts: opts.host ?? [], tags: opts.tag ?? [], paths: opts.path ?? [] },
            dryRun: opts.dryRun ?? false,
          },
          { repo },
        );
        for (const group of result.groups) {
          ctx.out.message('group', { group_key: group.key, keep: group.keep, remove: group.remove });
          if (Object.keys(group.key).length > 0) ctx.out.line(`snapshots for ${JSON.stringify(group.key)}:`);
          for (const k of group.keep)
            ctx.out.line(`  keep    ${shortId(k.id)}  ${localTime(k.time)}  ${k.reasons.join(', ')}`);
          for (const r of group.remove)
            ctx.out.line(
              `  ${result.dryRun ? 'would remove' : 'remove'}  ${shortId(r.id)}  ${localTime(r.time)}`,
            );
        }
        const removedCount = result.dryRun
          ? result.groups.reduce((n, g) => n + g.remove.length, 0)
          : result.removed.length;
        const storage = storageSummary(repo.backend);
        ctx.out.message('summary', {
          dry_run: result.dryRun,
          removed: removedCount,
          not_deleted: result.notDeleted.length,
          kept: result.groups.reduce((n, g) => n + g.keep.length, 0),
          ...storage.fields,
        });
        ctx.out.line(`${result.dryRun ? 'would remove' : 'removed'} ${removedCount} snapshots`);
        for (const kept of result.notDeleted) {
          ctx.out.warn(
            `snapshot ${shortId(kept.id)} is forgotten but the store kept it (${kept.error}); it is never used, and \`stepvault prune\` run with the right to delete removes it`,
            { snapshot: kept.id },
          );
        }
        // With --prune, prune's summary follows and reports the requests of both.
        if (!limit) for (const line of storage.lines) ctx.out.line(line);
        if (limit) await runPrune(ctx, repo, limit, result.dryRun);
        return result.notDeleted.length > 0 ? EXIT.partial : 0;
      }),
    );
}
