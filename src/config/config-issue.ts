// A problem found in a configuration file, with where it is (file:line:column) and the dotted path of the
// setting, and the one error that carries all of them to the user.

import { StepvaultError } from '../common/errors.ts';

export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** The setting, e.g. `plans.nightly.rules[0].schedule`; empty for the document itself. */
  path: string;
  message: string;
}

/** `file:line:column: path: message`, the form editors and terminals turn into links. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}

/** Dotted path with [n] for list items: ['plans', 'a', 'rules', 0, 'name'] -> plans.a.rules[0].name. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const name = String(part);
      const plain = /^[A-Za-z_][\w-]*$/.test(name);
      out += plain ? `${out ? '.' : ''}${name}` : `[${JSON.stringify(name)}]`;
    }
  }
  return out;
}

/** The error for a configuration that has issues: every issue on its own line, at most `max` of them. */
export function configError(issues: readonly ConfigIssue[], max = 50): StepvaultError {
  const shown = issues.slice(0, max).map(formatIssue);
  if (issues.length > max) shown.push(`… and ${issues.length - max} more`);
  const head =
    issues.length === 1
      ? 'invalid configuration: '
      : `invalid configuration (${issues.length} problems):\n  `;
  return new StepvaultError('config', `${head}${shown.join('\n  ')}`, {
    hint: 'fix the settings named above; `stepvault config schema` prints the JSON Schema for editor completion',
  });
}
