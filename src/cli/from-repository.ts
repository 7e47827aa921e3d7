// The second repository of `copy` and `init --copy-chunker-params`: `--from-repo` and its own password options,
// with their environment variables (STEPVAULT_FROM_REPOSITORY, STEPVAULT_FROM_PASSWORD_FILE,
// STEPVAULT_FROM_PASSWORD_COMMAND, STEPVAULT_FROM_PASSWORD), as restic names them. The password never appears in
// output or errors.

import type { Command } from 'commander';
import { StepvaultError } from '../common/errors.ts';
import { Repository } from '../repository/repository.ts';
import { openLocation } from '../storage/location-registry.ts';
import { readPassword } from './password.ts';

export interface FromRepositoryOptions {
  fromRepo?: string;
  fromPasswordFile?: string;
  fromPasswordCommand?: string;
  fromKeyHint?: string;
}

export function addFromRepositoryOptions(command: Command, what: string): Command {
  return command
    .option('--from-repo <location>', `${what} (env STEPVAULT_FROM_REPOSITORY)`)
    .option(
      '--from-password-file <file>',
      'read the --from-repo password from a file (env STEPVAULT_FROM_PASSWORD_FILE)',
    )
    .option(
      '--from-password-command <command>',
      'run a command that prints the --from-repo password (env STEPVAULT_FROM_PASSWORD_COMMAND)',
    )
    .option('--from-key-hint <id>', 'try this key slot of --from-repo first');
}

/** The --from-repo location, or undefined when neither the option nor its variable is set. */
export function fromLocation(options: FromRepositoryOptions, env = process.env): string | undefined {
  return options.fromRepo ?? env.STEPVAULT_FROM_REPOSITORY;
}

export async function openFromRepository(
  options: FromRepositoryOptions,
  env = process.env,
): Promise<Repository> {
  const location = fromLocation(options, env);
  if (location === undefined) {
    throw new StepvaultError('usage', 'no source repository given', {
      hint: 'give it with --from-repo LOCATION (or STEPVAULT_FROM_REPOSITORY)',
    });
  }
  const backend = await openLocation(location);
  let password: string;
  try {
    password = await readPassword(
      { passwordFile: options.fromPasswordFile, passwordCommand: options.fromPasswordCommand },
      `password of ${location}: `,
      {
        STEPVAULT_PASSWORD_FILE: env.STEPVAULT_FROM_PASSWORD_FILE,
        STEPVAULT_PASSWORD_COMMAND: env.STEPVAULT_FROM_PASSWORD_COMMAND,
        STEPVAULT_PASSWORD: env.STEPVAULT_FROM_PASSWORD,
      },
    );
  } catch (e) {
    if (e instanceof StepvaultError && e.message === 'no repository password given') {
      throw new StepvaultError('usage', `no password given for --from-repo ${location}`, {
        hint: 'use --from-password-file, --from-password-command, or STEPVAULT_FROM_PASSWORD_FILE / STEPVAULT_FROM_PASSWORD_COMMAND / STEPVAULT_FROM_PASSWORD',
      });
    }
    throw e;
  }
  try {
    return await Repository.open(backend, password, options.fromKeyHint);
  } catch (e) {
    // (a damaged key file is named as keys/<name>: which repository it is in must be said)
    if (e instanceof StepvaultError && (e.code === 'wrong-password' || e.code === 'corrupt'))
      throw new StepvaultError(e.code, `--from-repo ${location}: ${e.message}`, {
        ...(e.hint ? { hint: e.hint } : {}),
        cause: e,
      });
    throw e;
  }
}
