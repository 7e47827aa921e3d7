// Exclude patterns with restic's semantics: a pattern starting with "/" is matched against the absolute path,
// any other pattern matches at any depth ("*.tmp", "cache/*", "**/node_modules"); "!" re-includes what an earlier
// pattern excluded, and the last matching pattern wins. An excluded directory is not descended into.

import * as fs from 'node:fs';
import picomatch from 'picomatch';
import { errnoCode, StepvaultError } from '../../common/errors.ts';

interface Rule {
  negate: boolean;
  match: (path: string) => boolean;
}

export class ExcludeFilter {
  readonly #rules: Rule[];

  constructor(patterns: readonly string[]) {
    this.#rules = patterns
      .map((p) => p.trim())
      .filter((p) => p.length > 0)
      .map((pattern) => {
        const negate = pattern.startsWith('!');
        let body = negate ? pattern.slice(1) : pattern;
        if (body.length > 1 && body.endsWith('/')) body = body.slice(0, -1);
        if (body.length === 0) throw new StepvaultError('usage', `exclude pattern "${pattern}" is empty`);
        const glob = body.startsWith('/') ? body : `**/${body}`;
        return { negate, match: picomatch(glob, { dot: true }) };
      });
  }

  get empty(): boolean {
    return this.#rules.length === 0;
  }

  /** Whether an absolute path is excluded. */
  excludes(path: string): boolean {
    let excluded = false;
    for (const rule of this.#rules) if (rule.match(path)) excluded = !rule.negate;
    return excluded;
  }
}

/** Reads patterns from a file: one per line, blank lines and lines starting with "#" ignored. */
export function readExcludeFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new StepvaultError('usage', `cannot read exclude file ${file}: ${errnoCode(e) ?? String(e)}`, {
      hint: 'give a readable file with one pattern per line',
    });
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}
