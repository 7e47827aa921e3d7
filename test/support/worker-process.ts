// `stepvault worker` as a separate process, pointed at a loopback Step Functions double: its output (JSON Lines
// with --json, and standard error) and its exit code.

import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { MAIN } from './cli.ts';

export const WORKER_CREDENTIALS = { accessKeyId: 'AKIDWORKERTEST', secretAccessKey: 'worker-test-secret' };

export interface WorkerProcess {
  child: ChildProcess;
  /** Standard output and error so far. */
  output(): string;
  exit: Promise<number | null>;
}

/**
 * Starts `stepvault worker --json ARGS` in `dir` (its stepvault.yaml), reaching Step Functions at `endpoint`;
 * `env` adds to or overrides its environment (e.g. credentials a repository on S3 takes).
 */
export function startWorkerProcess(
  dir: string,
  endpoint: string,
  region: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): WorkerProcess {
  const child = spawn(process.execPath, [MAIN, 'worker', '--json', ...args], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_CACHE_HOME: path.join(dir, 'cache'),
      AWS_ENDPOINT_URL_SFN: endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: WORKER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: WORKER_CREDENTIALS.secretAccessKey,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

/** Waits until `ready()` holds, checking as often as events allow (no fixed sleep decides an outcome). */
export async function until(ready: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!ready()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
