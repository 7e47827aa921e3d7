// `stepvault restore confluence SNAPSHOT --site URL …`: restores a Confluence snapshot into a Confluence site —
// every space (or those named), one page or a subtree, into a new space, an existing one, or in place. A
// subcommand of `restore`. Exits 3 when some items could not be restored (each is listed).

import type { Command } from 'commander';
import { formatBytes, formatDuration } from '../../common/bytes.ts';
import { StepvaultError } from '../../common/errors.ts';
import { shortId } from '../../domain/snapshot.ts';
import type { RestoreProgress } from '../../operations/confluence/restore/context.ts';
import type { RestoreCounts } from '../../operations/confluence/restore/report.ts';
import {
  addConnectionOptions,
  type ConnectionOptions,
  clientOptions,
  SiteWaitDisplay,
} from '../confluence-connection.ts';
import { action, cacheDirectory } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { collect, integer } from '../option-parsers.ts';

interface RestoreConfluenceOptions extends ConnectionOptions {
  space?: string[];
  targetSpace?: string;
  newSpace?: string;
  newSpaceName?: string;
  page?: string;
  withDescendants?: boolean;
  inPlace?: boolean;
  dryRun?: boolean;
  sourceHost?: string[];
  targetHost?: string;
  concurrency?: number;
}

const PHASES: Record<RestoreProgress['phase'], string> = {
  space: 'space',
  tree: 'pages',
  order: 'order',
  bodies: 'bodies',
  details: 'attachments, labels, comments',
  finish: 'restrictions',
};

