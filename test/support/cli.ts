// Test support: runs the stepvault CLI as a separate process with its own repository, password file and cache,
// and parses --json output (asserting the JSON Lines contract: every line is an object with a message_type).

import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const NODE = process.execPath;
/** The installed entry point (bin/stepvault.js), as users run it. */
export const MAIN = path.join(ROOT, 'bin', 'stepvault.js');
/** Shared across sandboxes, so each test process reuses the compiled modules. */
const COMPILE_CACHE = path.join(os.tmpdir(), 'stepvault-test-compile-cache');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Parsed stdout lines when run with --json. */
  messages: Record<string, unknown>[];
}

export class CliSandbox {
  readonly dir: string;
  readonly repo: string;
  readonly passwordFile: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(prefix = 'sv-cli-') {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.repo = path.join(this.dir, 'repo');
    this.passwordFile = path.join(this.dir, 'password');
    fs.writeFileSync(this.passwordFile, 'correct horse battery staple\n');
    this.env = {
      PATH: process.env.PATH,
      HOME: this.dir,
      STEPVAULT_REPOSITORY: this.repo,
      STEPVAULT_PASSWORD_FILE: this.passwordFile,
      XDG_CACHE_HOME: path.join(this.dir, 'cache'),
      NODE_COMPILE_CACHE: COMPILE_CACHE,
    };
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  run(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult {
    const r: SpawnSyncReturns<string> = spawnSync(NODE, [MAIN, ...args], {
      env: { ...this.env, ...env },
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const result: CliResult = { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, messages: [] };
    if (args.includes('--json')) result.messages = parseJsonLines(r.stdout);
    return result;
  }

  /** Runs and asserts the exit code, showing the output when it differs. */
  ok(args: readonly string[], code = 0, env: NodeJS.ProcessEnv = {}): CliResult {
    const r = this.run(args, env);
    assert.equal(
      r.code,
      code,
      `stepvault ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
    );
    return r;
  }

  /**
   * Runs without blocking this process, for tests whose CLI talks to a server this process answers (the
   * Confluence simulator); the result is `run`'s.
   */
  runAsync(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = this.start(args, env);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({
          code: code ?? -1,
          stdout,
          stderr,
          messages: args.includes('--json') ? parseJsonLines(stdout) : [],
        }),
      );
    });
  }

  /** Starts the CLI without waiting (for kill tests). */
  start(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    return spawn(NODE, [MAIN, ...args], { env: { ...this.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function parseJsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        assert.fail(`--json output line is not JSON: ${line}`);
      }
      assert.ok(
        typeof value === 'object' && value !== null && !Array.isArray(value),
        `not an object: ${line}`,
      );
      assert.equal(
        typeof (value as { message_type?: unknown }).message_type,
        'string',
        `no message_type: ${line}`,
      );
      return value as Record<string, unknown>;
    });
}

export function only(messages: Record<string, unknown>[], type: string): Record<string, unknown>[] {
  return messages.filter((m) => m.message_type === type);
}
