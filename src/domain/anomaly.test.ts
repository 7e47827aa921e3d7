import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isStepvaultError } from '../common/errors.ts';
import {
  type AnomalyThresholds,
  describeFinding,
  detectAnomalies,
  exceeds,
  formatThreshold,
  parseThreshold,
  type Threshold,
} from './anomaly.ts';

const threshold = fc.oneof(
  fc.integer({ min: 0, max: 10_000 }).map((count): Threshold => ({ count })),
  fc.integer({ min: 0, max: 1000 }).map((p): Threshold => ({ percent: p / 10 })),
);

describe('anomaly thresholds', () => {
  it('parses counts and percentages', () => {
    assert.deepEqual(parseThreshold(50), { count: 50 });
    assert.deepEqual(parseThreshold('50'), { count: 50 });
    assert.deepEqual(parseThreshold('10%'), { percent: 10 });
    assert.deepEqual(parseThreshold(' 2.5 % '), { percent: 2.5 });
    assert.deepEqual(parseThreshold('100%'), { percent: 100 });
  });

  it('refuses anything else with a hint', () => {
    for (const bad of [-1, 1.5, '', 'ten', '101%', '-5%', '5%%', 'NaN', Number.NaN]) {
      assert.throws(
        () => parseThreshold(bad),
        (e) => isStepvaultError(e, 'usage') && e.hint !== undefined,
        String(bad),
      );
    }
  });

  it('formats what it parses back to the same threshold', () => {
    fc.assert(
      fc.property(threshold, (t) => {
        assert.deepEqual(parseThreshold(formatThreshold(t)), t);
      }),
    );
  });

  it('triggers strictly above a count', () => {
    assert.equal(exceeds(50, 1000, { count: 50 }), false);
    assert.equal(exceeds(51, 1000, { count: 50 }), true);
    assert.equal(exceeds(1, 0, { count: 0 }), true);
  });

  it('triggers strictly above a percentage of the previous pages, never on an empty base', () => {
    assert.equal(exceeds(10, 100, { percent: 10 }), false);
    assert.equal(exceeds(11, 100, { percent: 10 }), true);
    assert.equal(exceeds(1, 3, { percent: 33.3 }), true);
    assert.equal(exceeds(1, 3, { percent: 33.4 }), false);
    assert.equal(exceeds(500, 0, { percent: 0 }), false);
  });

  it('is monotonic: more changes never stop triggering, a higher limit never starts', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(10_000), fc.nat(100), threshold, (observed, base, extra, t) => {
        if (exceeds(observed, base, t)) assert.ok(exceeds(observed + extra, base, t));
        const looser: Threshold =
          'count' in t ? { count: t.count + extra } : { percent: Math.min(100, t.percent + extra) };
        if (!exceeds(observed, base, t)) assert.ok(!exceeds(observed, base, looser));
      }),
    );
  });

  it('reports each exceeded threshold, and nothing for a normal backup', () => {
    const thresholds: AnomalyThresholds = { maxDeletedPages: { count: 5 }, maxChangedPages: { percent: 20 } };
    assert.deepEqual(
      detectAnomalies({ pagesBefore: 100, pagesDeleted: 5, pagesChanged: 20 }, thresholds),
      [],
    );
    const findings = detectAnomalies({ pagesBefore: 100, pagesDeleted: 6, pagesChanged: 21 }, thresholds);
    assert.deepEqual(findings, [
      { kind: 'deleted', observed: 6, base: 100, limit: '5' },
      { kind: 'changed', observed: 21, base: 100, limit: '20%' },
    ]);
    assert.equal(
      describeFinding(findings[1]!),
      '21 pages changed (21.0% of 100), more than the limit of 20%',
    );
    assert.deepEqual(detectAnomalies({ pagesBefore: 10, pagesDeleted: 10, pagesChanged: 10 }, {}), []);
  });
});
