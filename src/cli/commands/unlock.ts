// `stepvault unlock`: removes stale locks (or, with --remove-all, every lock).

import type { Command } from 'commander';
import { removeLocks } from '../../repository/lock/lock.ts';
import { action } from '../context.ts';

export function register(program: Command): void {
  program
    .command('unlock')
    .description('remove stale locks left by processes that died')
    .option('--remove-all', 'remove all locks, even those of running processes (dangerous)')
    .action(
      action(async (ctx, opts: { removeAll?: boolean }) => {
        const repo = await ctx.openRepository();
        const removed = await removeLocks(repo, { all: opts.removeAll ?? false });
        for (const lock of removed) {
          ctx.out.item(
            'lock_removed',
            { id: lock.id, host: lock.host, pid: lock.pid, purpose: lock.purpose, time: lock.time },
            `removed ${lock.exclusive ? 'exclusive ' : ''}lock of PID ${lock.pid} on ${lock.host} (${lock.purpose}, ${lock.time})`,
          );
        }
        ctx.out.message('summary', { removed: removed.length });
        ctx.out.line(`${removed.length} lock(s) removed`);
        return 0;
      }),
    );
}
