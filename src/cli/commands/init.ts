// `stepvault init`: creates a repository; with `--from-repo … --copy-chunker-params`, one that shares another
// repository's master secret (so the same blob IDs and chunk boundaries) and chunker parameters, so `copy`
// between them deduplicates and moves blobs as stored.

import type { Command } from 'commander';
import { formatBytes, parseSize } from '../../common/bytes.ts';
import { StepvaultError } from '../../common/errors.ts';
import { Repository } from '../../repository/repository.ts';
import { DEFAULT_PACK_SIZE, MAX_PACK_SIZE, MIN_PACK_SIZE } from '../../repository/repository-config.ts';
import { action } from '../context.ts';
import {
  addFromRepositoryOptions,
  type FromRepositoryOptions,
  fromLocation,
  openFromRepository,
} from '../from-repository.ts';

interface InitOptions extends FromRepositoryOptions {
  copyChunkerParams?: boolean;
  packSize?: number;
}

function packSize(value: string): number {
  const size = parseSize(value);
  if (size < MIN_PACK_SIZE || size > MAX_PACK_SIZE) {
    throw new StepvaultError(
      'usage',
      `--pack-size must be between ${formatBytes(MIN_PACK_SIZE)} and ${formatBytes(MAX_PACK_SIZE)}, got ${formatBytes(size)}`,
    );
  }
  return size;
}

export function register(program: Command): void {
  const command = program.command('init').description('create a new repository');
  addFromRepositoryOptions(
    command,
    'the repository to take chunker parameters from (with --copy-chunker-params)',
  )
    .option(
      '--copy-chunker-params',
      "share --from-repo's master secret and chunker parameters: copies between the two deduplicate (whoever can open either repository can decrypt the other's data)",
    )
    .option(
      '--pack-size <size>',
      `the size packs are filled to (default ${formatBytes(DEFAULT_PACK_SIZE)}); smaller packs mean more objects`,
      packSize,
    )
    .action(
      action(async (ctx, opts: InitOptions) => {
        const from = fromLocation(opts);
        if (opts.copyChunkerParams && from === undefined) {
          throw new StepvaultError('usage', '--copy-chunker-params needs --from-repo', {
            hint: 'name the repository to share chunker parameters with: --from-repo LOCATION',
          });
        }
        if (opts.fromRepo !== undefined && !opts.copyChunkerParams) {
          throw new StepvaultError(
            'usage',
            '--from-repo has no effect on init without --copy-chunker-params',
            {
              hint: 'add --copy-chunker-params, or leave out --from-repo',
            },
          );
        }
        const backend = await ctx.openBackend();
        const source = opts.copyChunkerParams ? await openFromRepository(opts) : undefined;
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
        const repo = await Repository.init(backend, password, {
          ...(source ? { masterSecret: source.masterSecret, chunker: source.config.chunker } : {}),
          ...(opts.packSize !== undefined ? { packSize: opts.packSize } : {}),
        });
        ctx.out.item(
          'initialized',
          {
            id: repo.id,
            repository: backend.location,
            ...(source ? { chunker_params_from: source.backend.location } : {}),
          },
          `created stepvault repository ${repo.id.slice(0, 10)} at ${backend.location}${source ? `, sharing the chunker parameters of ${source.backend.location}` : ''}\n\nKeep the password safe: without it the data cannot be recovered.`,
        );
        return 0;
      }),
    );
}
