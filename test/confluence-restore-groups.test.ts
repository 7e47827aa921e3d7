// A restore into another site, where groups have other ids: a restriction naming a group the target knows by
// the same name names the target's group (with a warning saying so), one naming a group the target lacks is
// reported (exit 3 territory), and a group the target knows by the same id stays as it is.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { siteClient } from '../src/sources/confluence/client/client.test-helper.ts';
import { startTwoSites, type TwoSites } from './support/two-sites.ts';

describe('Confluence restore into a site whose groups have other ids', () => {
  let sites: TwoSites;
  let original: ConfluenceSim;
  let target: ConfluenceSim;

  before(async () => {
    sites = await startTwoSites({ seed: 8, spaces: 1, pages: 6 });
    ({ original, target } = sites);
  });
  after(() => sites?.close());

  it('maps groups by name, says so, and reports the groups the target lacks', async () => {
    const groups = [...original.store.groups.values()].filter((g) => target.store.groups.has(g.id));
    assert.ok(groups.length >= 3, 'the generated directory has groups on both sites');
    const [renumbered, kept, absent] = groups as [(typeof groups)[0], (typeof groups)[0], (typeof groups)[0]];
    // On the target, one group has another id (same name), one is missing, one is the same.
    const newId = 'f00dfeed-0000-4000-8000-000000000001';
    target.store.groups.delete(renumbered.id);
    target.store.addGroup({ id: newId, name: renumbered.name });
    for (const user of target.store.users.values())
      user.groupIds = user.groupIds.map((g) => (g === renumbered.id ? newId : g));
    target.store.groups.delete(absent.id);

    const space = [...original.store.spaces.values()][0]!;
    const page = [...original.store.contents.values()].find(
      (c) => c.spaceId === space.id && c.kind === 'page' && c.status === 'current',
    )!;
    space.permissions = space.permissions.filter((p) => p.principal.type !== 'group');
    for (const [n, group] of [renumbered, kept, absent].entries())
      space.permissions.push({
        id: `9000${n}`,
        principal: { type: 'group', id: group.id },
        operation: { key: 'read', targetType: 'space' },
      });
    await siteClient(original).setRestrictions(page.id, [
      { operation: 'update', users: [], groups: [renumbered.id, kept.id, absent.id] },
    ]);

    const { repo, result: made } = await sites.backup();
    assert.deepEqual(made.missing, []);
    const result = await sites.restore(repo, made.snapshotId!);

    const title = page.versions.at(-1)!.title;
    const restored = [...target.store.contents.values()].find((c) => c.versions.at(-1)?.title === title)!;
    const update = (await siteClient(target).getRestrictions(restored.id)).find(
      (r) => r.operation === 'update',
    );
    assert.deepEqual(update?.groups.map((g) => g.id).sort(), [newId, kept.id].sort());
    assert.ok(
      result.warnings.some(
        (w) => w.includes(`group "${renumbered.name}"`) && w.includes(renumbered.id) && w.includes(newId),
      ),
      result.warnings.join('\n'),
    );
    const restoredSpace = [...target.store.spaces.values()].find((s) => s.key === space.key)!;
    assert.deepEqual(
      restoredSpace.permissions
        .filter((p) => p.principal.type === 'group' && p.operation.key === 'read')
        .map((p) => p.principal.id)
        .sort(),
      [newId, kept.id].sort(),
      'space permissions: the same group by id, the renumbered one by name',
    );
    const refused = result.notRestored.map((n) => `${n.item}: ${n.reason}`);
    const aboutGroups = refused.filter((r) => /group/.test(r));
    assert.equal(aboutGroups.length, 2, refused.join('\n'));
    for (const what of [/permission read space/, /update restriction/])
      assert.ok(
        aboutGroups.some(
          (r) => what.test(r) && r.includes(absent.name) && /no such group on the target/.test(r),
        ),
        refused.join('\n'),
      );
  });
});
