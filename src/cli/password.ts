// Where the repository password comes from, in order: --password-file, --password-command,
// STEPVAULT_PASSWORD_FILE, STEPVAULT_PASSWORD_COMMAND, STEPVAULT_PASSWORD, or a prompt on a terminal.
// The password never appears in output or errors.

import { StepvaultError } from '../common/errors.ts';
import { secretFromCommand, secretFromFile } from './secret-input.ts';

export interface PasswordSource {
  passwordFile?: string | undefined;
  passwordCommand?: string | undefined;
}

export async function readPassword(
  source: PasswordSource,
  prompt: string,
  env = process.env,
): Promise<string> {
  const file = source.passwordFile ?? env.STEPVAULT_PASSWORD_FILE;
  const command = source.passwordCommand ?? env.STEPVAULT_PASSWORD_COMMAND;
  if (source.passwordFile !== undefined || (source.passwordCommand === undefined && file !== undefined)) {
    return fromFile(file!);
  }
  if (command !== undefined) return fromCommand(command);
  if (env.STEPVAULT_PASSWORD !== undefined) return env.STEPVAULT_PASSWORD;
  if (process.stdin.isTTY && process.stderr.isTTY) return promptHidden(prompt);
  throw new StepvaultError('usage', 'no repository password given', {
    hint: 'use --password-file, --password-command, or STEPVAULT_PASSWORD_FILE / STEPVAULT_PASSWORD_COMMAND / STEPVAULT_PASSWORD',
  });
}

export function fromFile(file: string): string {
  return secretFromFile(file, {
    what: 'password',
    hint: 'check the path given with --password-file or STEPVAULT_PASSWORD_FILE',
    clean: withoutTrailingNewline,
  });
}

function fromCommand(command: string): string {
  return secretFromCommand(command, {
    what: 'password',
    hint: 'check --password-command / STEPVAULT_PASSWORD_COMMAND',
    clean: withoutTrailingNewline,
  });
}

function withoutTrailingNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const finish = (error?: StepvaultError) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new StepvaultError('interrupted', 'interrupted'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
