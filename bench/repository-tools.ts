// The three programs the repository suite compares, as the commands for each step. Every tool runs with its
// defaults except where the comparison needs a setting (restic repository v2 with its default compression,
// borg repokey-blake2 with zstd,3), quietly, with its cache under .bench/ and its password from the environment.
// stepvault and restic can also be given another repository location and environment (the s3 suite's buckets and
// credentials).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommandSpec } from './repository-measure.ts';

export const TOOL_NAMES = ['stepvault', 'restic', 'borg'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export interface Tool {
  name: ToolName;
  /** The repository: a directory, or another location (an `s3:` URL) the tool was given. */
  repo: string;
  init(): CommandSpec;
  /** Backup number `n` (1, 2, 3) of `source`. */
  backup(source: string, n: number): CommandSpec;
  /** Restores the latest snapshot (made by backup `n`) into the empty directory `target`. */
  restore(target: string, n: number): CommandSpec;
  verify(): CommandSpec;
  version(): string;
}

const PASSWORD = 'benchmark password, same for every tool';
const PROJECT = path.resolve(import.meta.dirname, '..');

/** The command as the report shows it: the tool's name, its arguments, paths relative to the project. */
function label(name: string, args: string[]): string {
  return [name, ...args].map((a) => (a.startsWith(PROJECT) ? path.relative(PROJECT, a) : a)).join(' ');
}

function firstLine(cmd: string, args: string[], env?: Record<string, string>): string {
  const out = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, cwd: PROJECT });
  return `${out.stdout}${out.stderr}`.trim().split('\n')[0] ?? '?';
}

/** Where a tool's repository is, when not in a directory of its own under `work`, and what else it needs. */
export interface RepositoryAt {
  repo: string;
  /** Added to the tool's environment (e.g. credentials). */
  env: Record<string, string>;
}

function stepvault(work: string, at?: RepositoryAt): Tool {
  const repo = at?.repo ?? path.join(work, 'repos', 'stepvault');
  const passwordFile = path.join(work, 'stepvault-password');
  fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  const env = { ...at?.env, XDG_CACHE_HOME: path.join(work, 'cache', 'stepvault') };
  const node = path.join(PROJECT, 'node_modules', '.bin', 'node');
  const main = path.join(PROJECT, 'bin', 'stepvault.js');
  const run = (...args: string[]): CommandSpec => ({
    label: label('stepvault', args),
    cmd: node,
    args: [main, '-r', repo, '--password-file', passwordFile, '-q', ...args],
    env,
    cwd: PROJECT,
    warnCodes: [3],
  });
  return {
    name: 'stepvault',
    repo,
    init: () => run('init'),
    backup: (source) => run('backup', source),
    restore: (target) => run('restore', 'latest', '--target', target),
    verify: () => run('check', '--read-data'),
    version: () => {
      const commit = firstLine('git', ['describe', '--always', '--dirty']);
      const node24 = firstLine(node, ['--version']);
      // The default compression level, as the command line states it (the suite runs stepvault as a program only).
      const help = spawnSync(node, [main, 'backup', '--help'], { encoding: 'utf8', cwd: PROJECT }).stdout;
      const level = /zstd level [^)]*default (\d+)\)/.exec(help)?.[1] ?? '?';
      return `stepvault ${firstLine(node, [main, '--version'])} (commit ${commit}, Node ${node24}, zstd level ${level})`;
    },
  };
}

function restic(work: string, at?: RepositoryAt): Tool {
  const repo = at?.repo ?? path.join(work, 'repos', 'restic');
  const env = { ...at?.env, RESTIC_PASSWORD: PASSWORD, XDG_CACHE_HOME: path.join(work, 'cache', 'restic') };
  const run = (...args: string[]): CommandSpec => ({
    label: label('restic', args),
    cmd: 'restic',
    args: ['-r', repo, '-q', ...args],
    env,
    warnCodes: [3],
  });
  return {
    name: 'restic',
    repo,
    // Version 2 is the first format with compression; 0.14 already defaults to it, this makes it explicit.
    init: () => run('init', '--repository-version', '2'),
    backup: (source) => run('backup', source),
    restore: (target) => run('restore', 'latest', '--target', target),
    verify: () => run('check', '--read-data'),
    version: () => `${firstLine('restic', ['version'])} (compression auto, repository v2)`,
  };
}

function borg(work: string): Tool {
  const repo = path.join(work, 'repos', 'borg');
  const env = {
    BORG_PASSPHRASE: PASSWORD,
    BORG_BASE_DIR: path.join(work, 'cache', 'borg'),
    BORG_DISPLAY_PASSPHRASE: 'n',
  };
  return {
    name: 'borg',
    repo,
    init: () => {
      const args = ['init', '--encryption', 'repokey-blake2', repo];
      return { label: label('borg', args), cmd: 'borg', args, env };
    },
    backup: (source, n) => ({
      label: label('borg', ['create', '--compression', 'zstd,3', `…::snapshot-${n}`, source]),
      cmd: 'borg',
      args: ['create', '--compression', 'zstd,3', `${repo}::snapshot-${n}`, source],
      env,
      warnCodes: [1],
    }),
    // borg has no "latest": the archive of backup n, extracted into the working directory.
    restore: (target, n) => ({
      label: label('borg', ['extract', `…::snapshot-${n}`]),
      cmd: 'borg',
      args: ['extract', `${repo}::snapshot-${n}`],
      env,
      cwd: target,
      warnCodes: [1],
    }),
    verify: () => ({
      label: label('borg', ['check', '--verify-data', repo]),
      cmd: 'borg',
      args: ['check', '--verify-data', repo],
      env,
      warnCodes: [1],
    }),
    version: () => `${firstLine('borg', ['--version'])} (repokey-blake2, zstd,3)`,
  };
}

export function makeTool(name: ToolName, work: string): Tool {
  if (name === 'stepvault') return stepvault(work);
  if (name === 'restic') return restic(work);
  return borg(work);
}

/** stepvault or restic with its repository at `at.repo` (e.g. `s3:http://…`), its scratch files under `work`. */
export function makeToolAt(name: 'stepvault' | 'restic', work: string, at: RepositoryAt): Tool {
  return name === 'stepvault' ? stepvault(work, at) : restic(work, at);
}
