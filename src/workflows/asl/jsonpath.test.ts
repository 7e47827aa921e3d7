import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Json } from './json.ts';
import { evaluateJsonPath } from './jsonpath.ts';
import { isValidJsonPath, JsonPathSyntaxError, parseJsonPath } from './jsonpath-parser.ts';

const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,8}$/);
const json: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string({ maxLength: 6 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A random existing location in a value, as the steps that reach it. */
function locations(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...locations(v, [...prefix, i]));
  } else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...locations(v, [...prefix, k]));
  return out;
}

function at(value: Json, steps: (string | number)[]): Json {
  return steps.reduce<Json>((v, s) => (v as Record<string | number, Json>)[s]!, value);
}

test('a definite path to any existing location selects exactly that value, in dot and bracket notation', () => {
  fc.assert(
    fc.property(json, fc.nat(), (value, pick) => {
      const all = locations(value);
      const steps = all[pick % all.length]!;
      const dot = `$${steps.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('')}`;
      const bracket = `$${steps.map((s) => (typeof s === 'number' ? `[${s}]` : `['${s}']`)).join('')}`;
      for (const path of [dot, bracket]) {
        const r = evaluateJsonPath(path, { input: value });
        assert.deepEqual(r, { found: true, value: at(value, steps) }, path);
      }
    }),
  );
});

test('a definite path past a missing member is not found; an indefinite one yields an empty array', () => {
  fc.assert(
    fc.property(fc.dictionary(key, json, { maxKeys: 4 }), (obj) => {
      const missing = `absent_${Object.keys(obj).length}`;
      assert.deepEqual(evaluateJsonPath(`$.${missing}`, { input: obj }), { found: false });
      assert.deepEqual(evaluateJsonPath(`$.${missing}[*]`, { input: obj }), { found: true, value: [] });
    }),
  );
});

test('wildcards, unions, slices, negative indexes and deep scan follow Jayway', () => {
  const input = { a: [{ x: 1, t: ['p'] }, { x: 2, t: ['q', 'p'] }, { x: 3 }], b: { x: 9 } };
  const get = (p: string) => (evaluateJsonPath(p, { input }) as { value: Json }).value;
  assert.deepEqual(get('$.a[*].x'), [1, 2, 3]);
  assert.deepEqual(get('$.a[0,2].x'), [1, 3]);
  assert.deepEqual(get('$.a[1:].x'), [2, 3]);
  assert.deepEqual(get('$.a[-1]'), { x: 3 });
  assert.deepEqual(get('$..x'), [1, 2, 3, 9]);
  assert.deepEqual(get('$.a[?(@.x > 1)].x'), [2, 3]);
  assert.deepEqual(get('$.a[?(@.x == 1 || @.x == 3)].x'), [1, 3]);
  assert.deepEqual(get("$.a[?(@.t anyof ['q'])].x"), [2]);
  assert.deepEqual(get('$.a[?(@.t)].x'), [1, 2]);
  assert.equal(get('$.a.length()'), 3);
  assert.deepEqual(get('$.b.*'), [9]);
});

test('context and variable roots', () => {
  const roots = {
    input: {},
    context: { Execution: { Name: 'n' } },
    variable: (name: string) => (name === 'v' ? { found: true, value: { k: [5] } } : { found: false }),
  };
  assert.deepEqual(evaluateJsonPath('$$.Execution.Name', roots), { found: true, value: 'n' });
  assert.deepEqual(evaluateJsonPath('$v.k[0]', roots), { found: true, value: 5 });
  assert.deepEqual(evaluateJsonPath('$nope', roots), { found: false });
});

test('parsing arbitrary text either succeeds or raises a JsonPathSyntaxError, never anything else', () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 20 }).map((s) => `$${s}`),
      (path) => {
        try {
          parseJsonPath(path);
        } catch (e) {
          assert.ok(e instanceof JsonPathSyntaxError, String(e));
        }
      },
    ),
  );
  for (const bad of ['', 'a.b', '$.', '$[', "$['a'", '$.a[?(@.x >)]', '$..'])
    assert.equal(isValidJsonPath(bad), false, bad);
});
