import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AslError } from './errors.ts';
import type { Json } from './json.ts';
import { applyResultPath, isValidReferencePath } from './reference-path.ts';

const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,6}$/);

test('a result placed at a reference path is found there (or refused where a non-object is in the way), and the input is not modified', () => {
  fc.assert(
    fc.property(
      fc.dictionary(name, fc.jsonValue(), { maxKeys: 4 }),
      fc.array(name, { minLength: 1, maxLength: 3 }),
      fc.jsonValue(),
      (input, steps, value) => {
        const before = JSON.stringify(input);
        const path = `$.${steps.join('.')}`;
        // a member of something that is not an object (an array, a scalar) on the way cannot be set
        let at: Json | undefined = input as Json;
        let blocked = false;
        for (const s of steps.slice(0, -1)) {
          at = (at as Record<string, Json>)[s];
          if (at === undefined) break;
          if (at === null || typeof at !== 'object' || Array.isArray(at)) {
            blocked = true;
            break;
          }
        }
        if (blocked) {
          assert.throws(
            () => applyResultPath(input as Json, path, value as Json),
            (e: unknown) => e instanceof AslError && e.error === 'States.ResultPathMatchFailure',
          );
          assert.equal(JSON.stringify(input), before);
          return;
        }
        const out = applyResultPath(input as Json, path, value as Json) as Record<string, Json>;
        assert.equal(JSON.stringify(input), before);
        let cur: Json = out;
        for (const s of steps) cur = (cur as Record<string, Json>)[s]!;
        assert.deepEqual(cur, value);
      },
    ),
  );
});

test('`$` replaces the input; a member of a non-object raises States.ResultPathMatchFailure', () => {
  assert.deepEqual(applyResultPath({ a: 1 }, '$', 7), 7);
  assert.deepEqual(applyResultPath({ a: [1, 2] }, '$.a[1]', 'x'), { a: [1, 'x'] });
  assert.throws(
    () => applyResultPath({ a: 'text' }, '$.a.b', 1),
    (e: unknown) => e instanceof AslError && e.error === 'States.ResultPathMatchFailure',
  );
  for (const bad of ['$.a[*]', '$..a', '$$.Execution', '$.a[?(@.x)]', 'a'])
    assert.equal(isValidReferencePath(bad), false, bad);
});
