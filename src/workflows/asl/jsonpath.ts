// JSONPath as Step Functions understands it (the Jayway dialect): `$` input paths, `$$` context paths and
// `$name` variable paths; dot and bracket members, indexes (negative from the end), wildcards, unions, slices,
// deep scan `..`, filters `[?(@.price < 10 && @.tags anyof ['a'])]` and trailing functions such as `.length()`.
// A path is *definite* when it can only select one value; an indefinite path always yields an array.

import { deepEqual, isObject, type Json } from './json.ts';

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

export interface PathRoots {
  input: Json;
  context?: Json;
  variable?: (name: string) => { found: boolean; value?: Json };
}

export type PathResult = { found: true; value: Json } | { found: false };

/**
 * Evaluates a path. A definite path that selects nothing is `{ found: false }`; an indefinite one yields an
 * array of its matches (empty when nothing matches), as Jayway does.
 */
export function evaluateJsonPath(path: JsonPath | string, roots: PathRoots): PathResult {
  const p = typeof path === 'string' ? parseJsonPath(path) : path;
  let start: Json;
  if (p.root.kind === 'input') start = roots.input;
  else if (p.root.kind === 'context') start = roots.context ?? null;
  else {
    const v = roots.variable?.(p.root.name);
    if (!v?.found) return { found: false };
    start = v.value ?? null;
  }
  const matches = select([start], p.segments, roots);
  if (p.definite) return matches.length === 0 ? { found: false } : { found: true, value: matches[0]! };
  return { found: true, value: matches };
}

function select(current: Json[], segments: Segment[], roots: PathRoots): Json[] {
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg.kind === 'function') {
      const input = current.length === 1 && i > 0 && isDefinitePrefix(segments, i) ? current[0]! : current;
      const out = applyFunction(seg.name, input);
      current = out === undefined ? [] : [out];
      continue;
    }
    const next: Json[] = [];
    for (const value of current) {
      if (seg.kind === 'child') applySelectors(value, seg.selectors, roots, next);
      else for (const node of descendants(value)) applySelectors(node, seg.selectors, roots, next);
    }
    current = next;
  }
  return current;
}

function isDefinitePrefix(segments: Segment[], upTo: number): boolean {
  return segments.slice(0, upTo).every(isDefiniteSegment);
}

function isDefiniteSegment(seg: Segment): boolean {
  if (seg.kind !== 'child') return seg.kind === 'function';
  return (
    seg.selectors.length === 1 && (seg.selectors[0]!.kind === 'member' || seg.selectors[0]!.kind === 'index')
  );
}

function* descendants(value: Json): Generator<Json> {
  yield value;
  if (Array.isArray(value)) for (const v of value) yield* descendants(v);
  else if (isObject(value)) for (const v of Object.values(value)) yield* descendants(v);
}

function applySelectors(value: Json, selectors: Selector[], roots: PathRoots, out: Json[]): void {
  for (const sel of selectors) {
    switch (sel.kind) {
      case 'member':
        if (isObject(value) && Object.hasOwn(value, sel.name)) out.push(value[sel.name]!);
        break;
      case 'index':
        if (Array.isArray(value)) {
          const i = sel.index < 0 ? value.length + sel.index : sel.index;
          if (i >= 0 && i < value.length) out.push(value[i]!);
        }
        break;
      case 'wildcard':
        if (Array.isArray(value)) out.push(...value);
        else if (isObject(value)) out.push(...Object.values(value));
        break;
      case 'slice':
        if (Array.isArray(value)) out.push(...slice(value, sel.start, sel.end, sel.step));
        break;
      case 'filter': {
        const items = Array.isArray(value) ? value : isObject(value) ? [value] : [];
        for (const item of items) if (testFilter(sel.expr, item, roots)) out.push(item);
        break;
      }
    }
  }
}

function slice(arr: Json[], start: number | undefined, end: number | undefined, step: number): Json[] {
  const n = arr.length;
  const norm = (i: number) => (i < 0 ? Math.max(n + i, 0) : Math.min(i, n));
  const s = start === undefined ? 0 : norm(start);
  const e = end === undefined ? n : norm(end);
  const out: Json[] = [];
  for (let i = s; i < e; i += Math.max(step, 1)) out.push(arr[i]!);
  return out;
}

