import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStepvaultError } from '../common/errors.ts';
import {
  ANOMALY_TAG,
  checkPlanName,
  identityOf,
  PROTECTED_TAG,
  previousGood,
  ruleFilterTag,
  runTag,
  type TaggedSnapshot,
} from './plan-tags.ts';

const snap = (id: string, time: string, tags: string[], original?: string): TaggedSnapshot => ({
  id,
  time,
  tags,
  ...(original ? { original } : {}),
});

describe('plan tags', () => {
  it('accepts plain names and refuses ones that would break tags or filters', () => {
    assert.equal(checkPlanName('plan', 'wiki-nightly_2.0'), 'wiki-nightly_2.0');
    for (const bad of ['', 'a,b', 'a b', '-x', 'x/y', 'a:b', 'x'.repeat(65)]) {
      assert.throws(
        () => checkPlanName('rule', bad),
        (e) => isStepvaultError(e, 'usage'),
        bad,
      );
    }
  });

  it('names runs by the first 16 hex digits of the idempotency key', () => {
    assert.equal(runTag('0123456789abcdef0123456789abcdef'), 'run:0123456789abcdef');
    assert.throws(() => runTag('short'));
    assert.equal(ruleFilterTag('wiki', 'daily'), 'plan:wiki,rule:daily');
  });

  it('keeps the identity of a snapshot whose tags were rewritten', () => {
    assert.equal(identityOf(snap('b', '2026-01-01T00:00:00Z', [], 'a')), 'a');
    assert.equal(identityOf(snap('a', '2026-01-01T00:00:00Z', [])), 'a');
  });

  it('finds the newest older snapshot of the plan that is not itself an anomaly', () => {
    const current = snap('cur', '2026-01-05T00:00:00Z', ['plan:wiki', ANOMALY_TAG]);
    const all = [
      snap('old', '2026-01-01T00:00:00Z', ['plan:wiki']),
      snap('good', '2026-01-03T00:00:00Z', ['plan:wiki', PROTECTED_TAG]),
      snap('bad', '2026-01-04T00:00:00Z', ['plan:wiki', ANOMALY_TAG]),
      snap('other-plan', '2026-01-04T12:00:00Z', ['plan:files']),
      snap('later', '2026-01-06T00:00:00Z', ['plan:wiki']),
      snap('cur-rewritten', '2026-01-05T00:00:00Z', ['plan:wiki'], 'cur'),
      current,
    ];
    assert.equal(previousGood(all, current, 'wiki')?.id, 'good');
    assert.equal(previousGood(all.slice(0, 1), all[0]!, 'wiki'), undefined);
  });

  it('compares times as instants, not as text', () => {
    const current = snap('cur', '2026-01-05T01:00:00+02:00', ['plan:p']);
    const earlier = snap('e', '2026-01-04T22:30:00Z', ['plan:p']);
    const later = snap('l', '2026-01-04T23:30:00Z', ['plan:p']);
    assert.equal(previousGood([earlier, later, current], current, 'p')?.id, 'e');
  });
});
