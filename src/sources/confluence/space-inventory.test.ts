// listSpaceInventory against the simulator when the site's CQL does not know one of the tree item types: the
// refused type is reported with the site's answer, the other types are still found, and pages and blog posts
// are listed whole.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CQL_TYPES } from '../../../devtools/confluence-sim/cql.ts';
import { type ConfluenceSim, startConfluenceSim } from '../../../devtools/confluence-sim/simulator.ts';
import { collect, siteClient } from './client/client.test-helper.ts';
import { listSpaceInventory } from './space-inventory.ts';

describe('listSpaceInventory', () => {
  let sim: ConfluenceSim;
  before(async () => {
    sim = await startConfluenceSim({});
    sim.generate({ seed: 41, spaces: 1, pages: 60, treeItems: 12, attachments: 0 });
  });
  after(async () => {
    await sim?.close();
  });

  it('reports a tree item type whose search the site refuses, and finds the others', async () => {
    const api = siteClient(sim);
    const [space] = await collect(api.listSpaces({}));
    const full = await listSpaceInventory(api, space!, {});
    assert.deepEqual(full.refused, []);
    assert.ok(
      full.treeItems.some((r) => r.kind === 'whiteboard' && r.title !== undefined),
      'searched',
    );

    sim.setCqlTypes(CQL_TYPES.filter((t) => t !== 'whiteboard'));
    try {
      const partial = await listSpaceInventory(api, space!, {});
      assert.deepEqual(
        partial.refused.map((r) => r.kind),
        ['whiteboard'],
      );
      assert.match(partial.refused[0]!.error, /^400 Could not parse cql: Unknown content type whiteboard/);
      const ids = (list: { id: string; kind: string }[], kind?: string) =>
        list
          .filter((r) => (kind ? r.kind === kind : r.kind !== 'whiteboard'))
          .map((r) => r.id)
          .sort();
      assert.deepEqual(ids(partial.treeItems), ids(full.treeItems), 'every other type is still found');
      assert.ok(ids(full.treeItems).length > 0);
      assert.deepEqual(partial.documents.map((d) => d.id).sort(), full.documents.map((d) => d.id).sort());
    } finally {
      sim.setCqlTypes(CQL_TYPES);
    }
  });
});
