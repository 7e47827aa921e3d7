import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Semaphore } from './concurrency.ts';

test('a semaphore runs at most its limit at once, and starts waiters in the order they came', async () => {
  const gate = new Semaphore(3);
  const started: number[] = [];
  let running = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 5000 }, (_, i) =>
      gate.run(async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
      }),
    ),
  );
  assert.equal(most, 3);
  assert.deepEqual(
    started,
    Array.from({ length: 5000 }, (_, i) => i),
  );
  // Free again: the next one runs at once.
  assert.equal(await gate.run(async () => 'now'), 'now');
});
