// `stepvault stats [SNAPSHOT...]`: sizes, deduplication and compression.

import type { Command } from 'commander';
import { formatBytes } from '../../common/bytes.ts';
import { openReader } from '../../operations/browse/open-snapshot.ts';
import { computeStats } from '../../operations/browse/stats.ts';
import { resolveSnapshot } from '../../repository/snapshot/snapshot-store.ts';
import { action } from '../context.ts';

export function register(program: Command): void {
  program
    .command('stats')
    .description('show how large the snapshots are, and how much deduplication and compression save')
    .argument('[snapshots...]', 'snapshot IDs (default: all)')
    .action(
      action(async (ctx, refs: string[]) => {
        const repo = await ctx.openRepository();
        const { reader, snapshots } = await openReader(repo);
        const chosen = refs.length ? refs.map((r) => resolveSnapshot(snapshots, r)) : snapshots;
        const s = await computeStats(reader, chosen);
        ctx.out.message('summary', {
          snapshots_count: s.snapshots,
          total_file_count: s.files,
          total_size: s.restoreSize,
          total_uncompressed_size: s.uniqueSize,
          total_stored_size: s.storedSize,
          total_blob_count: s.uniqueBlobs,
          repository_size: s.repositorySize,
          deduplication_ratio: s.dedupRatio,
          compression_ratio: s.compressionRatio,
          space_saving: s.restoreSize > 0 ? 1 - s.storedSize / s.restoreSize : 0,
        });
        ctx.out.line(`Snapshots:              ${s.snapshots}`);
        ctx.out.line(`Files (all snapshots):  ${s.files}`);
        ctx.out.line(`Restore size:           ${formatBytes(s.restoreSize)}`);
        ctx.out.line(
          `Unique data:            ${formatBytes(s.uniqueSize)} in ${s.uniqueBlobs} blobs (deduplication ${s.dedupRatio.toFixed(2)}x)`,
        );
        ctx.out.line(
          `Stored:                 ${formatBytes(s.storedSize)} (compression ${s.compressionRatio.toFixed(2)}x)`,
        );
        ctx.out.line(`Repository data:        ${formatBytes(s.repositorySize)} in packs`);
        ctx.out.line(
          `Space saving:           ${s.restoreSize > 0 ? (100 * (1 - s.storedSize / s.restoreSize)).toFixed(1) : '0.0'}%`,
        );
        return 0;
      }),
    );
}
