// What every command gets: the parsed global options, the output, an abort signal tied to SIGINT/SIGTERM, and
// how to open the repository they name. Also the wrapper that turns a command's result or error into an exit
// code.

import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { asStepvaultError, StepvaultError } from '../common/errors.ts';
import type { ChainFinding } from '../repository/chain/chain-verify.ts';
import { ClientRecord } from '../repository/client-record.ts';
import { Repository } from '../repository/repository.ts';
import { CachedBackend } from '../storage/cached-backend.ts';
import type { Backend } from '../storage/contract.ts';
import { openLocation } from '../storage/location-registry.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import { Output } from './output/output.ts';
import { readPassword } from './password.ts';

export interface GlobalOptions {
  repo?: string;
  passwordFile?: string;
  passwordCommand?: string;
  keyHint?: string;
  json?: boolean;
  quiet?: boolean;
  cacheDir?: string;
  cache?: boolean;
}

export interface CommandContext {
  options: GlobalOptions;
  out: Output;
  signal: AbortSignal;
  /** The repository location: --repo, STEPVAULT_REPOSITORY, or the default under the user's data directory. */
  location(): string;
  /** Opens the backend of `location()`: any scheme of the location registry, credentials from the environment. */
  openBackend(): Promise<Backend>;
  password(prompt?: string): Promise<string>;
  /**
   * Opens the repository, with this client's record of it (unless --no-cache) for rollback detection; a remote
   * one with the cache of its small objects unless `objectCache` is false (check must read the store itself).
   */
  openRepository(options?: { objectCache?: boolean }): Promise<Repository>;
}

export function defaultRepository(env = process.env): string {
  const data = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(data, 'stepvault', 'repository');
}

export function cacheDirectory(options: GlobalOptions, env = process.env): string | undefined {
  if (options.cache === false) return undefined;
  if (options.cacheDir) return path.resolve(options.cacheDir);
  if (env.STEPVAULT_CACHE_DIR) return path.resolve(env.STEPVAULT_CACHE_DIR);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'stepvault');
}

export function createContext(
  command: Command,
  signal: AbortSignal,
  onOutputClosed?: () => void,
): CommandContext {
  const options = command.optsWithGlobals() as GlobalOptions;
  const out = new Output({
    json: options.json ?? false,
    quiet: options.quiet ?? false,
    ...(onOutputClosed ? { onClosed: onOutputClosed } : {}),
  });
  const location = () => options.repo ?? process.env.STEPVAULT_REPOSITORY ?? defaultRepository();
  const context: CommandContext = {
    options,
    out,
    signal,
    location,
    openBackend: () => openLocation(location()),
    password: (prompt = 'repository password: ') => readPassword(options, prompt),
    openRepository: async ({ objectCache = true } = {}) => {
      const backend = await context.openBackend();
      const password = await context.password();
      const opened = await Repository.open(backend, password, options.keyHint);
      const cache = cacheDirectory(options);
      // Remote repositories keep their small write-once objects (index, snapshots, chain) in the cache as well.
      const repo =
        cache && objectCache && !backend.localFiles
          ? opened.withBackend(new CachedBackend(backend, path.join(cache, opened.id, 'objects')))
          : opened;
      if (cache) repo.clientRecord = new ClientRecord(cache, repo.id, (message) => out.warn(message));
      // Any listing that finds tampering or a rollback says so (once); `check` reports the full list itself.
      if (command.name() !== 'check') repo.onFindings = (findings) => warnOfFindings(out, findings);
      return repo;
    },
  };
  return context;
}

/** Warns of the errors among a listing's findings, once per process (a command may list snapshots twice). */
let findingsWarned = false;
function warnOfFindings(out: Output, findings: readonly ChainFinding[]): void {
  if (findingsWarned) return;
  findingsWarned = true;
  const errors = findings.filter((f) => f.severity === 'error');
  for (const f of errors.slice(0, 5)) out.warn(`${f.object} ${f.message}`, { object: f.object });
  if (errors.length > 5) out.warn(`… and ${errors.length - 5} more problems`);
  out.warn(
    'run `stepvault check` for the full report; snapshots that are damaged, forgotten or missing are not used',
  );
}

/**
 * Wraps a command implementation: builds its context, runs it with SIGINT/SIGTERM wired to an abort signal,
 * and sets the exit code — the returned one, or the one mapped from the error it threw.
 */
export function action<T extends unknown[]>(
  fn: (ctx: CommandContext, ...args: T) => Promise<number | undefined>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const controller = new AbortController();
    let interrupts = 0;
    const onSignal = () => {
      interrupts++;
      if (interrupts > 1) process.exit(EXIT.interrupted);
      controller.abort(new StepvaultError('interrupted', 'interrupted'));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // The reader of stdout went away (`stepvault ls | head`): stop as for an interrupt, and quietly.
    const ctx = createContext(command, controller.signal, () =>
      controller.abort(new StepvaultError('interrupted', 'stdout was closed')),
    );
    try {
      const code = await fn(ctx, ...(args.slice(0, -1) as T));
      process.exitCode = ctx.out.closed ? EXIT.outputClosed : (code ?? EXIT.ok);
    } catch (e) {
      if (ctx.out.closed) {
        process.exitCode = EXIT.outputClosed;
        return;
      }
      const error = controller.signal.aborted
        ? new StepvaultError('interrupted', 'interrupted')
        : asStepvaultError(e);
      const code = exitCodeFor(error.code);
      ctx.out.fatal(error, code);
      if (error.code === 'internal' && process.env.STEPVAULT_DEBUG) console.error(e);
      process.exitCode = code;
    } finally {
      ctx.out.done();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  };
}
