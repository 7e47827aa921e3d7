// JSONPath as Step Functions understands it (the Jayway dialect): `$` input paths, `$$` context paths and
// `$name` variable paths; dot and bracket members, indexes (negative from the end), wildcards, unions, slices,
// deep scan `..`, filters `[?(@.price < 10 && @.tags anyof ['a'])]` and trailing functions such as `.length()`.
// A path is *definite* when it can only select one value; an indefinite path always yields an array.

import { deepEqual, isObject, type Json } from './json.ts';
import {
  type FilterExpr,
  isDefiniteSegment,
  type JsonPath,
  type Operand,
  parseJsonPath,
  type Segment,
  type Selector,
} from './jsonpath-parser.ts';

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
