// Reads a YAML document into plain values while remembering where every key and value was written, and refuses
// what a configuration file has no use for and an attacker could: duplicate keys, aliases (billion-laughs
// expansion), custom tags, keys that are not plain scalars, `__proto__`/`constructor`/`prototype` keys,
// documents nested deeper than 64 levels or larger than 1 MiB, and more than one document.

import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { ConfigIssue } from './config-issue.ts';
import { formatPath } from './config-issue.ts';

export const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_DEPTH = 64;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const CORE_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`),
);

export interface SourcePosition {
  line: number;
  column: number;
}

interface Located {
  key?: SourcePosition;
  value: SourcePosition;
  /** The scalar as written, for messages. */
  text?: string;
}

export interface YamlSource {
  readonly file: string;
  readonly value: unknown;
  /**
   * Where the setting at `path` was written: its key (`which: 'key'`) or its value; for a path that does not
   * exist (a missing key), the nearest enclosing setting that does.
   */
  positionOf(path: readonly PropertyKey[], which?: 'key' | 'value'): SourcePosition;
  /** The scalar at `path` as written in the file (undefined for collections and missing paths). */
  textOf(path: readonly PropertyKey[]): string | undefined;
}

export type YamlParseResult = { ok: true; source: YamlSource } | { ok: false; issues: ConfigIssue[] };

export function parseYamlSource(text: string, file: string): YamlParseResult {
  const issue = (position: SourcePosition, path: readonly PropertyKey[], message: string): ConfigIssue => ({
    file,
    ...position,
    path: formatPath(path),
    message,
  });
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    return {
      ok: false,
      issues: [issue({ line: 1, column: 1 }, [], `the file is larger than ${MAX_CONFIG_BYTES} bytes`)],
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    keepSourceTokens: true,
    uniqueKeys: true,
    prettyErrors: false,
    merge: false,
    version: '1.2',
  });
  const at = (offset: number | undefined): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return { line, column: col };
  };
  const issues: ConfigIssue[] = [...doc.errors, ...doc.warnings].map((e) =>
    issue(at(e.pos[0]), [], yamlMessage(e.code, e.message)),
  );
  if (issues.length > 0) return { ok: false, issues };

  const locations = new Map<string, Located>();
  const convert = (node: Node | null | undefined, path: PropertyKey[], key?: SourcePosition): unknown => {
    const where: Located = { value: at(node?.range?.[0]) };
    if (key) where.key = key;
    locations.set(JSON.stringify(path), where);
    if (node === null || node === undefined) return null;
    if (path.length > MAX_DEPTH) {
      issues.push(issue(where.value, path, `nested deeper than ${MAX_DEPTH} levels`));
      return null;
    }
    if (isAlias(node)) {
      issues.push(
        issue(where.value, path, `YAML aliases (*${node.source}) are not allowed: write the value out`),
      );
      return null;
    }
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      issues.push(issue(where.value, path, `the YAML tag ${node.tag} is not allowed: write a plain value`));
      return null;
    }
    if (isScalar(node)) {
      where.text = node.source ?? String(node.value);
      return node.value;
    }
    if (isSeq(node)) return node.items.map((item, i) => convert(item as Node, [...path, i]));
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const keyAt = at(keyNode?.range?.[0] ?? (pair.value as Node | null)?.range?.[0]);
        if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
          issues.push(issue(keyAt, path, 'keys must be plain names, not lists, maps or empty'));
          continue;
        }
        const name = String(keyNode.value);
        if (FORBIDDEN_KEYS.has(name)) {
          issues.push(issue(keyAt, path, `the key "${name}" is not allowed`));
          continue;
        }
        Object.defineProperty(out, name, {
          value: convert(pair.value as Node | null, [...path, name], keyAt),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    issues.push(issue(where.value, path, 'unsupported YAML node'));
    return null;
  };
  const value = convert((doc as Document).contents as Node | null, []);
  if (issues.length > 0) return { ok: false, issues };

  const nearest = (path: readonly PropertyKey[]): Located => {
    for (let n = path.length; n >= 0; n--) {
      const found = locations.get(JSON.stringify(path.slice(0, n)));
      if (found) return found;
    }
    return { value: { line: 1, column: 1 } };
  };
  return {
    ok: true,
    source: {
      file,
      value,
      positionOf: (path, which = 'value') => {
        const found = nearest(path);
        return which === 'key' ? (found.key ?? found.value) : found.value;
      },
      textOf: (path) => locations.get(JSON.stringify(path))?.text,
    },
  };
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'duplicate key: each key may appear once in a map';
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one YAML document (---): keep one';
    case 'TAG_RESOLVE_FAILED':
      return `${first}: write a plain value`;
    default:
      return `YAML syntax: ${first}`;
  }
}
