// `stepvault tag SNAPSHOT... --add T --remove T`: changes snapshots' tags (each changed snapshot gets a new ID;
// `original` keeps the first). For example `--remove protected` releases a snapshot the anomaly guard kept
// from retention, once someone has looked at the anomaly.

import type { Command } from 'commander';
import { StepvaultError } from '../../common/errors.ts';
import { shortId } from '../../domain/snapshot.ts';
import { tagSnapshots } from '../../operations/tag-snapshots.ts';
import { action } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { collect } from '../option-parsers.ts';

export function register(program: Command): void {
  program
    .command('tag')
    .description('add or remove snapshot tags (e.g. --remove protected after an anomaly was reviewed)')
    .argument('<snapshot...>', 'snapshot IDs (or unique prefixes)')
    .option('--add <tag>', 'add this tag (repeatable)', collect)
    .option('--remove <tag>', 'remove this tag (repeatable)', collect)
    .action(
      action(async (ctx, snapshots: string[], opts: { add?: string[]; remove?: string[] }) => {
        if (!opts.add?.length && !opts.remove?.length) {
          throw new StepvaultError('usage', 'nothing to change', {
            hint: 'give --add TAG and/or --remove TAG',
          });
        }
        for (const tag of [...(opts.add ?? []), ...(opts.remove ?? [])]) {
          if (!/^[^,\s]{1,64}$/.test(tag))
            throw new StepvaultError('usage', `invalid tag ${JSON.stringify(tag)}`, {
              hint: 'a tag has 1-64 characters, no commas or spaces',
            });
        }
        const repo = await ctx.openRepository();
        const result = await tagSnapshots(
          {
            snapshots,
            ...(opts.add ? { add: opts.add } : {}),
            ...(opts.remove ? { remove: opts.remove } : {}),
          },
          { repo },
        );
        for (const c of result.changed)
          ctx.out.item(
            'snapshot_tagged',
            { from: c.from, to: c.to, tags: c.tags },
            `${shortId(c.from)} -> ${shortId(c.to)}: ${c.tags.join(', ') || '(no tags)'}`,
          );
        for (const id of result.unchanged)
          ctx.out.item('snapshot_unchanged', { id }, `${shortId(id)}: already as asked`);
        for (const kept of result.notDeleted) {
          ctx.out.warn(
            `the replaced snapshot ${shortId(kept.id)} is forgotten but the store kept it (${kept.error}); it is never used, and \`stepvault prune\` run with the right to delete removes it`,
            { snapshot: kept.id },
          );
        }
        ctx.out.message('summary', { changed: result.changed.length, unchanged: result.unchanged.length });
        return EXIT.ok;
      }),
    );
}
