// A subset of CQL (Confluence Query Language) for v1 search: fields type, space, title, text, label, id,
// ancestor, parent, container, creator, created and lastmodified; operators = != ~ !~ > >= < <= in, not in;
// and/or/not with parentheses; `order by` one field. Date literals ("yyyy/MM/dd HH:mm", "yyyy-MM-dd") are read
// as UTC and have minute granularity; `now("-1d")` works. Unknown fields, unknown content types (as Cloud
// refuses a type the site does not have) and bad syntax are errors (400).

export interface CqlItem {
  type: string;
  id: string;
  spaceKey: string;
  title: string;
  labels: string[];
  created: number;
  modified: number;
  creator: string;
  parentId: string | undefined;
  ancestorIds: string[];
  containerId: string | undefined;
  text: () => string;
}

type Value = string | number;
type Node =
  | { op: 'and' | 'or'; left: Node; right: Node }
  | { op: 'not'; inner: Node }
  | { op: 'cmp'; field: string; cmp: string; values: Value[] };

export interface CqlQuery {
  matches: (item: CqlItem) => boolean;
  order: { field: 'id' | 'created' | 'lastmodified' | 'title'; descending: boolean };
  /**
   * What every match must have, from `field = v` / `field in (…)` clauses joined by `and` at the top: the space
   * keys (upper case) and the types it may be in, so a search can skip the rest of the site unread. Undefined:
   * no such bound.
   */
  bounds: { spaceKeys?: ReadonlySet<string>; types?: ReadonlySet<string> };
}

/** The values a top-level conjunct requires of `fields` (intersected across conjuncts), if any requires. */
function required(node: Node, fields: readonly string[], upper: boolean): Set<string> | undefined {
  if (node.op === 'and') {
    const left = required(node.left, fields, upper);
    const right = required(node.right, fields, upper);
    if (!left) return right;
    if (!right) return left;
    return new Set([...left].filter((v) => right.has(v)));
  }
  if (node.op === 'cmp' && fields.includes(node.field) && (node.cmp === '=' || node.cmp === 'in'))
    return new Set(node.values.map((v) => (upper ? String(v).toUpperCase() : String(v).toLowerCase())));
  return undefined;
}

const FIELDS = new Set([
  'type',
  'space',
  'space.key',
  'title',
  'text',
  'label',
  'id',
  'ancestor',
  'parent',
  'container',
  'creator',
  'created',
  'lastmodified',
]);
const DATE_FIELDS = new Set(['created', 'lastmodified']);

/** The content types a site's CQL knows by default. */
export const CQL_TYPES: readonly string[] = [
  'page',
  'blogpost',
  'comment',
  'attachment',
  'space',
  'folder',
  'whiteboard',
  'database',
  'embed',
];

