// `stepvault backup confluence --site URL …`: backs up a Confluence Cloud site (all spaces, or those named)
// into a new snapshot; incremental against the newest backup of the same site. A subcommand of `backup`.

import type { Command } from 'commander';
import { formatBytes, formatDuration } from '../../common/bytes.ts';
import { StepvaultError } from '../../common/errors.ts';
import { DEFAULT_COMPRESSION_LEVEL } from '../../domain/compression-level.ts';
import { parseElapsedDuration } from '../../domain/duration.ts';
import { shortId } from '../../domain/snapshot.ts';
import type { SweepPolicy } from '../../operations/confluence/backup/backup-confluence.ts';
import {
  addConnectionOptions,
  type ConnectionOptions,
  clientOptions,
  SiteWaitDisplay,
} from '../confluence-connection.ts';
import { action } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { choice, collect, integer } from '../option-parsers.ts';

interface BackupConfluenceOptions extends ConnectionOptions {
  space?: string[];
  includeArchived?: boolean;
  history?: 'latest' | 'all';
  attachmentVersions?: 'latest' | 'all';
  drafts?: boolean;
  sweep?: boolean;
  sweepEvery?: string;
  sweepSlices?: number;
  concurrency?: number;
  tag?: string[];
  host?: string;
  parent?: string;
  force?: boolean;
  dryRun?: boolean;
  compression?: number;
}

