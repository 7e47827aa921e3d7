// The `stepvault` command: global options, the list of commands, and the mapping of command-line misuse to
// exit code 2. Each command lives in its own module under commands/.

import { Command, CommanderError } from 'commander';
import { VERSION } from '../operations/program.ts';
import { register as registerAudit } from './commands/audit.ts';
import { register as registerBackup } from './commands/backup.ts';
import { register as registerCheck } from './commands/check.ts';
import { register as registerConfig } from './commands/config.ts';
import { register as registerCopy } from './commands/copy.ts';
import { register as registerDevConfluenceSim } from './commands/dev-confluence-sim.ts';
import { register as registerDiff } from './commands/diff.ts';
import { register as registerDump } from './commands/dump.ts';
import { register as registerExport } from './commands/export.ts';
import { register as registerFind } from './commands/find.ts';
import { register as registerForget } from './commands/forget.ts';
import { register as registerInit } from './commands/init.ts';
import { register as registerKey } from './commands/key.ts';
import { register as registerLs } from './commands/ls.ts';
import { register as registerPlan } from './commands/plan.ts';
import { register as registerPrune } from './commands/prune.ts';
import { register as registerRepair } from './commands/repair.ts';
import { register as registerRestore } from './commands/restore.ts';
import { register as registerRestoreTest } from './commands/restore-test.ts';
import { register as registerServe } from './commands/serve.ts';
import { register as registerSnapshots } from './commands/snapshots.ts';
import { register as registerStats } from './commands/stats.ts';
import { register as registerTag } from './commands/tag.ts';
import { register as registerUnlock } from './commands/unlock.ts';
import { register as registerWorkflow } from './commands/workflow.ts';
import { EXIT } from './exit-codes.ts';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 7)) {
  process.stderr.write(
    `stepvault needs Node.js 24.7 or newer, this is ${process.version}.\n  hint: run it through npm (npx stepvault …), which uses the Node 24 from devDependencies\n`,
  );
  process.exit(EXIT.failed);
}

/** Command modules, in the order `stepvault --help` lists them. */
const COMMANDS: ((program: Command) => void)[] = [
  registerInit,
  registerBackup,
  registerSnapshots,
  registerLs,
  registerFind,
  registerDiff,
  registerDump,
  registerRestore,
  registerExport,
  registerCheck,
  registerRestoreTest,
  registerForget,
  registerTag,
  registerPrune,
  registerCopy,
  registerStats,
  registerKey,
  registerUnlock,
  registerRepair,
  registerWorkflow,
  registerPlan,
  registerServe,
  registerConfig,
  registerAudit,
  registerDevConfluenceSim,
];

export function buildProgram(): Command {
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
  for (const register of COMMANDS) register(program);
  for (const command of program.commands) applyExitOverride(command);
  return program;
}

function applyExitOverride(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) applyExitOverride(sub);
}

try {
  await buildProgram().parseAsync(process.argv);
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
