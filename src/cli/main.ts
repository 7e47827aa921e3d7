// The `stepvault` command: global options, the list of commands, and the mapping of command-line misuse to
// exit code 2. Each command lives in its own module under commands/.

import { Command, CommanderError } from 'commander';
import { startHeapBudget } from '../common/heap-budget.ts';
import { VERSION } from '../operations/program.ts';
import { EXIT } from './exit-codes.ts';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 7)) {
  process.stderr.write(
    `stepvault needs Node.js 24.7 or newer, this is ${process.version}.\n  hint: run it through npm (npx stepvault …), which uses the Node 24 from devDependencies\n`,
  );
  process.exit(EXIT.failed);
}

startHeapBudget();

type Register = (program: Command) => void;

/**
 * Command modules by command name, in the order `stepvault --help` lists them. Loaded on demand: a run imports
 * only the module of the command it names (so `stepvault snapshots` never loads the daemon, the configuration
 * parser or the Confluence client), and all of them only for the overall help or an unknown command.
 */
const COMMANDS: [name: string, load: () => Promise<{ register: Register }>][] = [
  ['init', () => import('./commands/init.ts')],
  ['backup', () => import('./commands/backup.ts')],
  ['snapshots', () => import('./commands/snapshots.ts')],
  ['ls', () => import('./commands/ls.ts')],
  ['find', () => import('./commands/find.ts')],
  ['diff', () => import('./commands/diff.ts')],
  ['dump', () => import('./commands/dump.ts')],
  ['restore', () => import('./commands/restore.ts')],
  ['export', () => import('./commands/export.ts')],
  ['check', () => import('./commands/check.ts')],
  ['restore-test', () => import('./commands/restore-test.ts')],
  ['forget', () => import('./commands/forget.ts')],
  ['tag', () => import('./commands/tag.ts')],
  ['prune', () => import('./commands/prune.ts')],
  ['copy', () => import('./commands/copy.ts')],
  ['stats', () => import('./commands/stats.ts')],
  ['key', () => import('./commands/key.ts')],
  ['unlock', () => import('./commands/unlock.ts')],
  ['lock', () => import('./commands/lock.ts')],
  ['repair', () => import('./commands/repair.ts')],
  ['workflow', () => import('./commands/workflow.ts')],
  ['plan', () => import('./commands/plan.ts')],
  ['serve', () => import('./commands/serve.ts')],
  ['worker', () => import('./commands/worker.ts')],
  ['config', () => import('./commands/config.ts')],
  ['audit', () => import('./commands/audit.ts')],
  ['dev', () => import('./commands/dev-confluence-sim.ts')],
];

/** Global options that take a value (the word after them is not a command name). */
const VALUE_OPTIONS = new Set([
  '-r',
  '--repo',
  '--password-file',
  '--password-command',
  '--key-hint',
  '--cache-dir',
]);

/** The command the arguments name, or undefined (no command, help, an unknown word). */
export function commandNamed(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) return COMMANDS.some(([name]) => name === arg) ? arg : undefined;
  }
  return undefined;
}

export async function buildProgram(args: readonly string[] = []): Promise<Command> {
  const program = new Command('stepvault')
    .description('automatic, verifiable, immutable backups')
    .version(VERSION, '-V, --version')
    .option(
      '-r, --repo <location>',
      'repository location (env STEPVAULT_REPOSITORY; default ~/.local/share/stepvault/repository)',
    )
    .option(
      '--password-file <file>',
      'read the repository password from a file (env STEPVAULT_PASSWORD_FILE)',
    )
    .option(
      '--password-command <command>',
      'run a command that prints the password (env STEPVAULT_PASSWORD_COMMAND)',
    )
    .option('--key-hint <id>', 'try this key slot first')
    .option('--json', 'print JSON Lines (each with a message_type) instead of text')
    .option('-q, --quiet', 'print no progress')
    .option('--cache-dir <dir>', 'local cache directory (env STEPVAULT_CACHE_DIR)')
    .option('--no-cache', 'use no local cache')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const named = commandNamed(args);
  // Only the version asked for: no command module is needed.
  const versionOnly = named === undefined && (args.includes('-V') || args.includes('--version'));
  const wanted = versionOnly ? [] : COMMANDS.filter(([name]) => named === undefined || name === named);
  const modules = await Promise.all(wanted.map(([, load]) => load()));
  for (const { register } of modules) register(program);
  for (const command of program.commands) applyExitOverride(command);
  return program;
}

function applyExitOverride(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) applyExitOverride(sub);
}

try {
  await (await buildProgram(process.argv.slice(2))).parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    const ok =
      e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help';
    process.exitCode = ok ? EXIT.ok : EXIT.usage;
  } else {
    process.stderr.write(`stepvault: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = EXIT.usage;
  }
}
