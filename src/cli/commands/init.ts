// `stepvault init`: creates a repository.

import type { Command } from 'commander';
import { StepvaultError } from '../../common/errors.ts';
import { Repository } from '../../repository/repository.ts';
import { action } from '../context.ts';

export function register(program: Command): void {
  program
    .command('init')
    .description('create a new repository')
    .action(
      action(async (ctx) => {
        const backend = ctx.backend();
        const password = await ctx.password('new repository password: ');
        if (
          !ctx.options.passwordFile &&
          !ctx.options.passwordCommand &&
          process.stdin.isTTY &&
          !process.env.STEPVAULT_PASSWORD
        ) {
          const again = await ctx.password('repeat password: ');
          if (again !== password) throw new StepvaultError('usage', 'the passwords do not match');
        }
        const repo = await Repository.init(backend, password);
        ctx.out.item(
          'initialized',
          { id: repo.id, repository: backend.location },
          `created stepvault repository ${repo.id.slice(0, 10)} at ${backend.location}\n\nKeep the password safe: without it the data cannot be recovered.`,
        );
        return 0;
      }),
    );
}
