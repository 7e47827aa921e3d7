import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AslError } from './errors.ts';
import type { Json } from './json.ts';
import { evaluateJsonataTemplate, type JsonataEnv, jsonataSyntaxError } from './jsonata.ts';

function env(input: Json, vars: Record<string, Json> = {}): JsonataEnv {
  return {
    states: { input, context: { Execution: { Name: 'e' } } },
    variables: (name) => (name in vars ? { found: true, value: vars[name]! } : { found: false }),
    variableNames: () => Object.keys(vars),
    now: () => new Date('2024-05-06T07:08:09.000Z'),
    random: () => 0.25,
    uuid: () => '11111111-1111-4111-8111-111111111111',
    stateName: 'S',
  };
}

test('templates: expressions anywhere, literals kept, variables and $states visible', async () => {
  const out = await evaluateJsonataTemplate(
    {
      sum: '{% $sum($states.input.xs) %}',
      fixed: [1, '{% $v %}'],
      name: '{% $states.context.Execution.Name %}',
      plain: 'text',
    },
    env({ xs: [1, 2, 3] }, { v: 'var' }),
    'Output',
  );
  assert.deepEqual(out, { sum: 6, fixed: [1, 'var'], name: 'e', plain: 'text' });
});

test('AWS functions and the injected clock and random source', async () => {
  const e = env({});
  const ev = (expr: string) => evaluateJsonataTemplate(`{% ${expr} %}`, e, 'Output');
  assert.deepEqual(await ev('$partition([1,2,3], 2)'), [[1, 2], [3]]);
  assert.deepEqual(await ev('$range(0, 10, 5)'), [0, 5, 10]);
  assert.equal(await ev('$range(1, 9, 9)'), 1);
  assert.equal(await ev("$hash('input data', 'SHA-1')"), 'aaff4a450a104cd177d28d18d74485e8cae074b7');
  assert.deepEqual(await ev('$parse(\'{"a":1}\')'), { a: 1 });
  assert.equal(await ev('$random()'), 0.25);
  assert.equal(await ev('$uuid()'), '11111111-1111-4111-8111-111111111111');
  assert.equal(await ev('$now()'), '2024-05-06T07:08:09.000Z');
  assert.equal(await ev('$millis()'), Date.parse('2024-05-06T07:08:09.000Z'));
});

test('undefined results and evaluation errors are States.QueryEvaluationError naming the field', async () => {
  for (const expr of [
    '{% $nothing %}',
    '{% $states.input.missing %}',
    "{% $number('x') + {} %}",
    '{% $partition(1, 2) %}',
  ]) {
    await assert.rejects(
      evaluateJsonataTemplate(expr, env({}), 'Arguments'),
      (e: unknown) =>
        e instanceof AslError && e.error === 'States.QueryEvaluationError' && e.location === 'Arguments',
    );
  }
  assert.match(jsonataSyntaxError('$states.input +') ?? '', /position/);
  assert.equal(jsonataSyntaxError('$states.input + 1'), undefined);
});
