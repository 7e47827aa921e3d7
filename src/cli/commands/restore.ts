// `stepvault restore SNAPSHOT[:PATH] --target DIR`: restores a snapshot, or a directory inside it.

import type { Command } from 'commander';
import { formatBytes, formatDuration } from '../../common/bytes.ts';
import { StepvaultError } from '../../common/errors.ts';
import { shortId } from '../../domain/snapshot.ts';
import { restoreFiles } from '../../operations/restore/restore-files.ts';
import { action } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { choice, collect } from '../option-parsers.ts';
import { progressLine } from '../output/format.ts';
import { storageSummary } from '../output/storage-summary.ts';
import { registerRestoreConfluence } from './restore-confluence.ts';

interface RestoreOptions {
  target?: string;
  include?: string[];
  exclude?: string[];
  overwrite: 'never' | 'always';
  host?: string[];
  dryRun?: boolean;
}

export function register(program: Command): void {
  const restore = program
    .command('restore')
    .description('restore a snapshot (or a directory in it, as ID:/path) into a target directory')
    .argument('<snapshot>', '"latest" or a snapshot ID, optionally followed by :/path/in/snapshot')
    // Not a required option: commander would then demand it of `restore confluence` too.
    .option('-t, --target <dir>', 'directory to restore into (created if missing; required)')
    .option('-i, --include <pattern>', 'restore only paths matching the pattern (repeatable)', collect)
    .option('-e, --exclude <pattern>', 'do not restore paths matching the pattern (repeatable)', collect)
    .option(
      '--overwrite <policy>',
      'what to do with existing files: never (refuse, the default) or always',
      choice('--overwrite', ['never', 'always'] as const),
      'never',
    )
    .option('-H, --host <host>', 'with "latest": only snapshots of this host (repeatable)', collect)
    .option('-n, --dry-run', 'show what would be restored')
    .action(
      action(async (ctx, snapshot: string, opts: RestoreOptions) => {
        const target = opts.target;
        if (target === undefined)
          throw new StepvaultError('usage', "required option '-t, --target <dir>' not specified", {
            hint: 'give the directory to restore into; `stepvault restore confluence` restores into Confluence',
          });
        const repo = await ctx.openRepository();
        const started = Date.now();
        const result = await restoreFiles(
          {
            snapshot,
            target,
            ...(opts.include ? { includes: opts.include } : {}),
            ...(opts.exclude ? { excludes: opts.exclude } : {}),
            overwrite: opts.overwrite,
            ...(opts.host ? { hosts: opts.host } : {}),
            dryRun: opts.dryRun ?? false,
          },
          {
            repo,
            signal: ctx.signal,
            onProgress: (p) =>
              ctx.out.status(() => ({
                text: progressLine({
                  elapsedMs: Date.now() - started,
                  bytes: p.bytesDone,
                  totalBytes: p.totalBytes,
                }),
                fields: {
                  seconds_elapsed: Math.round((Date.now() - started) / 1000),
                  bytes_restored: p.bytesDone,
                  total_bytes: p.totalBytes,
                  percent_done: p.totalBytes ? p.bytesDone / p.totalBytes : 1,
                },
              })),
          },
        );
        for (const w of result.warnings) ctx.out.warn(w);
        for (const f of result.failed) ctx.out.warn(`${f.path}: ${f.error}`, { item: f.path });
        for (const f of result.skipped) ctx.out.warn(`${f.path}: ${f.error}`, { item: f.path });
        const storage = storageSummary(repo.backend);
        ctx.out.message('summary', {
          snapshot_id: result.snapshotId,
          files_restored: result.filesRestored,
          dirs_restored: result.dirsRestored,
          others_restored: result.othersRestored,
          bytes_restored: result.bytesRestored,
          errors: result.failed.length,
          skipped: result.skipped.length,
          total_duration: result.durationMs / 1000,
          dry_run: opts.dryRun ?? false,
          ...storage.fields,
        });
        const verb = opts.dryRun ? 'would restore' : 'restored';
        ctx.out.line(
          `${verb} ${result.filesRestored} files, ${result.dirsRestored} directories, ${formatBytes(result.bytesRestored)} from snapshot ${shortId(result.snapshotId)}${opts.dryRun ? '' : ` to ${target} in ${formatDuration(result.durationMs)}`}`,
        );
        for (const line of storage.lines) ctx.out.line(line);
        if (result.failed.length > 0)
          ctx.out.line(`${result.failed.length} items could not be restored (see above)`);
        return result.failed.length > 0 ? EXIT.partial : EXIT.ok;
      }),
    );
  registerRestoreConfluence(restore);
}
