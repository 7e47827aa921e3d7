// `stepvault check`: verifies the repository; with --read-data also all (or part of) the data.

import type { Command } from 'commander';
import { formatBytes } from '../../common/bytes.ts';
import { StepvaultError } from '../../common/errors.ts';
import { checkRepository } from '../../operations/check/check.ts';
import { parseSubset } from '../../operations/check/check-data.ts';
import { action } from '../context.ts';
import { storageSummary } from '../output/storage-summary.ts';

export function register(program: Command): void {
  program
    .command('check')
    .description('verify the repository: structure always, data with --read-data')
    .option('--read-data', 'read and verify all data')
    .option(
      '--read-data-subset <subset>',
      'read and verify a part of the data: n/t (bucket n of t) or x% (random)',
    )
    .action(
      action(async (ctx, opts: { readData?: boolean; readDataSubset?: string }) => {
        const subset = opts.readDataSubset ? parseSubset(opts.readDataSubset) : undefined;
        // Everything from the store itself: a cached copy proves nothing about what the store holds.
        const repo = await ctx.openRepository({ objectCache: false });
        const result = await checkRepository(
          { readData: (opts.readData ?? false) || subset !== undefined, ...(subset ? { subset } : {}) },
          {
            repo,
            signal: ctx.signal,
            onProgress: (done, total) =>
              ctx.out.status(() => ({
                text: `read ${done}/${total} packs`,
                fields: { packs_done: done, total_packs: total, percent_done: done / total },
              })),
          },
        );
        for (const note of result.notes)
          ctx.out.item(
            'note',
            { object: note.object, message: note.message },
            `note: ${note.object} ${note.message}`,
          );
        for (const e of result.errors)
          ctx.out.item(
            'error',
            { object: e.object, error: { message: e.message } },
            `error: ${e.object} ${e.message}`,
          );
        const storage = storageSummary(repo.backend);
        ctx.out.message('summary', {
          errors: result.errors.length,
          snapshots: result.snapshots,
          packs: result.packs,
          trees: result.trees,
          blobs_referenced: result.blobsReferenced,
          packs_read: result.packsRead,
          bytes_read: result.bytesRead,
          ...storage.fields,
        });
        ctx.out.line(
          `checked ${result.snapshots} snapshots, ${result.trees} trees, ${result.packs} packs${result.packsRead ? `; read ${result.packsRead} packs (${formatBytes(result.bytesRead)})` : ''}`,
        );
        for (const line of storage.lines) ctx.out.line(line);
        if (result.errors.length > 0) {
          throw new StepvaultError('corrupt', `the repository has ${result.errors.length} error(s)`, {
            hint: 'restore what you can; the errors above name the damaged objects',
          });
        }
        ctx.out.line('no errors were found');
        return 0;
      }),
    );
}
