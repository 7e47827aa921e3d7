// The second repository of `copy` and `init --copy-chunker-params`: `--from-repo` and its own password options,
// with their environment variables (STEPVAULT_FROM_REPOSITORY, STEPVAULT_FROM_PASSWORD_FILE,
// STEPVAULT_FROM_PASSWORD_COMMAND, STEPVAULT_FROM_PASSWORD), as restic names them, and its own location options,
// so that the two repositories may be in different accounts: `--from-option NAME=VALUE` for settings of its
// scheme (an S3 region or profile), credentials only from STEPVAULT_FROM_AWS_* variables (never the command
// line). Without them the --from-repo uses the same environment as --repo. Secrets never appear in output or
// errors.

import type { Command } from 'commander';
import { StepvaultError } from '../common/errors.ts';
import { Secret } from '../common/secret.ts';
import { Repository } from '../repository/repository.ts';
import type { Location, LocationOptions } from '../storage/location.ts';
import { locationOptions, openLocation, parseLocation } from '../storage/location-registry.ts';
import { collect } from './option-parsers.ts';
import { readPassword } from './password.ts';

export interface FromRepositoryOptions {
  fromRepo?: string;
  fromPasswordFile?: string;
  fromPasswordCommand?: string;
  fromKeyHint?: string;
  fromOption?: string[];
}

/**
 * Environment variables that give --from-repo's location options, by option name; a credential's variable is
 * the only way to give it (the command line is visible to every user of the machine).
 */
export const FROM_OPTION_VARIABLES: Readonly<Record<string, string>> = {
  accessKeyId: 'STEPVAULT_FROM_AWS_ACCESS_KEY_ID',
  secretAccessKey: 'STEPVAULT_FROM_AWS_SECRET_ACCESS_KEY',
  sessionToken: 'STEPVAULT_FROM_AWS_SESSION_TOKEN',
  region: 'STEPVAULT_FROM_AWS_REGION',
  profile: 'STEPVAULT_FROM_AWS_PROFILE',
};

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
    .option('--from-key-hint <id>', 'try this key slot of --from-repo first')
    .option(
      '--from-option <name=value>',
      'a setting of the --from-repo location, e.g. region=eu-west-1 or profile=offsite (repeatable; credentials only from STEPVAULT_FROM_AWS_ACCESS_KEY_ID / _SECRET_ACCESS_KEY / _SESSION_TOKEN)',
      collect,
    );
}

/**
 * The options --from-repo's location is opened with: `--from-option` values (settings, never credentials) over
 * STEPVAULT_FROM_AWS_* variables, each only where the location's scheme takes it. Credentials come as a pair.
 */
export function fromLocationOptions(
  location: Location,
  given: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): LocationOptions {
  const known = locationOptions(location);
  const options: Record<string, string | Secret> = {};
  for (const option of known) {
    const variable = FROM_OPTION_VARIABLES[option.name];
    const value = variable === undefined ? undefined : env[variable];
    if (value === undefined || value === '') continue;
    options[option.name] = option.secret ? new Secret(value) : value;
  }
  for (const text of given) {
    const at = text.indexOf('=');
    const name = at > 0 ? text.slice(0, at) : '';
    if (name === '' || at === text.length - 1) {
      throw new StepvaultError('usage', `--from-option "${name || text}" is not NAME=VALUE`, {
        hint: 'write e.g. --from-option region=eu-west-1',
      });
    }
    const option = known.find((o) => o.name === name);
    if (!option) {
      throw new StepvaultError('usage', `--from-option ${name}: ${location.text} takes no option "${name}"`, {
        hint: known.length
          ? `it takes ${known.map((o) => o.name).join(', ')}`
          : `${location.scheme}: locations take no options`,
      });
    }
    if (option.secret) {
      // The value is not echoed: it is a credential.
      const variable = FROM_OPTION_VARIABLES[name];
      throw new StepvaultError(
        'usage',
        `--from-option ${name} is a credential, not accepted on the command line`,
        {
          hint: variable
            ? `set ${variable} in the environment instead`
            : 'give it in the environment or a configuration file',
        },
      );
    }
    options[name] = text.slice(at + 1);
  }
  const keys = ['accessKeyId', 'secretAccessKey'].filter((k) => known.some((o) => o.name === k));
  const set = keys.filter((k) => options[k] !== undefined);
  if (set.length > 0 && set.length < keys.length) {
    const missing = keys.find((k) => options[k] === undefined)!;
    throw new StepvaultError(
      'usage',
      `${FROM_OPTION_VARIABLES[set[0]!]} is set but ${FROM_OPTION_VARIABLES[missing]} is not`,
      {
        hint: "give both variables of the --from-repo's access key, or neither (then the default credentials are used)",
      },
    );
  }
  return options;
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
  const parsed = parseLocation(location);
  const backend = await openLocation(parsed, fromLocationOptions(parsed, options.fromOption, env), env);
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
