// `stepvault lock extend|status`: the Object Lock retention of an immutable repository (one made with
// `init --lock-mode … --lock-period …`). Not to be confused with the lease locks `unlock` removes.

import type { Command } from 'commander';
import { extendRetention, lockOf } from '../../operations/object-lock/extend-retention.ts';
import { action } from '../context.ts';
import { EXIT } from '../exit-codes.ts';

export function register(program: Command): void {
  const lock = program.command('lock').description('keep an immutable repository (S3 Object Lock) locked');
  lock
    .command('extend')
    .description(
      'extend the retention of every object the kept snapshots need before it runs out (run it regularly; the maintenance workflow does)',
    )
    .option('-n, --dry-run', 'say what would be extended, change nothing')
    .action(
      action(async (ctx, opts: { dryRun?: boolean }) => {
        const repo = await ctx.openRepository();
        const r = await extendRetention(
          { dryRun: opts.dryRun ?? false },
          {
            repo,
            signal: ctx.signal,
            onProgress: (done, total) =>
              ctx.out.status(() => ({
                text: `checked ${done}/${total} objects`,
                fields: { objects_done: done, total_objects: total, percent_done: done / total },
              })),
          },
        );
        for (const f of r.failed) ctx.out.warn(`${f.object}: ${f.error}`, { object: f.object });
        for (const object of r.unprotected) {
          ctx.out.warn(`${object} had no retention${r.dryRun ? '' : '; it has now'}`, { object });
        }
        ctx.out.message('summary', {
          dry_run: r.dryRun,
          mode: r.mode,
          period: r.period,
          objects_checked: r.checked,
          objects_extended: r.extended,
          objects_unprotected: r.unprotected.length,
          objects_failed: r.failed.length,
          retain_until: r.until,
        });
        ctx.out.line(
          `${r.dryRun ? 'would extend' : 'extended'} the retention of ${r.extended} of ${r.checked} objects to ${r.until} (${r.mode}, ${r.period})`,
        );
        return r.failed.length > 0 ? EXIT.partial : 0;
      }),
    );
  lock
    .command('status')
    .description("show the repository's lock policy and the store's clock")
    .action(
      action(async (ctx) => {
        const repo = await ctx.openRepository();
        const { policy, lock: control } = lockOf(repo);
        const [enabled, now] = await Promise.all([control.enabled(), control.serverNow()]);
        ctx.out.item(
          'lock_status',
          {
            mode: policy.mode,
            period: policy.period,
            bucket_object_lock: enabled,
            server_time: now.toISOString(),
          },
          `${policy.mode} mode, ${policy.period}; Object Lock on the bucket: ${enabled ? 'enabled' : 'NOT enabled'}; server time ${now.toISOString()}`,
        );
        return enabled ? 0 : 1;
      }),
    );
}
