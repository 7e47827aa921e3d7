// `stepvault export html SNAPSHOT --target DIR`: writes a Confluence snapshot as a static, self-contained HTML
// site that a person can open from disk (file://) while Confluence is down.

import type { Command } from 'commander';
import { formatBytes, formatDuration } from '../../common/bytes.ts';
import { shortId } from '../../domain/snapshot.ts';
import { exportHtml } from '../../operations/confluence/export/export-html.ts';
import { action } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { collect, integer } from '../option-parsers.ts';

interface ExportHtmlCliOptions {
  target: string;
  space?: string[];
  includeTrashed?: boolean;
  includeDrafts?: boolean;
  force?: boolean;
  siteHost?: string[];
  concurrency?: number;
}

export function register(program: Command): void {
  const exportCommand = program.command('export').description('write a snapshot in another format');
  exportCommand
    .command('html')
    .description('write a Confluence snapshot as a static HTML site to read offline (opens from disk)')
    .argument('<snapshot>', '"latest" (the newest Confluence snapshot) or a snapshot ID')
    .requiredOption(
      '-t, --target <dir>',
      'directory to write (created if missing; must be empty unless --force)',
    )
    .option('-s, --space <key>', 'export only this space (repeatable; default: every space)', collect)
    .option('--include-trashed', 'also export content in the trash (marked as such)')
    .option('--include-drafts', 'also export unpublished drafts (marked as such)')
    .option(
      '--force',
      'write into a non-empty target: files of the export replace those of the same names, others are left alone',
    )
    .option(
      '--site-host <host>',
      'another host name of the site (a custom domain): links by id to it point at the exported pages (repeatable)',
      collect,
    )
    .option(
      '--concurrency <n>',
      'items read and written at once (default 8)',
      integer('--concurrency', 1, 64),
    )
    .action(
      action(async (ctx, snapshot: string, opts: ExportHtmlCliOptions) => {
        const repo = await ctx.openRepository();
        const started = Date.now();
        const result = await exportHtml(
          {
            snapshot,
            target: opts.target,
            ...(opts.space ? { spaces: opts.space } : {}),
            includeTrashed: opts.includeTrashed ?? false,
            includeDrafts: opts.includeDrafts ?? false,
            force: opts.force ?? false,
            ...(opts.siteHost ? { siteHosts: opts.siteHost } : {}),
            ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
          },
          {
            repo,
            signal: ctx.signal,
            onProgress: (p) =>
              ctx.out.status(() => ({
                text:
                  `[${formatDuration(Date.now() - started)}] ${p.phase}: ` +
                  `${p.itemsDone}/${p.itemsTotal} pages, ${p.attachmentsDone}/${p.attachmentsTotal} attachments, ` +
                  `${formatBytes(p.bytesWritten)} written`,
                fields: {
                  seconds_elapsed: Math.round((Date.now() - started) / 1000),
                  phase: p.phase,
                  items_done: p.itemsDone,
                  total_items: p.itemsTotal,
                  attachments_done: p.attachmentsDone,
                  total_attachments: p.attachmentsTotal,
                  bytes_written: p.bytesWritten,
                },
              })),
          },
        );
        for (const s of result.skipped) ctx.out.warn(`skipped ${s}`, { item: s });
        for (const f of result.failed) ctx.out.warn(`${f.item}: ${f.error}`, { item: f.item });
        ctx.out.message('summary', {
          snapshot_id: result.snapshotId,
          target: result.target,
          spaces: result.spaces,
          pages: result.pages,
          blog_posts: result.blogPosts,
          other_items: result.otherItems,
          attachments: result.attachments,
          files_written: result.filesWritten,
          bytes_written: result.bytesWritten,
          excluded_trashed: result.excluded.trashed,
          excluded_drafts: result.excluded.drafts,
          excluded_other: result.excluded.other,
          errors: result.failed.length,
          skipped: result.skipped.length,
          total_duration: result.durationMs / 1000,
        });
        ctx.out.line(
          `exported ${result.spaces} spaces, ${result.pages} pages, ${result.blogPosts} blog posts, ` +
            `${result.attachments} attachments (${formatBytes(result.bytesWritten)}) from snapshot ` +
            `${shortId(result.snapshotId)} to ${result.target} in ${formatDuration(result.durationMs)}`,
        );
        if (result.excluded.trashed > 0)
          ctx.out.line(
            `${result.excluded.trashed} items in the trash left out (--include-trashed adds them)`,
          );
        if (result.failed.length > 0)
          ctx.out.line(`${result.failed.length} items could not be read (see above)`);
        ctx.out.line(`open ${result.target}/index.html in a browser`);
        return result.failed.length > 0 ? EXIT.partial : EXIT.ok;
      }),
    );
}
