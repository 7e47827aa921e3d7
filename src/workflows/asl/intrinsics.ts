// Intrinsic functions of the JSONPath query language (`States.Format('{}', $.x)`, `States.Hash(...)`, ...): a
// parser that validation also uses, and an evaluator that takes its randomness from the caller so that runs
// replay exactly.

import { createHash } from 'node:crypto';
import { AslError, StatesErrors } from './errors.ts';
import { deepEqual, isObject, type Json, typeName } from './json.ts';
import { evaluateJsonPath, type PathRoots } from './jsonpath.ts';
import { parseJsonPath } from './jsonpath-parser.ts';

export type IntrinsicArg =
  | { kind: 'literal'; value: Json; raw?: string }
  | { kind: 'path'; path: string }
  | { kind: 'call'; call: IntrinsicCall };

export interface IntrinsicCall {
  name: string;
  args: IntrinsicArg[];
}

export class IntrinsicSyntaxError extends Error {
  constructor(source: string, message: string) {
    super(`invalid intrinsic function '${source}': ${message}`);
    this.name = 'IntrinsicSyntaxError';
  }
}

/** Argument counts (min, max) of every supported function. */
export const INTRINSICS: Record<string, [number, number]> = {
  'States.Format': [1, Number.POSITIVE_INFINITY],
  'States.StringToJson': [1, 1],
  'States.JsonToString': [1, 1],
  'States.Array': [0, Number.POSITIVE_INFINITY],
  'States.ArrayPartition': [2, 2],
  'States.ArrayContains': [2, 2],
  'States.ArrayRange': [3, 3],
  'States.ArrayGetItem': [2, 2],
  'States.ArrayLength': [1, 1],
  'States.ArrayUnique': [1, 1],
  'States.Base64Encode': [1, 1],
  'States.Base64Decode': [1, 1],
  'States.Hash': [2, 2],
  'States.JsonMerge': [3, 3],
  'States.MathRandom': [2, 3],
  'States.MathAdd': [2, 2],
  'States.StringSplit': [2, 2],
  'States.UUID': [0, 0],
};

