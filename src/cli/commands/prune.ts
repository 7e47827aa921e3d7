// `stepvault prune`: deletes data that no snapshot uses.

import type { Command } from 'commander';
import { formatBytes } from '../../common/bytes.ts';
import { prune } from '../../operations/prune/prune.ts';
import { parseUnusedLimit, type UnusedLimit } from '../../operations/prune/prune-plan.ts';
import type { Repository } from '../../repository/repository.ts';
import { action, type CommandContext } from '../context.ts';
import { storageSummary } from '../output/storage-summary.ts';

export async function runPrune(
  ctx: CommandContext,
  repo: Repository,
  limit: UnusedLimit,
  dryRun: boolean,
): Promise<void> {
  const r = await prune({ maxUnused: limit, dryRun }, { repo, signal: ctx.signal });
  const storage = storageSummary(repo.backend);
  ctx.out.message('summary', {
    dry_run: r.dryRun,
    packs_before: r.packsBefore,
    packs_deleted: r.packsDeleted,
    packs_repacked: r.packsRepacked,
    packs_written: r.packsWritten,
    unindexed_packs_deleted: r.unindexedDeleted,
    temporary_files_removed: r.temporariesRemoved,
    forgotten_snapshots_removed: r.forgottenRemoved,
    ...(r.versions
      ? {
          versions_deleted: r.versions.removed,
          versions_deleted_bytes: r.versions.removedBytes,
          versions_retained: r.versions.retained,
          versions_retained_bytes: r.versions.retainedBytes,
          ...(r.versions.retainedUntil
            ? { versions_retained_until: r.versions.retainedUntil.toISOString() }
            : {}),
        }
      : {}),
    blobs_removed: r.blobsRemoved,
    bytes_before: r.bytesBefore,
    bytes_freed: r.bytesFreed,
    unused_bytes_after: r.unusedBytesAfter,
    ...storage.fields,
  });
  const verb = r.dryRun ? 'would' : 'did';
  ctx.out.line(
    `prune ${verb} delete ${r.packsDeleted} packs, repack ${r.packsRepacked}, remove ${r.unindexedDeleted} unindexed packs`,
  );
  if (r.forgottenRemoved > 0)
    ctx.out.line(
      `${verb === 'did' ? 'removed' : 'would remove'} ${r.forgottenRemoved} forgotten snapshots still present`,
    );
  if (r.temporariesRemoved > 0)
    ctx.out.line(
      `removed ${r.temporariesRemoved} files that interrupted backups left in the repository's tmp/`,
    );
  if (r.versions && (r.versions.removed > 0 || r.versions.retained > 0))
    ctx.out.line(
      `deleted ${r.versions.removed} versions of removed objects (${formatBytes(r.versions.removedBytes)})${r.versions.retained > 0 ? `; ${r.versions.retained} (${formatBytes(r.versions.retainedBytes)}) are retained until ${r.versions.retainedUntil?.toISOString()} and are deleted by a prune after that` : ''}`,
    );
  ctx.out.line(
    `${r.dryRun ? 'would free' : 'freed'} ${formatBytes(r.bytesFreed)} of ${formatBytes(r.bytesBefore)}; unused space left: ${formatBytes(r.unusedBytesAfter)}`,
  );
  for (const line of storage.lines) ctx.out.line(line);
}

export function register(program: Command): void {
  program
    .command('prune')
    .description('delete data that no snapshot uses')
    .option(
      '--max-unused <limit>',
      'unused space to tolerate rather than repack: a percentage, a size, or "unlimited"',
      '5%',
    )
    .option('-n, --dry-run', 'show what would be deleted')
    .action(
      action(async (ctx, opts: { maxUnused: string; dryRun?: boolean }) => {
        const limit = parseUnusedLimit(opts.maxUnused);
        const repo = await ctx.openRepository();
        await runPrune(ctx, repo, limit, opts.dryRun ?? false);
        return 0;
      }),
    );
}
