// `stepvault init`: creates a repository; with `--from-repo … --copy-chunker-params`, one that shares another
// repository's master secret (so the same blob IDs and chunk boundaries) and chunker parameters, so `copy`
// between them deduplicates and moves blobs as stored.

import type { Command } from 'commander';
import { formatBytes, parseSize } from '../../common/bytes.ts';
import { StepvaultError } from '../../common/errors.ts';
import { DEFAULT_MAX_LOCK_PERIOD, type LockPolicy, parseLockPolicy } from '../../domain/object-lock.ts';
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
  lockMode?: string;
  lockPeriod?: string;
  maxLockPeriod?: string;
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

/** The Object Lock policy the options ask for: mode and period come together; the period has a ceiling. */
function lockPolicyOf(opts: InitOptions): LockPolicy | undefined {
  if (opts.lockMode === undefined && opts.lockPeriod === undefined) {
    if (opts.maxLockPeriod !== undefined) {
      throw new StepvaultError(
        'usage',
        '--max-lock-period has no effect without --lock-mode and --lock-period',
      );
    }
    return undefined;
  }
  if (opts.lockMode === undefined || opts.lockPeriod === undefined) {
    throw new StepvaultError('usage', '--lock-mode and --lock-period go together', {
      hint: 'e.g. --lock-mode compliance --lock-period 30d',
    });
  }
  return parseLockPolicy(opts.lockMode, opts.lockPeriod, opts.maxLockPeriod ?? DEFAULT_MAX_LOCK_PERIOD);
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
      '--lock-mode <mode>',
      'make the repository immutable with S3 Object Lock: governance or compliance (compliance: nobody, not even the account owner, can delete or shorten it before the period ends)',
    )
    .option(
      '--lock-period <duration>',
      'how long every object stays locked, e.g. 30d, 6m, 1y (extended by `lock extend`)',
    )
    .option(
      '--max-lock-period <duration>',
      `refuse a longer --lock-period as a likely typo (default ${DEFAULT_MAX_LOCK_PERIOD})`,
    )
    .option(
      '--pack-size <size>',
      `the size packs are filled to (default ${formatBytes(DEFAULT_PACK_SIZE)}); smaller packs mean more objects`,
      packSize,
    )
    .action(
      action(async (ctx, opts: InitOptions) => {
        const objectLock = lockPolicyOf(opts);
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
          ...(objectLock ? { objectLock } : {}),
          ...(opts.packSize !== undefined ? { packSize: opts.packSize } : {}),
        });
        ctx.out.item(
          'initialized',
          {
            id: repo.id,
            repository: backend.location,
            ...(source ? { chunker_params_from: source.backend.location } : {}),
            ...(objectLock ? { lock_mode: objectLock.mode, lock_period: objectLock.period } : {}),
          },
          `created stepvault repository ${repo.id.slice(0, 10)} at ${backend.location}${source ? `, sharing the chunker parameters of ${source.backend.location}` : ''}${objectLock ? `\nevery object is locked in ${objectLock.mode} mode for ${objectLock.period} (run \`stepvault lock extend\` regularly to keep what snapshots need locked)` : ''}\n\nKeep the password safe: without it the data cannot be recovered.`,
        );
        return 0;
      }),
    );
}
