// The JSONPath parser (the Jayway dialect Step Functions uses): `$` input paths, `$$` context paths and `$name`
// variable paths; dot and bracket members, indexes, wildcards, unions, slices, deep scan `..`, filters
// `[?(...)]` and trailing functions such as `.length()`. Evaluation is in jsonpath.ts.

import type { Json } from './json.ts';

export type PathRoot = { kind: 'input' } | { kind: 'context' } | { kind: 'variable'; name: string };

export type Selector =
  | { kind: 'member'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'slice'; start: number | undefined; end: number | undefined; step: number }
  | { kind: 'filter'; expr: FilterExpr };

export type Segment =
  | { kind: 'child'; selectors: Selector[] }
  | { kind: 'descendant'; selectors: Selector[] }
  | { kind: 'function'; name: string };

export type FilterExpr =
  | { kind: 'or' | 'and'; left: FilterExpr; right: FilterExpr }
  | { kind: 'not'; operand: FilterExpr }
  | { kind: 'compare'; op: string; left: Operand; right: Operand }
  | { kind: 'exists'; operand: Operand };

export type Operand =
  | { kind: 'path'; relative: boolean; segments: Segment[] }
  | { kind: 'literal'; value: Json }
  | { kind: 'regex'; regex: RegExp };

export interface JsonPath {
  source: string;
  root: PathRoot;
  segments: Segment[];
  definite: boolean;
}

export class JsonPathSyntaxError extends Error {
  constructor(path: string, message: string) {
    super(`invalid JSONPath '${path}': ${message}`);
    this.name = 'JsonPathSyntaxError';
  }
}

const FUNCTIONS = new Set(['length', 'size', 'min', 'max', 'avg', 'sum', 'stddev', 'keys', 'first', 'last']);
const cache = new Map<string, JsonPath>();

export function parseJsonPath(source: string): JsonPath {
  const cached = cache.get(source);
  if (cached) return cached;
  const parsed = new Parser(source).parsePath();
  if (cache.size > 10_000) cache.clear();
  cache.set(source, parsed);
  return parsed;
}

/** Whether a string is syntactically a JSONPath (input, context or variable path). */
export function isValidJsonPath(source: string): boolean {
  try {
    parseJsonPath(source);
    return true;
  } catch {
    return false;
  }
}

export function isDefiniteSegment(seg: Segment): boolean {
  if (seg.kind !== 'child') return seg.kind === 'function';
  return (
    seg.selectors.length === 1 && (seg.selectors[0]!.kind === 'member' || seg.selectors[0]!.kind === 'index')
  );
}

