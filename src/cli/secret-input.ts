// Secrets the command line names by place, never by value: a file to read, or a command (run with /bin/sh -c,
// its standard error left on the terminal) that prints the secret. The repository password and the Confluence
// tokens both come this way; errors say where the secret was looked for, never what it is.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { StepvaultError } from '../common/errors.ts';

/** How one kind of secret is named in messages and cleaned after reading. */
export interface SecretInput {
  /** What the secret is called in messages: `password`, `token`. */
  what: string;
  /** The hint of a failure: which option or variable named the file or command. */
  hint: string;
  /** Turns what was read into the secret (e.g. one trailing newline removed, or whitespace trimmed). */
  clean: (text: string) => string;
}

/** Reads a secret from a file; a file that cannot be read or holds nothing is a usage error. */
export function secretFromFile(file: string, input: SecretInput): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new StepvaultError(
      'usage',
      `cannot read ${input.what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      { hint: input.hint },
    );
  }
  const secret = input.clean(text);
  if (secret.length === 0) throw new StepvaultError('usage', `${input.what} file ${file} is empty`);
  return secret;
}

/** Runs a command that prints a secret; a failing command, or one that prints nothing, is a usage error. */
export function secretFromCommand(command: string, input: SecretInput): string {
  let out: string;
  try {
    out = execFileSync('/bin/sh', ['-c', command], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  } catch (e) {
    const status = (e as { status?: number }).status;
    throw new StepvaultError(
      'usage',
      `the ${input.what} command failed${status !== undefined ? ` with exit code ${status}` : ''}`,
      { hint: input.hint },
    );
  }
  const secret = input.clean(out);
  if (secret.length === 0) throw new StepvaultError('usage', `the ${input.what} command printed nothing`);
  return secret;
}
