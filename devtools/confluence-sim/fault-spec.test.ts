// The text form of fault configurations used by `stepvault dev confluence-sim --faults`.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFaultSpec } from './fault-spec.ts';

test('every fault has a text form', () => {
  assert.deepEqual(
    parseFaultSpec(
      '429=0.1, 5xx=0.05,slow=0.2:1500,truncate=0.1,mutate=0.05,cycle=3:1,rogue=0.01,fail=12|att34,hide=56|78,seed=7,retry-after=2',
    ),
    {
      rate429: 0.1,
      rate5xx: 0.05,
      slow: { probability: 0.2, delayMs: 1500 },
      truncateDownloads: 0.1,
      mutateDuringListing: 0.05,
      cursorCycle: { atPage: 3, back: 1 },
      rogueRedirect: 0.01,
      failIds: ['12', 'att34'],
      hideFromBatch: ['56', '78'],
      seed: 7,
      retryAfterSeconds: 2,
    },
  );
  assert.deepEqual(parseFaultSpec(''), {});
  assert.deepEqual(parseFaultSpec('{"rate429":0.5}'), { rate429: 0.5 });
});

test('bad parts are named', () => {
  assert.throws(() => parseFaultSpec('429=2'), /429 must be a probability/);
  assert.throws(() => parseFaultSpec('cycle=1'), /cycle page/);
  assert.throws(() => parseFaultSpec('boom=1'), /unknown fault "boom"/);
  assert.throws(() => parseFaultSpec('429'), /expected name=value/);
});