const NAME_CHAR = /[^.[\]()\s,'"]/;
const FILTER_NAME_CHAR = /[A-Za-z0-9_\-$]/;
const COMPARE_OPS = ['==', '!=', '<=', '>=', '=~', '<', '>'];
const WORD_OPS = ['subsetof', 'anyof', 'noneof', 'nin', 'in', 'size', 'empty'];

class Parser {
  readonly src: string;
  pos = 0;
  constructor(src: string) {
    this.src = src;
  }

  fail(message: string): never {
    throw new JsonPathSyntaxError(this.src, `${message} at position ${this.pos}`);
  }

  parsePath(): JsonPath {
    const root = this.parseRoot();
    const segments = this.parseSegments(false);
    if (this.pos !== this.src.length) this.fail(`unexpected '${this.src[this.pos]}'`);
    const definite = segments.every(isDefiniteSegment);
    return { source: this.src, root, segments, definite };
  }

  parseRoot(): PathRoot {
    if (this.src[this.pos] !== '$') this.fail("a path must start with '$'");
    this.pos++;
    if (this.src[this.pos] === '$') {
      this.pos++;
      return { kind: 'context' };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    if (m) {
      this.pos += m[0].length;
      return { kind: 'variable', name: m[0] };
    }
    return { kind: 'input' };
  }

  parseSegments(inFilter: boolean): Segment[] {
    const segments: Segment[] = [];
    for (;;) {
      const c = this.src[this.pos];
      if (c === '.' && this.src[this.pos + 1] === '.') {
        this.pos += 2;
        if (this.src[this.pos] === '[') segments.push({ kind: 'descendant', selectors: this.parseBracket() });
        else if (this.src[this.pos] === '*') {
          this.pos++;
          segments.push({ kind: 'descendant', selectors: [{ kind: 'wildcard' }] });
        } else
          segments.push({
            kind: 'descendant',
            selectors: [{ kind: 'member', name: this.parseName(inFilter) }],
          });
      } else if (c === '.') {
        this.pos++;
        if (this.src[this.pos] === '*') {
          this.pos++;
          segments.push({ kind: 'child', selectors: [{ kind: 'wildcard' }] });
          continue;
        }
        const name = this.parseName(inFilter);
        if (this.src.startsWith('()', this.pos) && FUNCTIONS.has(name)) {
          this.pos += 2;
          segments.push({ kind: 'function', name });
        } else segments.push({ kind: 'child', selectors: [{ kind: 'member', name }] });
      } else if (c === '[') {
        segments.push({ kind: 'child', selectors: this.parseBracket() });
      } else return segments;
    }
  }

  parseName(inFilter: boolean): string {
    const start = this.pos;
    const re = inFilter ? FILTER_NAME_CHAR : NAME_CHAR;
    while (this.pos < this.src.length && re.test(this.src[this.pos]!)) this.pos++;
    if (this.pos === start) this.fail('expected a member name');
    return this.src.slice(start, this.pos);
  }

  skipSpace(): void {
    while (this.src[this.pos] === ' ') this.pos++;
  }

  parseBracket(): Selector[] {
    this.pos++; // [
    this.skipSpace();
    if (this.src.startsWith('?(', this.pos)) {
      this.pos += 2;
      const expr = this.parseOr();
      this.skipSpace();
      if (this.src[this.pos] !== ')') this.fail("expected ')' closing the filter");
      this.pos++;
      this.skipSpace();
      if (this.src[this.pos] !== ']') this.fail("expected ']'");
      this.pos++;
      return [{ kind: 'filter', expr }];
    }
    const selectors: Selector[] = [];
    for (;;) {
      this.skipSpace();
      selectors.push(this.parseSelector());
      this.skipSpace();
      const c = this.src[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return selectors;
      }
      this.fail("expected ',' or ']'");
    }
  }

  parseSelector(): Selector {
    const c = this.src[this.pos];
    if (c === '*') {
      this.pos++;
      return { kind: 'wildcard' };
    }
    if (c === "'" || c === '"') return { kind: 'member', name: this.parseQuoted() };
    const m = /^(-?\d*)\s*(?::\s*(-?\d*)\s*(?::\s*(-?\d*))?)?/.exec(this.src.slice(this.pos));
    if (!m || m[0].length === 0) this.fail('expected an index, a quoted name, a slice or *');
    this.pos += m[0].length;
    const num = (s: string | undefined) => (s === undefined || s === '' ? undefined : Number(s));
    if (!m[0].includes(':')) {
      if (m[1] === '' || m[1] === '-') this.fail('expected an index');
      return { kind: 'index', index: Number(m[1]) };
    }
    return { kind: 'slice', start: num(m[1]), end: num(m[2]), step: num(m[3]) ?? 1 };
  }

  parseQuoted(): string {
    const q = this.src[this.pos]!;
    this.pos++;
    let out = '';
    while (this.pos < this.src.length && this.src[this.pos] !== q) {
      // Only an escaped quote of the same kind is an escape; other backslashes are literal (as in Jayway).
      if (this.src[this.pos] === '\\' && this.src[this.pos + 1] === q) this.pos++;
      out += this.src[this.pos];
      this.pos++;
    }
    if (this.src[this.pos] !== q) this.fail('unterminated string');
    this.pos++;
    return out;
  }

  parseOr(): FilterExpr {
    let left = this.parseAnd();
    for (;;) {
      this.skipSpace();
      if (!this.src.startsWith('||', this.pos)) return left;
      this.pos += 2;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
  }

  parseAnd(): FilterExpr {
    let left = this.parseUnary();
    for (;;) {
      this.skipSpace();
      if (!this.src.startsWith('&&', this.pos)) return left;
      this.pos += 2;
      left = { kind: 'and', left, right: this.parseUnary() };
    }
  }

  parseUnary(): FilterExpr {
    this.skipSpace();
    if (this.src[this.pos] === '!') {
      this.pos++;
      return { kind: 'not', operand: this.parseUnary() };
    }
    if (this.src[this.pos] === '(') {
      this.pos++;
      const inner = this.parseOr();
      this.skipSpace();
      if (this.src[this.pos] !== ')') this.fail("expected ')'");
      this.pos++;
      return inner;
    }
    const left = this.parseOperand();
    this.skipSpace();
    const op =
      COMPARE_OPS.find((o) => this.src.startsWith(o, this.pos)) ??
      WORD_OPS.find(
        (o) => this.src.startsWith(o, this.pos) && !/[A-Za-z]/.test(this.src[this.pos + o.length] ?? ''),
      );
    if (!op) return { kind: 'exists', operand: left };
    this.pos += op.length;
    this.skipSpace();
    if (op === '=~') {
      const m = /^\/((?:\\.|[^/\\])*)\/([a-z]*)/.exec(this.src.slice(this.pos));
      if (!m) this.fail('expected a /regex/ after =~');
      this.pos += m[0].length;
      return { kind: 'compare', op, left, right: { kind: 'regex', regex: new RegExp(m[1]!, m[2]) } };
    }
    return { kind: 'compare', op, left, right: this.parseOperand() };
  }

  parseOperand(): Operand {
    this.skipSpace();
    const c = this.src[this.pos];
    if (c === '@' || c === '$') {
      this.pos++;
      return { kind: 'path', relative: c === '@', segments: this.parseSegments(true) };
    }
    if (c === "'" || c === '"') return { kind: 'literal', value: this.parseQuoted() };
    if (c === '[') return { kind: 'literal', value: this.parseArrayLiteral() };
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(this.src.slice(this.pos));
    if (!m) this.fail('expected a value in the filter');
    this.pos += m[0].length;
    return { kind: 'literal', value: JSON.parse(m[0]) as Json };
  }

  parseArrayLiteral(): Json[] {
    this.pos++;
    const out: Json[] = [];
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] === ']') {
        this.pos++;
        return out;
      }
      const v = this.parseOperand();
      if (v.kind !== 'literal') this.fail('array literals may hold only literal values');
      out.push(v.value);
      this.skipSpace();
      if (this.src[this.pos] === ',') this.pos++;
    }
  }
}
