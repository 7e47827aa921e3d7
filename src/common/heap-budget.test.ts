import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as v8 from 'node:v8';
import { exposeGc, startHeapBudget } from './heap-budget.ts';

describe('heap budget', () => {
  it('gives a callable collector', () => {
    const gc = exposeGc();
    gc({ type: 'minor' });
    gc();
    assert.equal(exposeGc(), gc);
  });

  it('collects once the heap grew by more than the allowance, and not before', async () => {
    const budget = startHeapBudget({ allowance: 64 << 20, interval: 5 });
    await sleep(30);
    const quiet = budget.collections;
    assert.equal(quiet, 0, 'nothing to collect yet');
    // Objects that live long enough to be promoted, then die: garbage only a full collection frees.
    let kept: object[] = [];
    const start = v8.getHeapStatistics().used_heap_size;
    for (let round = 0; round < 40 && budget.collections === quiet; round++) {
      kept = Array.from({ length: 50_000 }, (_, i) => ({ i, s: `item ${i} of round ${round}` }));
      await sleep(10);
    }
    assert.ok(kept.length > 0);
    assert.ok(budget.collections > quiet, 'a collection ran once the heap grew');
    assert.ok(
      v8.getHeapStatistics().used_heap_size - start < 160 << 20,
      'the heap stayed near its live size',
    );
    budget.stop();
  });
});
