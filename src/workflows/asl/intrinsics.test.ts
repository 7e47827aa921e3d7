import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AslError } from './errors.ts';
import { evaluateIntrinsic, type IntrinsicEnv, IntrinsicSyntaxError, parseIntrinsic } from './intrinsics.ts';
import type { Json } from './json.ts';

function env(input: Json = {}): IntrinsicEnv {
  let n = 0;
  return {
    roots: {
      input,
      context: { Execution: { Name: 'run-1' } },
      variable: (name) => (name === 'x' ? { found: true, value: 41 } : { found: false }),
    },
    random: () => 0.5,
    uuid: () => `00000000-0000-4000-8000-00000000000${n++}`,
  };
}
const ev = (expr: string, input: Json = {}) => evaluateIntrinsic(expr, env(input));

test('the intrinsic functions AWS documents', () => {
  assert.equal(
    ev("States.Format('Hello, {}! You are {} ({})', $.name, $.age, $.ok)", {
      name: 'Ana',
      age: 30,
      ok: true,
    }),
    'Hello, Ana! You are 30 (true)',
  );
  assert.equal(ev("States.Format('\\{literal\\} {}', $$.Execution.Name)"), '{literal} run-1');
  assert.equal(ev("States.Format('{}', $.o)", { o: { a: 1, b: [1, 'x'] } }), '{a=1, b=[1, x]}');
  assert.deepEqual(ev('States.StringToJson(\'{"a":[1,2]}\')'), { a: [1, 2] });
  assert.equal(ev('States.JsonToString($.o)', { o: { a: 1 } }), '{"a":1}');
  assert.deepEqual(ev("States.Array('a', 1, $.o, null)", { o: { b: 2 } }), ['a', 1, { b: 2 }, null]);
  assert.deepEqual(ev('States.ArrayPartition($.a, 2)', { a: [1, 2, 3, 4, 5] }), [[1, 2], [3, 4], [5]]);
  assert.equal(ev('States.ArrayContains($.a, $.v)', { a: [1, { b: 2 }], v: { b: 2 } }), true);
  assert.deepEqual(ev('States.ArrayRange(1, 9, 2)'), [1, 3, 5, 7, 9]);
  assert.equal(ev('States.ArrayGetItem($.a, 1)', { a: ['x', 'y'] }), 'y');
  assert.equal(ev('States.ArrayLength($.a)', { a: [1, 2, 3] }), 3);
  assert.deepEqual(ev('States.ArrayUnique($.a)', { a: [1, 2, 1, { a: 1 }, { a: 1 }] }), [1, 2, { a: 1 }]);
  assert.equal(ev("States.Base64Encode('Data to encode')"), 'RGF0YSB0byBlbmNvZGU=');
  assert.equal(ev("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')"), 'Data to encode');
  assert.equal(ev("States.Hash('input data', 'SHA-1')"), 'aaff4a450a104cd177d28d18d74485e8cae074b7');
  assert.deepEqual(ev('States.JsonMerge($.a, $.b, false)', { a: { x: 1, y: 1 }, b: { y: 2 } }), {
    x: 1,
    y: 2,
  });
  assert.equal(ev('States.MathRandom(1, 11)'), 6);
  assert.equal(ev('States.MathAdd($x, -1)'), 40);
  assert.equal(ev('States.MathAdd(1.49, 1.5)'), 3);
  assert.deepEqual(ev("States.StringSplit('1,2, 3', ', ')"), ['1', '2', '3']);
  assert.equal(ev('States.UUID()'), '00000000-0000-4000-8000-000000000000');
  assert.equal(ev('States.JsonToString(States.Array(States.MathAdd(1, 2)))'), '[3]');
});

test('bad arguments raise States.IntrinsicFailure; a missing path raises States.Runtime', () => {
  const errorOf = (expr: string, input: Json = {}) => {
    try {
      ev(expr, input);
    } catch (e) {
      return (e as AslError).error;
    }
    return 'no error';
  };
  assert.equal(errorOf('States.ArrayGetItem($.a, 5)', { a: [1] }), 'States.IntrinsicFailure');
  assert.equal(errorOf("States.Hash('x', 'SHA-999')"), 'States.IntrinsicFailure');
  assert.equal(errorOf("States.StringToJson('{nope')"), 'States.IntrinsicFailure');
  assert.equal(errorOf("States.Format('{} {}', 1)"), 'States.IntrinsicFailure');
  assert.equal(errorOf('States.JsonMerge($.a, $.a, true)', { a: {} }), 'States.IntrinsicFailure');
  assert.equal(errorOf('States.ArrayLength($.missing)'), 'States.Runtime');
});

test('StringToJson inverts JsonToString; Base64Decode inverts Base64Encode; ArrayPartition keeps the items', () => {
  const json: fc.Arbitrary<Json> = fc.jsonValue() as fc.Arbitrary<Json>;
  fc.assert(
    fc.property(json, (value) => {
      const text = ev('States.JsonToString($.v)', { v: value });
      assert.deepEqual(ev('States.StringToJson($.t)', { t: text }), JSON.parse(JSON.stringify(value)));
    }),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      assert.equal(ev('States.Base64Decode(States.Base64Encode($.s))', { s }), s);
    }),
  );
  fc.assert(
    fc.property(fc.array(fc.integer()), fc.integer({ min: 1, max: 7 }), (items, size) => {
      const chunks = ev('States.ArrayPartition($.a, $.n)', { a: items, n: size }) as Json[][];
      assert.deepEqual(chunks.flat(), items);
      assert.ok(chunks.every((c) => c.length <= size && c.length > 0));
    }),
  );
});

test('parsing arbitrary text raises only IntrinsicSyntaxError', () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 30 }).map((s) => `States.${s}`),
      (src) => {
        try {
          parseIntrinsic(src);
        } catch (e) {
          assert.ok(e instanceof IntrinsicSyntaxError, String(e));
        }
      },
    ),
  );
  assert.throws(() => parseIntrinsic('States.Nope(1)'), /unknown function/);
  assert.throws(() => parseIntrinsic('States.UUID(1)'), /takes 0/);
  assert.throws(() => parseIntrinsic("States.Format('a'"), IntrinsicSyntaxError);
});
