// `stepvault repair index`: rebuilds the index from the packs.

import type { Command } from 'commander';
import { repairIndex } from '../../operations/repair/repair-index.ts';
import { action } from '../context.ts';
import { EXIT } from '../exit-codes.ts';

export function register(program: Command): void {
  const repair = program.command('repair').description('repair parts of a damaged repository');
  repair
    .command('index')
    .description("rebuild the index from the packs' headers (when index files are damaged or missing)")
    .action(
      action(async (ctx) => {
        const repo = await ctx.openRepository();
        const r = await repairIndex({ repo, signal: ctx.signal });
        for (const u of r.unreadable)
          ctx.out.warn(`pack ${u.pack}: ${u.error}`, { object: `pack ${u.pack}` });
        ctx.out.message('summary', {
          packs: r.packs,
          unreadable_packs: r.unreadable.length,
          index_files_written: r.indexFilesWritten,
          index_files_removed: r.indexFilesRemoved,
        });
        ctx.out.line(
          `indexed ${r.packs} packs in ${r.indexFilesWritten} index files, removed ${r.indexFilesRemoved} old index files`,
        );
        if (r.unreadable.length > 0)
          ctx.out.line(
            `${r.unreadable.length} packs could not be read (see above); run \`stepvault check\` to see what they affect`,
          );
        return r.unreadable.length > 0 ? EXIT.partial : EXIT.ok;
      }),
    );
}
