import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { evaluateChoiceRule, matchesPattern } from './choice-rules.ts';
import type { ChoiceRule } from './definition.ts';
import { AslError } from './errors.ts';
import type { Json } from './json.ts';
import { parseTimestamp } from './timestamps.ts';

const env = (input: Json) => ({ roots: { input }, random: () => 0, uuid: () => '' });
const holds = (rule: ChoiceRule, input: Json) => evaluateChoiceRule(rule, env(input));

test('comparisons are false across types and exact within them', () => {
  assert.equal(holds({ Variable: '$.v', NumericEquals: 1 }, { v: '1' }), false);
  assert.equal(holds({ Variable: '$.v', NumericEquals: 1 }, { v: 1.0 }), true);
  assert.equal(holds({ Variable: '$.v', StringLessThan: 'b' }, { v: 'a' }), true);
  assert.equal(holds({ Variable: '$.v', BooleanEquals: true }, { v: 'true' }), false);
  assert.equal(
    holds({ Variable: '$.v', TimestampEquals: '2024-01-01T00:00:00Z' }, { v: '2024-01-01T01:00:00+01:00' }),
    true,
  );
  assert.equal(
    holds(
      { Variable: '$.v', TimestampLessThan: '2024-01-01T00:00:00.000000002Z' },
      { v: '2024-01-01T00:00:00.000000001Z' },
    ),
    true,
  );
  assert.equal(
    holds({ Variable: '$.v', TimestampEquals: '2024-01-01T00:00:00Z' }, { v: '2024-01-01 00:00:00Z' }),
    false,
  );
  assert.equal(holds({ Variable: '$.v', NumericGreaterThanPath: '$.w' }, { v: 3, w: 2 }), true);
  assert.equal(
    holds(
      { And: [{ Variable: '$.v', IsNumeric: true }, { Not: { Variable: '$.v', NumericEquals: 0 } }] },
      { v: 2 },
    ),
    true,
  );
  assert.equal(
    holds(
      {
        Or: [
          { Variable: '$.x', IsPresent: true },
          { Variable: '$.v', IsNull: true },
        ],
      },
      { v: null },
    ),
    true,
  );
  assert.equal(holds({ Variable: '$.x', IsPresent: false }, {}), true);
});

test('a missing Variable is States.Runtime', () => {
  assert.throws(
    () => holds({ Variable: '$.missing', StringEquals: 'a' }, {}),
    (e: unknown) => e instanceof AslError && e.error === 'States.Runtime',
  );
});

test('StringMatches: * matches any run of characters, escaped \\* matches a star', () => {
  assert.equal(matchesPattern('log-2024.txt', 'log-*.txt'), true);
  assert.equal(matchesPattern('a*b', 'a\\*b'), true);
  assert.equal(matchesPattern('axb', 'a\\*b'), false);
  fc.assert(
    fc.property(fc.string(), fc.string(), (a, b) => {
      const esc = (s: string) => s.replace(/[\\*]/g, '\\$&');
      assert.equal(matchesPattern(a + b, `${esc(a)}*`), true);
      assert.equal(matchesPattern(a, esc(a)), true);
    }),
  );
});

test('RFC 3339 timestamps: offsets normalise, impossible dates are rejected', () => {
  assert.equal(parseTimestamp('2023-02-30T00:00:00Z'), undefined);
  assert.equal(parseTimestamp('2023-02-28t00:00:00Z'), undefined);
  fc.assert(
    fc.property(
      fc.date({ min: new Date('1970-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }),
      (d) => {
        assert.equal(parseTimestamp(d.toISOString())?.ms, d.getTime());
      },
    ),
  );
});
