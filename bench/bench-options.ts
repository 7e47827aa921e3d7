// Command-line options the suites that run tools in rounds share (--tools, --scale, --runs), read and checked the
// same way; a wrong option is a UsageError, which `npm run bench` answers with the usage text and exit code 2.

import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

export class UsageError extends Error {}

/** `parseArgs` without positionals, its errors as UsageErrors. */
export function parseCommandLine<O extends ParseArgsOptionsConfig>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The tools named by `--tools a,b` (all of `names` without it), in the order of `names`. */
export function toolsOption<T extends string>(text: string | undefined, names: readonly T[]): T[] {
  const tools = (text ?? names.join(',')).split(',').map((t) => t.trim());
  for (const t of tools) {
    if (!(names as readonly string[]).includes(t)) throw new UsageError(`unknown tool "${t}"`);
  }
  return names.filter((t) => tools.includes(t));
}

/** `--scale N`: the dataset scale, 1 without it. */
export function scaleOption(text: string | undefined): number {
  const scale = text === undefined ? 1 : Number(text);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 4)
    throw new UsageError('--scale must be a number in (0, 4]');
  return scale;
}

/** `--runs N`: rounds of every step, 3 without it. */
export function runsOption(text: string | undefined): number {
  const runs = text === undefined ? 3 : Number(text);
  if (!Number.isInteger(runs) || runs < 1 || runs > 9)
    throw new UsageError('--runs must be an integer from 1 to 9');
  return runs;
}
