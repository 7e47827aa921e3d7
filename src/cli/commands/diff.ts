// `stepvault diff A B`: shows what changed between two snapshots.

import type { Command } from 'commander';
import { diffTrees } from '../../operations/browse/diff.ts';
import { openReader } from '../../operations/browse/open-snapshot.ts';
import { resolveSnapshot } from '../../repository/snapshot/snapshot-store.ts';
import { action } from '../context.ts';

export function register(program: Command): void {
  program
    .command('diff')
    .description(
      'show the differences between two snapshots (+ added, - removed, M modified, T type changed, U metadata)',
    )
    .argument('<from>', 'snapshot ID or "latest"')
    .argument('<to>', 'snapshot ID or "latest"')
    .option('--metadata', 'also list entries whose metadata alone changed')
    .action(
      action(async (ctx, fromRef: string, toRef: string, opts: { metadata?: boolean }) => {
        const repo = await ctx.openRepository();
        const { reader, snapshots } = await openReader(repo);
        const from = resolveSnapshot(snapshots, fromRef);
        const to = resolveSnapshot(snapshots, toRef);
        const counts = { '+': 0, '-': 0, M: 0, T: 0, U: 0 };
        for await (const change of diffTrees(reader, from.tree, to.tree)) {
          counts[change.kind]++;
          if (change.kind === 'U' && !opts.metadata) continue;
          const suffix = change.type === 'dir' ? '/' : '';
          ctx.out.item(
            'change',
            { modifier: change.kind, path: change.path, type: change.type },
            `${change.kind}    ${change.path}${suffix}`,
          );
        }
        ctx.out.message('summary', {
          source_snapshot: from.id,
          target_snapshot: to.id,
          added: counts['+'],
          removed: counts['-'],
          changed: counts.M,
          type_changed: counts.T,
          metadata_changed: counts.U,
        });
        ctx.out.line();
        ctx.out.line(
          `added ${counts['+']}, removed ${counts['-']}, modified ${counts.M}, type changed ${counts.T}, metadata changed ${counts.U}`,
        );
        return 0;
      }),
    );
}