export function looksLikeIntrinsic(value: string): boolean {
  return /^\s*States\.[A-Za-z0-9]+\s*\(/.test(value);
}

const cache = new Map<string, IntrinsicCall>();

export function parseIntrinsic(source: string): IntrinsicCall {
  const cached = cache.get(source);
  if (cached) return cached;
  const p = new IntrinsicParser(source);
  p.skip();
  const call = p.parseCall();
  p.skip();
  if (p.pos !== source.length) p.fail(`unexpected '${source.slice(p.pos)}' after the call`);
  if (cache.size > 10_000) cache.clear();
  cache.set(source, call);
  return call;
}

class IntrinsicParser {
  readonly src: string;
  pos = 0;
  constructor(src: string) {
    this.src = src;
  }
  fail(message: string): never {
    throw new IntrinsicSyntaxError(this.src, message);
  }
  skip(): void {
    while (/\s/.test(this.src[this.pos] ?? '')) this.pos++;
  }
  parseCall(): IntrinsicCall {
    const m = /^States\.[A-Za-z0-9]+/.exec(this.src.slice(this.pos));
    if (!m) this.fail(`expected a function name at position ${this.pos}`);
    const name = m[0];
    const arity = INTRINSICS[name];
    if (!arity) this.fail(`unknown function ${name}`);
    this.pos += name.length;
    this.skip();
    if (this.src[this.pos] !== '(') this.fail(`expected '(' after ${name}`);
    this.pos++;
    const args: IntrinsicArg[] = [];
    this.skip();
    if (this.src[this.pos] === ')') this.pos++;
    else {
      for (;;) {
        this.skip();
        args.push(this.parseArg());
        this.skip();
        const c = this.src[this.pos];
        this.pos++;
        if (c === ')') break;
        if (c !== ',') this.fail(`expected ',' or ')' in the arguments of ${name}`);
      }
    }
    if (args.length < arity[0] || args.length > arity[1]) {
      this.fail(`${name} takes ${arity[0] === arity[1] ? arity[0] : `${arity[0]} or more`} argument(s)`);
    }
    return { name, args };
  }
  parseArg(): IntrinsicArg {
    const rest = this.src.slice(this.pos);
    if (rest.startsWith('States.')) return { kind: 'call', call: this.parseCall() };
    if (rest.startsWith("'")) return this.parseString();
    if (rest.startsWith('$')) return { kind: 'path', path: this.parsePathArg() };
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(rest);
    if (!m) this.fail(`unexpected argument at position ${this.pos}`);
    this.pos += m[0].length;
    return { kind: 'literal', value: JSON.parse(m[0]) as Json };
  }
  /** A string literal: `value` has every escape resolved, `raw` keeps them for States.Format's `\\{` and `\\}`. */
  parseString(): IntrinsicArg {
    const start = ++this.pos;
    let value = '';
    for (;;) {
      if (this.pos >= this.src.length) this.fail('unterminated string literal');
      const c = this.src[this.pos]!;
      if (c === '\\' && this.pos + 1 < this.src.length) {
        value += this.src[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (c === "'") {
        const raw = this.src.slice(start, this.pos);
        this.pos++;
        return { kind: 'literal', value, raw };
      }
      value += c;
      this.pos++;
    }
  }
  parsePathArg(): string {
    const start = this.pos;
    let depth = 0;
    let quote: string | undefined;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (quote) {
        if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '[' || c === '(') depth++;
      else if (c === ']' || (c === ')' && depth > 0)) depth--;
      else if ((c === ',' || c === ')') && depth === 0) break;
      this.pos++;
    }
    const path = this.src.slice(start, this.pos).trim();
    try {
      parseJsonPath(path);
    } catch (e) {
      this.fail((e as Error).message);
    }
    return path;
  }
}

export interface IntrinsicEnv {
  roots: PathRoots;
  /** A uniform random number in [0, 1) from the execution's seeded generator. */
  random: () => number;
  uuid: () => string;
}

export function evaluateIntrinsic(source: string, env: IntrinsicEnv): Json {
  let call: IntrinsicCall;
  try {
    call = parseIntrinsic(source);
  } catch (e) {
    throw new AslError(StatesErrors.IntrinsicFailure, (e as Error).message);
  }
  return evalCall(call, env, source);
}

function evalArg(arg: IntrinsicArg, env: IntrinsicEnv, source: string): Json {
  if (arg.kind === 'literal') return arg.value;
  if (arg.kind === 'call') return evalCall(arg.call, env, source);
  const r = evaluateJsonPath(arg.path, env.roots);
  if (!r.found) {
    throw new AslError(
      StatesErrors.Runtime,
      `The JSONPath '${arg.path}' in the intrinsic function '${source}' could not be found in the input.`,
    );
  }
  return r.value;
}

function fail(name: string, message: string): never {
  throw new AslError(StatesErrors.IntrinsicFailure, `Invalid arguments in ${name}: ${message}`);
}

function int(name: string, v: Json, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v))
    fail(name, `${what} must be an integer, got ${typeName(v)}`);
  return v;
}

/** Math functions take numbers and round them to integers (half up), as AWS does. */
function rounded(name: string, v: Json, what: string): number {
  if (typeof v !== 'number') fail(name, `${what} must be a number, got ${typeName(v)}`);
  return Math.round(v);
}

function arr(name: string, v: Json): Json[] {
  if (!Array.isArray(v)) fail(name, `expected an array, got ${typeName(v)}`);
  return v;
}

function str(name: string, v: Json): string {
  if (typeof v !== 'string') fail(name, `expected a string, got ${typeName(v)}`);
  return v;
}

