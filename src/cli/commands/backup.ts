// `stepvault backup PATH...`: backs up files and directories into a new snapshot.

import type { Command } from 'commander';
import { formatBytes, formatDuration } from '../../common/bytes.ts';
import { StepvaultError } from '../../common/errors.ts';
import { DEFAULT_COMPRESSION_LEVEL } from '../../domain/compression-level.ts';
import { shortId } from '../../domain/snapshot.ts';
import { backupFiles } from '../../operations/backup/backup-files.ts';
import { readExcludeFile } from '../../sources/files/exclude-filter.ts';
import { startScan } from '../../sources/files/scan.ts';
import { action } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { collect, integer } from '../option-parsers.ts';
import { progressLine } from '../output/format.ts';
import { storageSummary } from '../output/storage-summary.ts';
import { registerBackupConfluence } from './backup-confluence.ts';

interface BackupOptions {
  exclude?: string[];
  excludeFile?: string[];
  oneFileSystem?: boolean;
  tag?: string[];
  host?: string;
  parent?: string;
  force?: boolean;
  dryRun?: boolean;
  compression?: number;
  ignoreCtime?: boolean;
  ignoreInode?: boolean;
}

export function register(program: Command): void {
  const backup = program
    .command('backup')
    .description('back up files and directories into a new snapshot')
    .argument('<paths...>', 'files and directories to back up')
    .option('-e, --exclude <pattern>', 'exclude paths matching the pattern (repeatable)', collect)
    .option('--exclude-file <file>', 'read exclude patterns from a file, one per line (repeatable)', collect)
    .option('-x, --one-file-system', 'do not cross file system boundaries')
    .option('--tag <tag>', 'add a tag to the snapshot (repeatable)', collect)
    .option('--host <name>', "record this host name instead of the machine's")
    .option('--parent <snapshot>', 'compare against this snapshot instead of the latest with the same paths')
    .option('--force', 'read every file, even those unchanged since the parent snapshot')
    .option('-n, --dry-run', 'do everything but write to the repository')
    .option(
      '--compression <level>',
      `zstd level 0-19 (0: none, default ${DEFAULT_COMPRESSION_LEVEL})`,
      integer('--compression', 0, 19),
    )
    .option('--ignore-ctime', 'do not treat a changed ctime as a change')
    .option('--ignore-inode', 'do not treat a changed inode number as a change')
    .action(
      action(async (ctx, paths: string[], opts: BackupOptions) => {
        const excludes = [...(opts.exclude ?? []), ...(opts.excludeFile ?? []).flatMap(readExcludeFile)];
        // The scan starts first, quiet or not: besides the totals progress shows, its walk reads the directories'
        // metadata into the kernel's caches while the repository opens (round trips to a remote store, the key's
        // derivation), which the backup's own walk then finds there. Without progress to show it stops there (a
        // thread less for the rest of the backup).
        const scan = startScan(paths, excludes, opts.oneFileSystem ?? false);
        const repo = await ctx.openRepository().catch((e: unknown) => {
          scan.stop();
          throw e;
        });
        if (ctx.out.quiet) scan.stop();
        const started = Date.now();
        let result: Awaited<ReturnType<typeof backupFiles>>;
        try {
          result = await backupFiles(
            {
              paths,
              excludes,
              oneFileSystem: opts.oneFileSystem ?? false,
              tags: opts.tag ?? [],
              ...(opts.host ? { host: opts.host } : {}),
              ...(opts.parent ? { parent: opts.parent } : {}),
              force: opts.force ?? false,
              dryRun: opts.dryRun ?? false,
              compressionLevel: opts.compression ?? DEFAULT_COMPRESSION_LEVEL,
              ignoreCtime: opts.ignoreCtime ?? false,
              ignoreInode: opts.ignoreInode ?? false,
            },
            {
              repo,
              signal: ctx.signal,
              onProgress: (p) =>
                ctx.out.status(() => {
                  const total = scan.totals();
                  const elapsedMs = Date.now() - started;
                  const fields = {
                    seconds_elapsed: Math.round(elapsedMs / 1000),
                    percent_done: total?.bytes ? Math.min(1, p.bytesDone / total.bytes) : 0,
                    total_files: total?.files ?? 0,
                    files_done: p.filesDone,
                    total_bytes: total?.bytes ?? 0,
                    bytes_done: p.bytesDone,
                    error_count: p.errors,
                    current_files: [p.current],
                  };
                  const line = progressLine({
                    elapsedMs,
                    files: p.filesDone,
                    bytes: p.bytesDone,
                    errors: p.errors,
                    current: p.current,
                    ...(total?.done || (total && total.bytes > p.bytesDone)
                      ? { totalFiles: total.files, totalBytes: total.bytes }
                      : {}),
                  });
                  return { text: line, fields };
                }),
            },
          );
        } finally {
          scan.stop();
        }
        const s = result.summary;
        for (const m of result.missing) ctx.out.warn(`${m.path}: ${m.error}`, { item: m.path });
        const seconds = (Date.parse(s.backupEnd) - Date.parse(s.backupStart)) / 1000;
        const storage = storageSummary(repo.backend);
        ctx.out.message('summary', {
          files_new: s.filesNew,
          files_changed: s.filesChanged,
          files_unmodified: s.filesUnmodified,
          dirs_new: s.dirsNew,
          dirs_changed: s.dirsChanged,
          dirs_unmodified: s.dirsUnmodified,
          data_blobs: s.dataBlobs,
          tree_blobs: s.treeBlobs,
          data_added: s.dataAdded,
          data_added_packed: s.dataAddedPacked,
          total_files_processed: s.totalFilesProcessed,
          total_bytes_processed: s.totalBytesProcessed,
          total_duration: seconds,
          backup_start: s.backupStart,
          backup_end: s.backupEnd,
          snapshot_id: result.snapshotId ?? null,
          parent: result.parent ?? null,
          dry_run: result.dryRun,
          errors: result.missing.length,
          ...storage.fields,
        });
        ctx.out.line(
          `Files:       ${s.filesNew} new, ${s.filesChanged} changed, ${s.filesUnmodified} unmodified`,
        );
        ctx.out.line(
          `Dirs:        ${s.dirsNew} new, ${s.dirsChanged} changed, ${s.dirsUnmodified} unmodified`,
        );
        ctx.out.line(
          `Added to the repository: ${formatBytes(s.dataAdded)} (${formatBytes(s.dataAddedPacked)} stored)`,
        );
        ctx.out.line(
          `processed ${s.totalFilesProcessed} files, ${formatBytes(s.totalBytesProcessed)} in ${formatDuration(seconds * 1000)}`,
        );
        if (result.dryRun) ctx.out.line('dry run: nothing was written');
        else
          ctx.out.line(
            `snapshot ${shortId(result.snapshotId!)} saved${result.missing.length ? ` (partial: ${result.missing.length} items could not be read)` : ''}`,
          );
        for (const line of storage.lines) ctx.out.line(line);
        if (
          result.missing.length > 0 &&
          !result.dryRun &&
          s.totalFilesProcessed === 0 &&
          s.dirsNew + s.dirsChanged + s.dirsUnmodified === 0
        ) {
          throw new StepvaultError('io', 'nothing could be read');
        }
        return result.missing.length > 0 ? EXIT.partial : EXIT.ok;
      }),
    );
  registerBackupConfluence(backup);
}