/** Adds `confluence` under the `backup` command. */
export function registerBackupConfluence(backup: Command): void {
  const command = backup
    .command('confluence')
    .description('back up a Confluence Cloud site (all spaces, or those named) into a new snapshot');
  addConnectionOptions(command)
    .option('--space <key>', 'back up this space (repeatable; default: every space)', collect)
    .option('--include-archived', 'include archived spaces (the default)')
    .option('--no-include-archived', 'leave archived spaces out')
    .option(
      '--history <which>',
      'page versions: latest or all',
      choice('--history', ['latest', 'all'] as const),
    )
    .option(
      '--attachment-versions <which>',
      'attachment versions: latest or all',
      choice('--attachment-versions', ['latest', 'all'] as const),
    )
    .option('--drafts', 'keep pending drafts (unpublished changes) of published pages, one request per page')
    .option('--sweep', 're-read labels, properties, restrictions and permissions now')
    .option('--no-sweep', 'carry metadata over from the parent snapshot')
    .option('--sweep-every <duration>', 're-read metadata when the last sweep is this old (default 24h)')
    .option(
      '--sweep-slices <n>',
      'rolling sweep: every backup re-reads the metadata of the next 1/n of the items (the whole site every n backups)',
      integer('--sweep-slices', 1, 10_000),
    )
    .option('--concurrency <n>', 'items processed at once (default 16)', integer('--concurrency', 1, 256))
    .option('--tag <tag>', 'add a tag to the snapshot (repeatable)', collect)
    .option('--host <name>', "record this host name instead of the machine's")
    .option(
      '--parent <snapshot>',
      'reuse unchanged items from this snapshot instead of the newest matching one',
    )
    .option('--force', 'fetch everything, reusing nothing from earlier snapshots')
    .option('-n, --dry-run', 'do everything but write to the repository')
    .option(
      '--compression <level>',
      `zstd level 0-19 (0: none, default ${DEFAULT_COMPRESSION_LEVEL})`,
      integer('--compression', 0, 19),
    )
    .action(
      action(async (ctx, own: BackupConfluenceOptions) => {
        // `backup` has --tag, --host, --parent, --force, --dry-run and --compression too, and parses them
        // wherever they stand: take them from it when this command did not get them.
        const inherited = ctx.options as BackupConfluenceOptions;
        const opts: BackupConfluenceOptions = { ...own };
        for (const key of ['tag', 'host', 'parent', 'force', 'dryRun', 'compression'] as const) {
          if (opts[key] === undefined && inherited[key] !== undefined)
            Object.assign(opts, { [key]: inherited[key] });
        }
        // Loaded here, not with the command line: a files backup has no use for the Confluence client.
        const [{ ConfluenceClient }, { backupConfluence, DEFAULT_SWEEP_EVERY_MS }] = await Promise.all([
          import('../../sources/confluence/client/client.ts'),
          import('../../operations/confluence/backup/backup-confluence.ts'),
        ]);
        const sweep = sweepPolicy(opts, DEFAULT_SWEEP_EVERY_MS);
        const waits = new SiteWaitDisplay(ctx.out);
        const client = new ConfluenceClient({ ...clientOptions(opts), onWait: waits.onWait });
        const repo = await ctx.openRepository();
        const started = Date.now();
        const result = await client.withAdminKey(
          () =>
            backupConfluence(
              {
                site: opts.site!,
                spaces: opts.space ?? [],
                includeArchivedSpaces: opts.includeArchived !== false,
                history: opts.history ?? 'latest',
                attachmentVersions: opts.attachmentVersions ?? 'latest',
                drafts: opts.drafts ?? false,
                adminKey: opts.adminKey ?? false,
                sweep,
                ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
                tags: opts.tag ?? [],
                ...(opts.host ? { host: opts.host } : {}),
                ...(opts.parent ? { parent: opts.parent } : {}),
                force: opts.force ?? false,
                dryRun: opts.dryRun ?? false,
                compressionLevel: opts.compression ?? DEFAULT_COMPRESSION_LEVEL,
              },
              {
                repo,
                api: client,
                signal: ctx.signal,
                onProgress: (p) =>
                  ctx.out.status(() => {
                    const elapsedMs = Date.now() - started;
                    const parts = [`[${formatDuration(elapsedMs)}]`, p.phase];
                    if (p.items > 0) parts.push(`${p.itemsDone}/${p.items} items`);
                    parts.push(`${p.attachmentsDownloaded} attachments, ${formatBytes(p.bytesDownloaded)}`);
                    parts.push(`${p.requests} requests`);
                    if (p.errors) parts.push(`${p.errors} errors`);
                    return {
                      text: parts.join(' ') + waits.suffix(),
                      fields: {
                        ...waits.fields(),
                        seconds_elapsed: Math.round(elapsedMs / 1000),
                        phase: p.phase,
                        percent_done: p.items > 0 ? Math.min(1, p.itemsDone / p.items) : 0,
                        total_items: p.items,
                        items_done: p.itemsDone,
                        attachments_downloaded: p.attachmentsDownloaded,
                        bytes_downloaded: p.bytesDownloaded,
                        requests: p.requests,
                        error_count: p.errors,
                      },
                    };
                  }),
              },
            ),
          { signal: ctx.signal, onDisableFailed: (m) => ctx.out.warn(m) },
        );
        const s = result.summary;
        const c = s.confluence;
        for (const m of result.missing) ctx.out.warn(`${m.path}: ${m.error}`, { item: m.path });
        const seconds = (Date.parse(s.backupEnd) - Date.parse(s.backupStart)) / 1000;
        ctx.out.message('summary', {
          spaces: c.spaces,
          items: c.items,
          items_new: c.itemsNew,
          items_fetched: c.itemsFetched,
          items_reused: c.itemsReused,
          attachments_downloaded: c.attachmentsDownloaded,
          attachments_reused: c.attachmentsReused,
          bytes_downloaded: c.bytesDownloaded,
          requests: c.requests,
          retries: c.retries,
          rate_limited: c.rateLimited,
          sweep: {
            ran: c.sweep.ran,
            requests: c.sweep.requests,
            seconds: c.sweep.seconds,
            fallbacks: c.sweep.fallbacks,
          },
          data_added: s.dataAdded,
          data_added_packed: s.dataAddedPacked,
          tree_blobs: s.treeBlobs,
          total_duration: seconds,
          backup_start: s.backupStart,
          backup_end: s.backupEnd,
          snapshot_id: result.snapshotId ?? null,
          parent: result.parent ?? null,
          dry_run: result.dryRun,
          errors: result.missing.length,
          missing: result.missing,
          deleted_during_backup: result.deleted,
        });
        ctx.out.line(`Spaces:      ${c.spaces}`);
        ctx.out.line(
          `Items:       ${c.items} (${c.itemsNew} new, ${Math.max(0, c.itemsFetched - c.itemsNew)} changed, ${c.itemsReused} unchanged)`,
        );
        ctx.out.line(
          `Attachments: ${c.attachmentsDownloaded} downloaded (${formatBytes(c.bytesDownloaded)})${c.attachmentsReused ? `, ${c.attachmentsReused} reused` : ''}`,
        );
        ctx.out.line(
          `Requests:    ${c.requests} (${c.retries} retried, ${c.rateLimited} rate-limited)${c.sweep.ran ? `; metadata sweep ${c.sweep.requests} requests in ${formatDuration(c.sweep.seconds * 1000)}` : '; no metadata sweep'}`,
        );
        for (const f of c.sweep.fallbacks)
          ctx.out.line(`Sweep:       a batched search failed, its items were read one by one: ${f}`);
        ctx.out.line(
          `Added to the repository: ${formatBytes(s.dataAdded)} (${formatBytes(s.dataAddedPacked)} stored) in ${formatDuration(seconds * 1000)}`,
        );
        if (result.deleted.length > 0) {
          ctx.out.line(`Deleted on the site while the backup ran (left out): ${result.deleted.length}`);
          for (const d of result.deleted) ctx.out.line(`  ${d.path}: ${d.reason}`);
        }
        if (result.dryRun) ctx.out.line('dry run: nothing was written');
        else
          ctx.out.line(
            `snapshot ${shortId(result.snapshotId!)} saved${result.missing.length ? ` (partial: ${result.missing.length} items could not be read)` : ''}`,
          );
        return result.missing.length > 0 ? EXIT.partial : EXIT.ok;
      }),
    );
}

function sweepPolicy(opts: BackupConfluenceOptions, defaultEveryMs: number): SweepPolicy {
  if (opts.sweepEvery !== undefined && opts.sweep !== undefined)
    throw new StepvaultError('usage', '--sweep-every cannot be combined with --sweep or --no-sweep');
  if (opts.sweepSlices !== undefined) {
    if (opts.sweepEvery !== undefined || opts.sweep !== undefined)
      throw new StepvaultError(
        'usage',
        '--sweep-slices cannot be combined with --sweep, --no-sweep or --sweep-every',
        {
          hint: 'a rolling sweep re-reads a slice in every backup; --sweep forces a whole sweep once',
        },
      );
    return { kind: 'rolling', slices: opts.sweepSlices };
  }
  if (opts.sweep === true) return { kind: 'always' };
  if (opts.sweep === false) return { kind: 'never' };
  return {
    kind: 'every',
    ms: opts.sweepEvery !== undefined ? parseElapsedDuration(opts.sweepEvery) : defaultEveryMs,
  };
}
