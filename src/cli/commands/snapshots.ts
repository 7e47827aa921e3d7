// `stepvault snapshots`: lists snapshots.

import type { Command } from 'commander';
import { formatBytes } from '../../common/bytes.ts';
import { matchesFilter, shortId } from '../../domain/snapshot.ts';
import { listSnapshots } from '../../repository/snapshot/snapshot-store.ts';
import { action } from '../context.ts';
import { integer } from '../option-parsers.ts';
import { localTime, table } from '../output/format.ts';
import {
  addSnapshotSelectionOptions,
  type SnapshotSelectionOptions,
  snapshotSelection,
} from '../snapshot-selection-options.ts';

interface SnapshotsOptions extends SnapshotSelectionOptions {
  latest?: number;
}

export function register(program: Command): void {
  addSnapshotSelectionOptions(program.command('snapshots').description('list snapshots'))
    .option('--latest <n>', 'only the newest n snapshots of each host and path set', integer('--latest', 1))
    .action(
      action(async (ctx, opts: SnapshotsOptions) => {
        const repo = await ctx.openRepository();
        const { snapshots, unreadable } = await listSnapshots(repo);
        for (const u of unreadable) ctx.out.warn(`snapshot ${u.id}: ${u.error.message}`, { snapshot: u.id });
        const selection = snapshotSelection(opts);
        let chosen = snapshots.filter((s) => matchesFilter(s, selection));
        if (opts.latest) {
          const counts = new Map<string, number>();
          chosen = chosen.filter((s) => {
            const key = JSON.stringify([s.host, [...s.paths].sort()]);
            const n = (counts.get(key) ?? 0) + 1;
            counts.set(key, n);
            return n <= opts.latest!;
          });
        }
        chosen.reverse(); // oldest first, like restic
        if (ctx.out.json) {
          for (const s of chosen) ctx.out.message('snapshot', { ...s, short_id: shortId(s.id) });
          return 0;
        }
        const rows = chosen.map((s) => [
          shortId(s.id),
          localTime(s.time),
          s.host,
          s.tags.join(','),
          s.paths.join(' ') + (s.partial ? ' (partial)' : ''),
          s.summary ? formatBytes(s.summary.totalBytesProcessed) : '',
        ]);
        for (const line of table(['ID', 'Time', 'Host', 'Tags', 'Paths', 'Size'], rows)) ctx.out.line(line);
        ctx.out.line(`${chosen.length} snapshots`);
        return 0;
      }),
    );
}
