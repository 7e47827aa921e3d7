// The simulator handle: two simulators seeded alike hold the same site under different ids (so a restore
// target never reuses an original's ids by chance), unless the id base is pinned; listeners are separate
// origins and close cleanly.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startConfluenceSim } from './simulator.ts';

test('the same seed gives the same site; ids differ between simulators unless pinned', async () => {
  const a = await startConfluenceSim();
  const b = await startConfluenceSim();
  const c = await startConfluenceSim({ idBase: 7_000 });
  const d = await startConfluenceSim({ idBase: 7_000 });
  try {
    for (const sim of [a, b, c, d]) sim.generate({ seed: 81, pages: 40, attachments: 8 });
    assert.deepEqual(a.describe(), b.describe());
    const ids = (sim: typeof a) => [...sim.store.contents.keys()];
    assert.equal(ids(a).filter((id) => b.store.contents.has(id)).length, 0);
    assert.deepEqual(ids(c), ids(d));
    assert.notEqual(a.siteUrl, b.siteUrl);
    assert.notEqual(new URL(a.mediaOrigin).port, new URL(a.siteUrl).port);
    assert.notEqual(a.mediaOrigin, a.rogueOrigin);
  } finally {
    await Promise.all([a, b, c, d].map((sim) => sim.close()));
  }
  await assert.rejects(fetch(`${a.siteUrl}/__sim/stats`));
});