function applyFunction(name: string, input: Json): Json | undefined {
  const nums = () => (Array.isArray(input) ? input.filter((v): v is number => typeof v === 'number') : []);
  switch (name) {
    case 'length':
    case 'size':
      if (Array.isArray(input)) return input.length;
      if (typeof input === 'string') return input.length;
      if (isObject(input)) return Object.keys(input).length;
      return undefined;
    case 'min':
      return nums().length ? Math.min(...nums()) : undefined;
    case 'max':
      return nums().length ? Math.max(...nums()) : undefined;
    case 'sum':
      return nums().reduce((a, b) => a + b, 0);
    case 'avg':
      return nums().length ? nums().reduce((a, b) => a + b, 0) / nums().length : undefined;
    case 'stddev': {
      const ns = nums();
      if (!ns.length) return undefined;
      const mean = ns.reduce((a, b) => a + b, 0) / ns.length;
      return Math.sqrt(ns.reduce((a, b) => a + (b - mean) ** 2, 0) / ns.length);
    }
    case 'keys':
      return isObject(input) ? Object.keys(input) : undefined;
    case 'first':
      return Array.isArray(input) && input.length ? input[0] : undefined;
    case 'last':
      return Array.isArray(input) && input.length ? input[input.length - 1] : undefined;
    default:
      return undefined;
  }
}

function operandValues(op: Operand, item: Json, roots: PathRoots): { values: Json[]; definite: boolean } {
  if (op.kind === 'literal') return { values: [op.value], definite: true };
  if (op.kind === 'regex') return { values: [], definite: true };
  const start = op.relative ? item : roots.input;
  return { values: select([start], op.segments, roots), definite: op.segments.every(isDefiniteSegment) };
}

function testFilter(expr: FilterExpr, item: Json, roots: PathRoots): boolean {
  switch (expr.kind) {
    case 'or':
      return testFilter(expr.left, item, roots) || testFilter(expr.right, item, roots);
    case 'and':
      return testFilter(expr.left, item, roots) && testFilter(expr.right, item, roots);
    case 'not':
      return !testFilter(expr.operand, item, roots);
    case 'exists': {
      const { values } = operandValues(expr.operand, item, roots);
      return values.length > 0 && values[0] !== false;
    }
    case 'compare': {
      const left = operandValues(expr.left, item, roots);
      if (left.values.length === 0 && expr.op !== 'empty') return false;
      const l: Json = left.definite ? (left.values[0] ?? null) : left.values;
      if (expr.right.kind === 'regex') return typeof l === 'string' && expr.right.regex.test(l);
      const right = operandValues(expr.right, item, roots);
      if (right.values.length === 0) return false;
      const r: Json = right.definite ? (right.values[0] ?? null) : right.values;
      return compare(expr.op, l, r);
    }
  }
}

function compare(op: string, l: Json, r: Json): boolean {
  switch (op) {
    case '==':
      return deepEqual(l, r);
    case '!=':
      return !deepEqual(l, r);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (
        !(
          (typeof l === 'number' && typeof r === 'number') ||
          (typeof l === 'string' && typeof r === 'string')
        )
      ) {
        return false;
      }
      if (op === '<') return l < r;
      if (op === '<=') return l <= r;
      if (op === '>') return l > r;
      return l >= r;
    }
    case 'in':
      return Array.isArray(r) && r.some((x) => deepEqual(x, l));
    case 'nin':
      return Array.isArray(r) && !r.some((x) => deepEqual(x, l));
    case 'subsetof':
      return Array.isArray(l) && Array.isArray(r) && l.every((x) => r.some((y) => deepEqual(x, y)));
    case 'anyof':
      return Array.isArray(l) && Array.isArray(r) && l.some((x) => r.some((y) => deepEqual(x, y)));
    case 'noneof':
      return Array.isArray(l) && Array.isArray(r) && !l.some((x) => r.some((y) => deepEqual(x, y)));
    case 'size':
      return (Array.isArray(l) || typeof l === 'string') && l.length === r;
    case 'empty':
      return (Array.isArray(l) || typeof l === 'string') && (l.length === 0) === r;
    default:
      return false;
  }
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
