// `stepvault dump SNAPSHOT PATH`: writes one file from a snapshot to stdout, verified blob by blob.

import type { Command } from 'commander';
import { StepvaultError } from '../../common/errors.ts';
import { openSnapshot } from '../../operations/browse/open-snapshot.ts';
import { action } from '../context.ts';

export function register(program: Command): void {
  program
    .command('dump')
    .description('write one file of a snapshot to stdout')
    .argument('<snapshot>', '"latest" or a snapshot ID')
    .argument('<path>', "the file's path in the snapshot, e.g. /home/u/notes.txt")
    .action(
      action(async (ctx, ref: string, file: string) => {
        const repo = await ctx.openRepository();
        const parts = file.split('/').filter(Boolean);
        const name = parts.pop();
        if (!name) throw new StepvaultError('usage', 'give the path of a file in the snapshot');
        const opened = await openSnapshot(repo, `${ref}:/${parts.join('/')}`);
        const node = (await opened.reader.readTree(opened.tree)).find((n) => n.name === name);
        if (!node)
          throw new StepvaultError(
            'not-found',
            `${file} is not in snapshot ${opened.snapshot.id.slice(0, 8)}`,
          );
        if (node.type !== 'file') {
          throw new StepvaultError('usage', `${file} is a ${node.type}, not a file`, {
            hint: 'use `stepvault restore` for directories',
          });
        }
        for (const id of node.content ?? []) {
          ctx.signal.throwIfAborted();
          const data = await opened.reader.read(id);
          if (!process.stdout.write(data)) await drained(ctx.signal);
        }
        return 0;
      }),
    );
}

/** Waits until stdout takes more, or the command is stopped (its reader went away: EPIPE, or an interrupt). */
function drained(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.stdout.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    process.stdout.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