function evalCall(call: IntrinsicCall, env: IntrinsicEnv, source: string): Json {
  const a = call.args.map((arg) => evalArg(arg, env, source));
  const n = call.name;
  switch (n) {
    case 'States.Format': {
      const first = call.args[0]!;
      const template = first.kind === 'literal' && first.raw !== undefined ? first.raw : str(n, a[0]!);
      return format(template, a.slice(1));
    }
    case 'States.StringToJson': {
      const s = str(n, a[0]!);
      if (s.trim() === '') return null;
      try {
        return JSON.parse(s) as Json;
      } catch {
        return fail(n, `'${s}' is not valid JSON`);
      }
    }
    case 'States.JsonToString':
      return JSON.stringify(a[0]);
    case 'States.Array':
      return a;
    case 'States.ArrayPartition': {
      const items = arr(n, a[0]!);
      const size = int(n, a[1]!, 'the chunk size');
      if (size <= 0) fail(n, 'the chunk size must be positive');
      const out: Json[] = [];
      for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
      return out;
    }
    case 'States.ArrayContains':
      return arr(n, a[0]!).some((x) => deepEqual(x, a[1]));
    case 'States.ArrayRange': {
      const [start, end, step] = [int(n, a[0]!, 'start'), int(n, a[1]!, 'end'), int(n, a[2]!, 'step')];
      if (step === 0) fail(n, 'the step must not be 0');
      const out: number[] = [];
      for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
        out.push(v);
        if (out.length > 1000) fail(n, 'the range may hold at most 1000 items');
      }
      return out;
    }
    case 'States.ArrayGetItem': {
      const items = arr(n, a[0]!);
      const i = int(n, a[1]!, 'the index');
      if (i < 0 || i >= items.length) fail(n, `index ${i} is out of bounds (length ${items.length})`);
      return items[i]!;
    }
    case 'States.ArrayLength':
      return arr(n, a[0]!).length;
    case 'States.ArrayUnique': {
      const out: Json[] = [];
      for (const x of arr(n, a[0]!)) if (!out.some((y) => deepEqual(x, y))) out.push(x);
      return out;
    }
    case 'States.Base64Encode': {
      const s = str(n, a[0]!);
      if (s.length > 10_000) fail(n, 'the input may hold at most 10000 characters');
      return Buffer.from(s, 'utf8').toString('base64');
    }
    case 'States.Base64Decode': {
      const s = str(n, a[0]!);
      if (s.length > 10_000) fail(n, 'the input may hold at most 10000 characters');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) fail(n, `'${s}' is not Base64`);
      return Buffer.from(s, 'base64').toString('utf8');
    }
    case 'States.Hash': {
      const data = a[0]!;
      if (data === null) fail(n, 'the data must not be null');
      const text = typeof data === 'string' ? data : JSON.stringify(data);
      const algorithms: Record<string, string> = {
        MD5: 'md5',
        'SHA-1': 'sha1',
        'SHA-256': 'sha256',
        'SHA-384': 'sha384',
        'SHA-512': 'sha512',
      };
      const algo = algorithms[str(n, a[1]!)];
      if (!algo)
        fail(n, `unsupported algorithm '${String(a[1])}' (use MD5, SHA-1, SHA-256, SHA-384 or SHA-512)`);
      return createHash(algo).update(text, 'utf8').digest('hex');
    }
    case 'States.JsonMerge': {
      const [x, y, deep] = a;
      if (!isObject(x) || !isObject(y)) fail(n, 'both values must be objects');
      if (deep !== false) fail(n, 'only shallow merges (false) are supported');
      return { ...x, ...y };
    }
    case 'States.MathRandom': {
      const start = rounded(n, a[0]!, 'start');
      const end = rounded(n, a[1]!, 'end');
      if (a.length === 3) rounded(n, a[2]!, 'the seed');
      if (end < start) fail(n, 'end must not be less than start');
      return start + Math.floor(env.random() * (end - start));
    }
    case 'States.MathAdd':
      return rounded(n, a[0]!, 'the first value') + rounded(n, a[1]!, 'the second value');
    case 'States.StringSplit': {
      const s = str(n, a[0]!);
      const delimiters = str(n, a[1]!);
      if (delimiters === '') return [s];
      const out: string[] = [];
      let current = '';
      for (const ch of s) {
        if (delimiters.includes(ch)) {
          if (current !== '') out.push(current);
          current = '';
        } else current += ch;
      }
      if (current !== '') out.push(current);
      return out;
    }
    case 'States.UUID':
      return env.uuid();
    default:
      return fail(n, 'unknown function');
  }
}

/** How AWS renders a value inside States.Format: strings as is, objects and arrays as Java's toString. */
function javaText(v: Json): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(javaText).join(', ')}]`;
  if (isObject(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}=${javaText(x)}`)
      .join(', ')}}`;
  return JSON.stringify(v);
}

function format(template: string, values: Json[]): string {
  let out = '';
  let used = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c === '\\' && i + 1 < template.length) {
      out += template[i + 1];
      i++;
    } else if (c === '{' && template[i + 1] === '}') {
      if (used >= values.length) fail('States.Format', 'more {} placeholders than arguments');
      out += javaText(values[used++]!);
      i++;
    } else out += c;
  }
  if (used !== values.length) fail('States.Format', 'fewer {} placeholders than arguments');
  return out;
}