function tokenize(cql: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(!=|!~|>=|<=|[=~<>(),])|([^\s=!~<>(),"']+))/y;
  let at = 0;
  while (at < cql.length) {
    re.lastIndex = at;
    const m = re.exec(cql);
    if (m === null || m[0] === '') break;
    tokens.push(m[1] ?? m[2] ?? m[3]!);
    at = re.lastIndex;
  }
  if (cql.slice(at).trim() !== '') throw new Error(`Unexpected text at ${at}`);
  return tokens;
}

function unquote(token: string): string {
  return /^["']/.test(token) ? token.slice(1, -1).replace(/\\(.)/g, '$1') : token;
}

/** `now("-1d")` offsets: m, h, d, w. */
function offsetMs(arg: string): number {
  if (arg.trim() === '') return 0;
  const m = /^([+-]?\d+)([mhdw])$/i.exec(arg.trim());
  if (!m) throw new Error(`Invalid now() offset ${arg}`);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
    m[2]!.toLowerCase() as 'm' | 'h' | 'd' | 'w'
  ];
  return Number(m[1]) * unit;
}

function parseDate(text: string): number {
  const m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?$/.exec(text);
  if (!m) throw new Error(`Invalid date ${text}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0));
}

class Parser {
  #tokens: string[];
  #at = 0;
  readonly #now: number;
  readonly #types: ReadonlySet<string>;

  constructor(tokens: string[], now: number, types: ReadonlySet<string>) {
    this.#tokens = tokens;
    this.#now = now;
    this.#types = types;
  }

  #typed(field: string, value: Value): Value {
    if (field === 'type' && !this.#types.has(String(value).toLowerCase()))
      throw new Error(`Unknown content type ${String(value)}`);
    return value;
  }

  #peek(): string | undefined {
    return this.#tokens[this.#at];
  }

  #keyword(word: string): boolean {
    if (this.#peek()?.toLowerCase() !== word) return false;
    this.#at++;
    return true;
  }

  #expect(token: string): void {
    if (this.#tokens[this.#at++] !== token) throw new Error(`Expected ${token}`);
  }

  done(): boolean {
    return this.#at >= this.#tokens.length || this.#peek()?.toLowerCase() === 'order';
  }

  expr(): Node {
    let left = this.#and();
    while (this.#keyword('or')) left = { op: 'or', left, right: this.#and() };
    return left;
  }

  #and(): Node {
    let left = this.#unary();
    while (this.#keyword('and')) left = { op: 'and', left, right: this.#unary() };
    return left;
  }

  #unary(): Node {
    if (this.#keyword('not')) return { op: 'not', inner: this.#unary() };
    if (this.#peek() === '(') {
      this.#at++;
      const inner = this.expr();
      this.#expect(')');
      return inner;
    }
    return this.#clause();
  }

  #value(field: string): Value {
    const token = this.#tokens[this.#at++];
    if (token === undefined) throw new Error('Expected a value');
    if (/^now$/i.test(token) && this.#peek() === '(') {
      this.#at++;
      const arg = this.#peek() === ')' ? '' : unquote(this.#tokens[this.#at++] ?? '');
      this.#expect(')');
      return this.#now + offsetMs(arg);
    }
    const text = unquote(token);
    return DATE_FIELDS.has(field) ? parseDate(text) : text;
  }

  #clause(): Node {
    const field = this.#tokens[this.#at++]?.toLowerCase();
    if (field === undefined || !FIELDS.has(field)) throw new Error(`Unknown field ${String(field)}`);
    const negated = this.#keyword('not');
    if (this.#keyword('in')) {
      this.#expect('(');
      const values = [this.#typed(field, this.#value(field))];
      while (this.#peek() === ',') {
        this.#at++;
        values.push(this.#typed(field, this.#value(field)));
      }
      this.#expect(')');
      return { op: 'cmp', field, cmp: negated ? 'not in' : 'in', values };
    }
    if (negated) throw new Error('Expected "in" after "not"');
    const cmp = this.#tokens[this.#at++];
    if (cmp === undefined || !['=', '!=', '~', '!~', '>', '>=', '<', '<='].includes(cmp))
      throw new Error(`Bad operator ${String(cmp)}`);
    return { op: 'cmp', field, cmp, values: [this.#typed(field, this.#value(field))] };
  }

  order(): CqlQuery['order'] {
    if (!this.#keyword('order')) return { field: 'id', descending: false };
    if (!this.#keyword('by')) throw new Error('Expected "by"');
    const field = this.#tokens[this.#at++]?.toLowerCase();
    if (field !== 'id' && field !== 'created' && field !== 'lastmodified' && field !== 'title')
      throw new Error(`Cannot order by ${String(field)}`);
    const descending = this.#keyword('desc');
    if (!descending) this.#keyword('asc');
    if (this.#at < this.#tokens.length) throw new Error(`Unexpected ${this.#peek()}`);
    return { field, descending };
  }
}

function fieldValues(item: CqlItem, field: string): Value[] {
  switch (field) {
    case 'type':
      return [item.type];
    case 'space':
    case 'space.key':
      return [item.spaceKey];
    case 'title':
      return [item.title];
    case 'text':
      return [`${item.title} ${item.text()}`];
    case 'label':
      return item.labels;
    case 'id':
      return [item.id];
    case 'ancestor':
      return item.ancestorIds;
    case 'parent':
      return item.parentId === undefined ? [] : [item.parentId];
    case 'container':
      return item.containerId === undefined ? [] : [item.containerId];
    case 'creator':
      return [item.creator];
    case 'created':
      return [item.created];
    default:
      return [item.modified];
  }
}

function compare(actual: Value, cmp: string, expected: Value, field: string): boolean {
  const a =
    typeof actual === 'string' && field !== 'title' && field !== 'text' ? actual.toLowerCase() : actual;
  const e =
    typeof expected === 'string' && field !== 'title' && field !== 'text' ? expected.toLowerCase() : expected;
  switch (cmp) {
    case '=':
      return DATE_FIELDS.has(field)
        ? Math.floor(Number(a) / 60_000) === Math.floor(Number(e) / 60_000)
        : a === e;
    case '!=':
      return a !== e;
    case '~':
      return String(a).toLowerCase().includes(String(e).toLowerCase().replaceAll('*', ''));
    case '!~':
      return !String(a).toLowerCase().includes(String(e).toLowerCase().replaceAll('*', ''));
    case '>':
      return a > e;
    case '>=':
      return a >= e;
    case '<':
      return a < e;
    default:
      return a <= e;
  }
}

function evaluate(node: Node, item: CqlItem): boolean {
  switch (node.op) {
    case 'and':
      return evaluate(node.left, item) && evaluate(node.right, item);
    case 'or':
      return evaluate(node.left, item) || evaluate(node.right, item);
    case 'not':
      return !evaluate(node.inner, item);
    case 'cmp': {
      const actual = fieldValues(item, node.field);
      if (node.cmp === 'in')
        return node.values.some((v) => actual.some((a) => compare(a, '=', v, node.field)));
      if (node.cmp === 'not in')
        return !node.values.some((v) => actual.some((a) => compare(a, '=', v, node.field)));
      if (node.cmp === '!=' || node.cmp === '!~')
        return actual.every((a) => compare(a, node.cmp, node.values[0]!, node.field));
      return actual.some((a) => compare(a, node.cmp, node.values[0]!, node.field));
    }
  }
}

/** Parses a CQL query; throws an Error with a readable message when it is invalid. */
/** `types`: the content types the site knows (a `type` clause naming another is an error). */
export function parseCql(cql: string, now: number, types: Iterable<string> = CQL_TYPES): CqlQuery {
  const parser = new Parser(tokenize(cql), now, new Set(types));
  if (parser.done()) throw new Error('Empty query');
  const root = parser.expr();
  if (!parser.done()) throw new Error('Unexpected text after the query');
  const order = parser.order();
  const spaceKeys = required(root, ['space', 'space.key'], true);
  const typeBound = required(root, ['type'], false);
  return {
    matches: (item) => evaluate(root, item),
    order,
    bounds: { ...(spaceKeys ? { spaceKeys } : {}), ...(typeBound ? { types: typeBound } : {}) },
  };
}
