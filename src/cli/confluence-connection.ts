// The options that say how to reach a Confluence site (`backup confluence`, `restore confluence`): the site
// URL, and exactly one credential source — an API token with the account's e-mail (from a file, an
// environment variable or a command) or a bearer token (from a file or an environment variable). Tokens are
// never taken from the command line itself, never printed, and held as Secret values until the client gets
// them.

import type { Command } from 'commander';
import { StepvaultError } from '../common/errors.ts';
import { Secret } from '../common/secret.ts';
import { parseElapsedDuration } from '../domain/duration.ts';
import type {
  ConfluenceAuth,
  ConfluenceClientOptions,
  SiteWait,
} from '../sources/confluence/client/client-options.ts';
import { describeSiteWait } from '../sources/confluence/client/retry-policy.ts';
import { collect, integer } from './option-parsers.ts';
import type { Output } from './output/output.ts';
import { secretFromCommand, secretFromFile } from './secret-input.ts';

export interface ConnectionOptions {
  site?: string;
  email?: string;
  tokenFile?: string;
  tokenEnv?: string;
  tokenCommand?: string;
  bearerFile?: string;
  bearerEnv?: string;
  mediaHost?: string[];
  adminKey?: boolean;
  rateLimit?: number;
  maxAttempts?: number;
  maxWait?: string;
}

/** Adds the connection options to a command. */
export function addConnectionOptions(command: Command): Command {
  return command
    .requiredOption(
      '--site <url>',
      'the site (https://<site>.atlassian.net) or the gateway (https://api.atlassian.com/ex/confluence/<cloudId>)',
    )
    .option(
      '--email <address>',
      'account e-mail for API-token authentication (env STEPVAULT_CONFLUENCE_EMAIL)',
    )
    .option('--token-file <file>', 'read the API token from a file')
    .option('--token-env <name>', 'read the API token from this environment variable')
    .option('--token-command <command>', 'run a command that prints the API token')
    .option(
      '--bearer-file <file>',
      'read an OAuth 2.0 or service-account bearer token from a file (gateway URL)',
    )
    .option('--bearer-env <name>', 'read a bearer token from this environment variable (gateway URL)')
    .option(
      '--media-host <host>',
      'a host attachment downloads may be redirected to (repeatable; default api.media.atlassian.com)',
      collect,
    )
    .option('--admin-key', 'read restricted content with the Admin Key (site admins, Premium/Enterprise)')
    .option(
      '--rate-limit <rps>',
      'a first guess of the burst limit, in requests per second',
      integer('--rate-limit', 1),
    )
    .option(
      '--max-attempts <n>',
      'attempts per request before an item counts as failed (default 6)',
      integer('--max-attempts', 1, 20),
    )
    .option(
      '--max-wait <duration>',
      "longest wait for the site's rate limit (Retry-After, a spent points quota) that is sat out; a longer one ends the run partial (default 1h)",
    );
}

/** The credential named by the options, as a Secret (read once, here). */
export function resolveCredentials(
  opts: ConnectionOptions,
  env: NodeJS.ProcessEnv = process.env,
): { kind: 'basic'; email: string; token: Secret } | { kind: 'bearer'; token: Secret } {
  const sources = (['tokenFile', 'tokenEnv', 'tokenCommand', 'bearerFile', 'bearerEnv'] as const).filter(
    (k) => opts[k] !== undefined,
  );
  if (sources.length !== 1) {
    throw new StepvaultError(
      'usage',
      sources.length === 0 ? 'no Confluence credentials given' : 'give only one Confluence credential source',
      {
        hint: 'use --email with one of --token-file, --token-env, --token-command; or --bearer-file / --bearer-env',
      },
    );
  }
  const source = sources[0]!;
  if (source === 'bearerFile') return { kind: 'bearer', token: new Secret(readTokenFile(opts.bearerFile!)) };
  if (source === 'bearerEnv')
    return { kind: 'bearer', token: new Secret(readTokenEnv(opts.bearerEnv!, env)) };
  const email = opts.email ?? env.STEPVAULT_CONFLUENCE_EMAIL;
  if (!email)
    throw new StepvaultError('usage', 'an API token needs the account e-mail', {
      hint: 'add --email (or set STEPVAULT_CONFLUENCE_EMAIL)',
    });
  const token =
    source === 'tokenFile'
      ? readTokenFile(opts.tokenFile!)
      : source === 'tokenEnv'
        ? readTokenEnv(opts.tokenEnv!, env)
        : readTokenCommand(opts.tokenCommand!);
  return { kind: 'basic', email, token: new Secret(token) };
}

/** Client options for the site and credentials the command line names. */
export function clientOptions(
  opts: ConnectionOptions,
  env: NodeJS.ProcessEnv = process.env,
): ConfluenceClientOptions {
  const credentials = resolveCredentials(opts, env);
  const auth: ConfluenceAuth =
    credentials.kind === 'basic'
      ? { kind: 'basic', email: credentials.email, apiToken: credentials.token.reveal() }
      : { kind: 'bearer', token: credentials.token.reveal() };
  return {
    baseUrl: opts.site!,
    auth,
    adminKey: opts.adminKey ?? false,
    ...(opts.mediaHost?.length ? { mediaHosts: ['api.media.atlassian.com', ...opts.mediaHost] } : {}),
    ...(opts.rateLimit ? { rateLimit: { requestsPerSecond: opts.rateLimit } } : {}),
    retry: {
      ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
      ...(opts.maxWait !== undefined ? { maxWaitMs: parseElapsedDuration(opts.maxWait) } : {}),
    },
  };
}

/**
 * Shows the client's long waits (what for, until when): a status line as the wait starts (a JSON status message
 * with `waiting_for` and `wait_until`), and the same at the end of every progress line while it lasts.
 */
export class SiteWaitDisplay {
  readonly #out: Output;
  #current: SiteWait | undefined;

  constructor(out: Output) {
    this.#out = out;
  }

  readonly onWait = (wait: SiteWait): void => {
    this.#current = wait;
    this.#out.status(() => ({ text: describeSiteWait(wait), fields: this.fields() }), true);
  };

  #active(): SiteWait | undefined {
    const wait = this.#current;
    return wait && wait.until.getTime() > Date.now() ? wait : undefined;
  }

  /** `; waiting …` while a wait lasts, else ''. */
  suffix(): string {
    const wait = this.#active();
    return wait ? `; ${describeSiteWait(wait)}` : '';
  }

  fields(): Record<string, unknown> {
    const wait = this.#active();
    return wait ? { waiting_for: wait.reason, wait_until: wait.until.toISOString() } : {};
  }
}

function readTokenFile(file: string): string {
  return secretFromFile(file, {
    what: 'token',
    hint: 'check the path given with --token-file or --bearer-file',
    clean: trim,
  });
}

function readTokenEnv(name: string, env: NodeJS.ProcessEnv): string {
  const token = env[name]?.trim();
  if (!token)
    throw new StepvaultError('usage', `environment variable ${name} is not set or empty`, {
      hint: 'export it before running, or use --token-file',
    });
  return token;
}

function readTokenCommand(command: string): string {
  return secretFromCommand(command, { what: 'token', hint: 'check --token-command', clean: trim });
}

function trim(text: string): string {
  return text.trim();
}
