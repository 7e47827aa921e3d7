// Secrets from this machine: an environment variable, a file (one trailing newline removed) or a command's
// standard output (run with /bin/sh -c). Errors say where the secret was looked for, never what it is; a
// command's own output (which might contain the secret) is never quoted.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StepvaultError } from '../../common/errors.ts';

export function secretFromEnv(name: string, env: NodeJS.ProcessEnv): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new StepvaultError('config', `the environment variable ${name} that holds a secret is not set`, {
      hint: `set ${name} in the environment of stepvault (e.g. in the systemd unit's EnvironmentFile)`,
    });
  }
  return value;
}

export function secretFromFile(file: string, baseDir: string): string {
  const full = path.resolve(baseDir, file);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch (e) {
    throw new StepvaultError(
      'config',
      `cannot read the secret file ${full}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      {
        hint: 'relative secret files are relative to the configuration file; check the path and permissions',
      },
    );
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new StepvaultError('config', `the secret file ${full} is empty`);
  return value;
}

export function secretFromCommand(
  command: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; signal?: AbortSignal },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/sh',
      ['-c', command],
      {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs,
        maxBuffer: 1024 * 1024,
        encoding: 'utf8',
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (error, stdout) => {
        if (error) {
          const e = error as NodeJS.ErrnoException & { code?: unknown; killed?: boolean };
          const why = e.killed
            ? `did not finish within ${options.timeoutMs} ms`
            : typeof e.code === 'number'
              ? `failed with exit code ${e.code}`
              : `could not run (${String(e.code ?? 'error')})`;
          reject(
            new StepvaultError('config', `the secret command ${why}`, {
              hint: 'run the command by hand to see why',
            }),
          );
          return;
        }
        const value = stdout.replace(/\r?\n$/, '');
        if (value === '') reject(new StepvaultError('config', 'the secret command printed nothing'));
        else resolve(value);
      },
    );
  });
}
