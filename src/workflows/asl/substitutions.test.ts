// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation placeholders are plain text here
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { placeholdersIn, substitute } from './substitutions.ts';

test('every named placeholder is replaced; the rest are left and reported', () => {
  const text = '{"A":"${One}","B":"${Two}","C":"${One}:x","D":"$One","E":"${}"}';
  assert.deepEqual(placeholdersIn(text), ['One', 'Two']);
  const { text: out, unbound } = substitute(text, { One: 'arn:aws:states:local:000000000000:activity:a' });
  assert.equal(
    out,
    '{"A":"arn:aws:states:local:000000000000:activity:a","B":"${Two}","C":"arn:aws:states:local:000000000000:activity:a:x","D":"$One","E":"${}"}',
  );
  assert.deepEqual(unbound, ['Two']);
});

test('a value that would change the JSON structure is refused', () => {
  assert.throws(() => substitute('{"A":"${X}"}', { X: 'a","Type":"Fail' }), /JSON would have to escape/);
  assert.throws(() => substitute('{"A":"${X}"}', { X: 'a\\b' }), /JSON would have to escape/);
});

test('names from the prototype are not values', () => {
  assert.deepEqual(substitute('"${constructor}"', {}), {
    text: '"${constructor}"',
    unbound: ['constructor'],
  });
});

test('substituting safe values into string values keeps the JSON valid and the values exact', () => {
  const name = fc.stringMatching(/^[A-Za-z0-9_]{1,20}$/);
  const value = fc.stringMatching(/^[A-Za-z0-9:._/-]{0,60}$/);
  fc.assert(
    fc.property(fc.dictionary(name, value, { minKeys: 1, maxKeys: 8 }), (values) => {
      const doc = Object.fromEntries(Object.keys(values).map((k) => [k, `\${${k}}`]));
      const { text, unbound } = substitute(JSON.stringify(doc), values);
      assert.deepEqual(unbound, []);
      assert.deepEqual(JSON.parse(text), { ...values });
    }),
    { numRuns: 300 },
  );
});