function itemsCreated(counts: RestoreCounts): string {
  const parts = Object.entries(counts.itemsCreated)
    .filter(([, n]) => n > 0)
    .map(([type, n]) => `${n} ${type}${n === 1 ? '' : 's'}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}

/** Adds `confluence` under the `restore` command. */
export function registerRestoreConfluence(restore: Command): void {
  const command = restore
    .command('confluence')
    .description('restore a Confluence snapshot into a Confluence site (spaces, a page or a subtree)')
    .argument('<snapshot>', '"latest" or a snapshot ID');
  addConnectionOptions(command)
    .option('--space <key>', 'restore this space of the snapshot (repeatable; default: every space)', collect)
    .option('--target-space <key>', 'restore into this existing space')
    .option('--new-space <key>', 'restore into a new space with this key')
    .option('--new-space-name <name>', "the new space's name (default: the snapshot space's)")
    .option('--page <id>', 'restore this page (or blog post, folder) only')
    .option('--with-descendants', 'with --page: everything below it too')
    .option('--in-place', 'same site and space: roll changed pages back, un-trash and recreate deleted ones')
    .option('-n, --dry-run', 'show what would be created and updated, change nothing')
    .option(
      '--source-host <host>',
      'a host that also means the original site in absolute links (repeatable; its own host always does)',
      collect,
    )
    .option('--target-host <host>', "the host rewritten links point to (default: the target site's)")
    .option('--concurrency <n>', 'items worked on at once (default 8)', integer('--concurrency', 1, 64))
    .action(
      action(async (ctx, snapshot: string, own: RestoreConfluenceOptions) => {
        // `restore` has --dry-run too and parses it wherever it stands: take it from there if need be.
        const opts: RestoreConfluenceOptions = { ...own };
        const inherited = ctx.options as RestoreConfluenceOptions;
        if (opts.dryRun === undefined && inherited.dryRun !== undefined) opts.dryRun = inherited.dryRun;
        if (opts.newSpaceName !== undefined && opts.newSpace === undefined)
          throw new StepvaultError('usage', '--new-space-name needs --new-space KEY');
        // Loaded here, not with the command line: a files restore has no use for the Confluence client.
        const [{ ConfluenceClient }, { restoreConfluence }] = await Promise.all([
          import('../../sources/confluence/client/client.ts'),
          import('../../operations/confluence/restore/restore-confluence.ts'),
        ]);
        const waits = new SiteWaitDisplay(ctx.out);
        const client = new ConfluenceClient({ ...clientOptions(opts), onWait: waits.onWait });
        const repo = await ctx.openRepository();
        const started = Date.now();
        const result = await client.withAdminKey(
          () =>
            restoreConfluence(
              {
                snapshot,
                ...(opts.space ? { spaces: opts.space } : {}),
                ...(opts.targetSpace !== undefined ? { targetSpace: opts.targetSpace } : {}),
                ...(opts.newSpace !== undefined
                  ? {
                      newSpace: {
                        key: opts.newSpace,
                        ...(opts.newSpaceName !== undefined ? { name: opts.newSpaceName } : {}),
                      },
                    }
                  : {}),
                ...(opts.page !== undefined ? { page: opts.page } : {}),
                withDescendants: opts.withDescendants ?? false,
                inPlace: opts.inPlace ?? false,
                dryRun: opts.dryRun ?? false,
                ...(opts.sourceHost ? { sourceHosts: opts.sourceHost } : {}),
                ...(opts.targetHost !== undefined ? { targetHost: opts.targetHost } : {}),
                ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
              },
              {
                repo,
                client,
                targetSite: opts.site!,
                stateDir: cacheDirectory(ctx.options),
                signal: ctx.signal,
                onProgress: (p) =>
                  ctx.out.status(() => {
                    const elapsedMs = Date.now() - started;
                    const requests = client.stats().totalRequests;
                    return {
                      text:
                        `[${formatDuration(elapsedMs)}] ${p.space}: ${PHASES[p.phase]} ${p.done}/${p.total}, ${requests} requests` +
                        waits.suffix(),
                      fields: {
                        ...waits.fields(),
                        seconds_elapsed: Math.round(elapsedMs / 1000),
                        space: p.space,
                        phase: p.phase,
                        items_done: p.done,
                        total_items: p.total,
                        percent_done: p.total > 0 ? p.done / p.total : 1,
                        requests,
                      },
                    };
                  }),
              },
            ),
          { signal: ctx.signal, onDisableFailed: (m) => ctx.out.warn(m) },
        );
        const c = result.counts;
        const stats = client.stats();
        for (const w of result.warnings) ctx.out.warn(w);
        for (const f of result.notRestored)
          ctx.out.warn(`space ${f.space}: ${f.item}: ${f.reason}`, { space: f.space, item: f.item });
        for (const c of result.changed)
          ctx.out.item(
            'changed',
            { space: c.space, item: c.item, what: c.what },
            `${result.dryRun ? 'would change' : 'changed'}: space ${c.space}: ${c.item}: ${c.what}`,
          );
        ctx.out.message('summary', {
          snapshot_id: result.snapshotId,
          dry_run: result.dryRun,
          spaces: result.spaces.map((s) => ({
            source: s.source,
            target: s.target,
            created: s.created,
            items: s.items,
          })),
          spaces_created: c.spacesCreated,
          items_created: c.itemsCreated,
          items_found: c.itemsFound,
          versions_written: c.versionsWritten,
          items_untrashed: c.itemsUntrashed,
          items_moved: c.itemsMoved,
          items_trashed: c.itemsTrashed,
          attachments: c.attachments,
          attachment_versions: c.attachmentVersions,
          attachment_bytes: c.attachmentBytes,
          footer_comments: c.footerComments,
          inline_comments: c.inlineComments,
          labels: c.labels,
          properties: c.properties,
          pending_drafts: c.pendingDrafts,
          restrictions: c.restrictions,
          space_permissions: c.spacePermissions,
          space_properties: c.spaceProperties,
          templates: c.templates,
          space_settings: c.spaceSettings,
          requests: stats.totalRequests,
          total_duration: result.durationMs / 1000,
          warnings: result.warnings,
          errors: result.notRestored.length,
          not_restored: result.notRestored,
          changed: result.changed.length,
        });
        if (result.dryRun) ctx.out.line('Dry run: what the restore would do');
        for (const s of result.spaces)
          ctx.out.line(
            `Space ${s.source} -> ${s.target}${s.created ? ' (new space)' : ''}: ${s.items} items`,
          );
        ctx.out.line(`Created:     ${itemsCreated(c)}`);
        ctx.out.line(
          `Existing:    ${c.itemsFound} found, ${c.versionsWritten} new versions, ${c.itemsUntrashed} out of the trash, ${c.itemsMoved} moves, ${c.itemsTrashed} put in the trash`,
        );
        ctx.out.line(
          `Attachments: ${c.attachments} files, ${c.attachmentVersions} versions, ${formatBytes(c.attachmentBytes)}`,
        );
        ctx.out.line(
          `Metadata:    ${c.footerComments} footer and ${c.inlineComments} inline comments, ${c.labels} labels, ${c.properties} properties, ${c.restrictions} restrictions, ${c.spacePermissions} space permissions, ${c.spaceSettings} space settings, ${c.templates} templates${c.pendingDrafts > 0 ? `, ${c.pendingDrafts} pending drafts` : ''}`,
        );
        if (result.dryRun)
          ctx.out.line(`dry run: nothing was changed (${stats.totalRequests} requests to read the target)`);
        else
          ctx.out.line(
            `restored snapshot ${shortId(result.snapshotId)} to ${opts.site} in ${formatDuration(result.durationMs)} (${stats.totalRequests} requests)`,
          );
        if (result.notRestored.length > 0)
          ctx.out.line(`${result.notRestored.length} items could not be restored (see above)`);
        return result.notRestored.length > 0 ? EXIT.partial : EXIT.ok;
      }),
    );
}
