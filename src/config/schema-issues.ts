// Turns zod's issues into ConfigIssues that point at the line and column of the setting, name the bad value as
// written and the allowed ones. Union failures are narrowed to the alternative the user evidently meant (the
// one whose keys match), so `{ ssm: { name: 3 } }` reports the name, not "invalid input".
// Values are echoed only for type and enum mistakes; never for custom checks or formats, where a misplaced
// secret (a token pasted into `hash`) could otherwise end up in a terminal or a log.

import type { z } from 'zod';
import { type ConfigIssue, formatPath } from './config-issue.ts';
import { closest } from './schema-primitives.ts';
import type { YamlSource } from './yaml-source.ts';

type Issue = z.core.$ZodIssue;

export function issuesFromZod(issues: readonly Issue[], source: YamlSource): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const visit = (issue: Issue, prefix: PropertyKey[]) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const best = bestAlternative(issue.errors);
      if (best && (best.score === 0 || (best.unique && recognisesAKey(best.issues, valueAt(source, path))))) {
        for (const inner of best.issues) visit(inner, path);
        return;
      }
    }
    out.push(render(issue, path, source));
  };
  for (const issue of issues) visit(issue, []);
  return out;
}

function render(issue: Issue, path: PropertyKey[], source: YamlSource): ConfigIssue {
  const at = (p: PropertyKey[], which: 'key' | 'value' = 'value') => ({
    file: source.file,
    ...source.positionOf(p, which),
  });
  const written = () => shown(source, path);
  const parent = path.slice(0, -1);
  if (issue.input === undefined && path.length > 0 && isAbsent(source, path)) {
    return {
      ...at(parent, 'key'),
      path: formatPath(parent),
      message: `missing required key "${String(path.at(-1))}"`,
    };
  }
  switch (issue.code) {
    case 'invalid_type': {
      return {
        ...at(path),
        path: formatPath(path),
        message: `expected ${expected(issue)}, got ${written()}`,
      };
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => String(v));
      const text = source.textOf(path);
      const guess = text !== undefined ? closest(text, allowed) : undefined;
      const suggestion = guess ? ` (did you mean ${guess}?)` : '';
      const message =
        allowed.length === 1
          ? `${written()} is not allowed: must be ${allowed[0]}`
          : `${written()} is not allowed${suggestion}; allowed: ${allowed.join(', ')}`;
      return { ...at(path), path: formatPath(path), message };
    }
    case 'invalid_union': {
      if ('discriminator' in issue && typeof issue.discriminator === 'string') {
        const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
        const typePath = path.at(-1) === issue.discriminator ? path : [...path, issue.discriminator];
        const text = source.textOf(typePath);
        if (text === undefined) {
          const parent = typePath.slice(0, -1);
          return {
            ...at(parent, 'key'),
            path: formatPath(parent),
            message: `missing required key "${issue.discriminator}" (one of ${options.join(', ')})`,
          };
        }
        return {
          ...at(typePath),
          path: formatPath(typePath),
          message: `"${text}" is not a known ${issue.discriminator}; allowed: ${options.join(', ')}`,
        };
      }
      return { ...at(path), path: formatPath(path), message: issue.message };
    }
    case 'unrecognized_keys': {
      const first = issue.keys[0] ?? '';
      return { ...at([...path, first], 'key'), path: formatPath(path), message: issue.message };
    }
    case 'invalid_key':
      return {
        ...at(path, 'key'),
        path: formatPath(path.slice(0, -1)),
        message: `"${String(path.at(-1))}": ${issue.issues[0]?.message ?? issue.message}`,
      };
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const word = issue.code === 'too_small' ? 'at least' : 'at most';
      const message =
        issue.origin === 'array'
          ? `needs ${word} ${bound} item${bound === 1 ? '' : 's'}`
          : issue.origin === 'string'
            ? bound === 1 && issue.code === 'too_small'
              ? 'must not be empty'
              : `must have ${word} ${bound} characters`
            : `must be ${word} ${bound}, got ${written()}`;
      return { ...at(path), path: formatPath(path), message };
    }
    default:
      return { ...at(path), path: formatPath(path), message: issue.message };
  }
}

/** The value at `path` as the user wrote it, or what kind of thing it is. */
function shown(source: YamlSource, path: PropertyKey[]): string {
  const text = source.textOf(path);
  if (text !== undefined) return `"${text.length > 60 ? `${text.slice(0, 57)}...` : text}"`;
  const value = valueAt(source, path);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'nothing (null)';
  return typeof value === 'object' ? 'a map' : typeof value;
}

function isAbsent(source: YamlSource, path: readonly PropertyKey[]): boolean {
  const container = valueAt(source, path.slice(0, -1));
  return typeof container === 'object' && container !== null && !Object.hasOwn(container, path.at(-1)!);
}

function valueAt(source: YamlSource, path: readonly PropertyKey[]): unknown {
  let value: unknown = source.value;
  for (const part of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/** Whether the user's map has at least one key this alternative knows (so it is the one they meant). */
function recognisesAKey(issues: readonly Issue[], value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const unknown = new Set(
    issues.flatMap((i) => (i.code === 'unrecognized_keys' && i.path.length === 0 ? i.keys : [])),
  );
  return Object.keys(value).some((key) => !unknown.has(key));
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a map (key: value)',
  array: 'a list',
  record: 'a map (key: value)',
};

function expected(issue: Issue & { code: 'invalid_type' }): string {
  return EXPECTED[issue.expected] ?? issue.expected;
}

/** How badly an alternative's issues say "this is not the shape you wrote": wrong type, unknown or missing keys. */
function mismatch(issues: readonly Issue[]): number {
  let n = 0;
  for (const issue of issues) {
    if (issue.code === 'invalid_type' && (issue.path.length === 0 || isMissingKey(issue))) n++;
    else if (issue.code === 'unrecognized_keys' && issue.path.length === 0) n += issue.keys.length;
    else if (issue.code === 'invalid_value' && issue.path.length === 1 && issue.path[0] === 'type') n++;
    else if (issue.code === 'invalid_union' && issue.path.length === 0) {
      n += issue.errors.length > 0 ? Math.min(...issue.errors.map(mismatch)) : 1;
    }
  }
  return n;
}

function isMissingKey(issue: Issue): boolean {
  return issue.code === 'invalid_type' && issue.input === undefined && issue.path.length === 1;
}

function bestAlternative(
  alternatives: readonly (readonly Issue[])[],
): { issues: readonly Issue[]; score: number; unique: boolean } | undefined {
  const scored = alternatives.map((issues) => ({ issues, score: mismatch(issues) }));
  scored.sort((a, b) => a.score - b.score);
  const [first, second] = scored;
  return first && { ...first, unique: second === undefined || second.score > first.score };
}
