// A space's settings, theme and look and feel (v1): a backup keeps them, a restore into another site writes
// those that differ there (and nothing when run again), and a theme the target does not have is named.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GLOBAL_LOOK_AND_FEEL } from '../devtools/confluence-sim/routes-v1-space-look.ts';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { ConfluenceSnapshotReader } from '../src/operations/confluence/snapshot-reader.ts';
import { siteClient } from '../src/sources/confluence/client/client.test-helper.ts';
import { startTwoSites, type TwoSites } from './support/two-sites.ts';

describe('Confluence space settings, theme and look and feel', () => {
  let sites: TwoSites;
  let original: ConfluenceSim;
  let target: ConfluenceSim;

  before(async () => {
    sites = await startTwoSites({ seed: 5, spaces: 2, pages: 6 });
    ({ original, target } = sites);
  });
  after(() => sites?.close());

  it('backs them up and restores what differs, once', async () => {
    const [styled, themed] = [...original.store.spaces.values()].sort((a, b) => (a.key < b.key ? -1 : 1)) as [
      NonNullable<ReturnType<typeof original.store.spaceByKey>>,
      NonNullable<ReturnType<typeof original.store.spaceByKey>>,
    ];
    const client = siteClient(original);
    const custom = { ...GLOBAL_LOOK_AND_FEEL, links: { color: '#BF2600' }, headings: { color: '#403294' } };
    await client.updateSpaceSettings(styled.key, true);
    await client.setCustomLookAndFeel(styled.key, custom);
    await client.selectLookAndFeel(styled.key, 'custom');
    await client.setSpaceTheme(themed.key, 'com.example.themes.dark');
    await client.selectLookAndFeel(themed.key, 'theme');

    const { repo, result: backup } = await sites.backup();
    assert.deepEqual(backup.missing, []);
    const reader = await ConfluenceSnapshotReader.open(repo, backup.snapshotId!);
    assert.deepEqual((await reader.spaceMeta(styled.key)).look, {
      routeOverrideEnabled: true,
      selected: 'custom',
      custom,
    });
    assert.deepEqual((await reader.spaceMeta(themed.key)).look, {
      routeOverrideEnabled: false,
      themeKey: 'com.example.themes.dark',
      selected: 'theme',
    });

    const restore = () => sites.restore(repo, backup.snapshotId!);
    const first = await restore();
    assert.deepEqual(first.notRestored, []);
    const on = (key: string) => [...target.store.spaces.values()].find((s) => s.key === key)!.look;
    assert.deepEqual(on(styled.key), { routeOverrideEnabled: true, custom, selected: 'custom' });
    assert.deepEqual(on(themed.key), { themeKey: 'com.example.themes.dark', selected: 'theme' });
    assert.equal(first.counts.spaceSettings, 5);

    // Run again from a fresh journal: everything is as it should be, nothing is written.
    assert.equal((await restore()).counts.spaceSettings, 0);

    // A target without the theme: the theme is named, the rest is restored.
    const bare = await startConfluenceSim({ siteName: 'bare' });
    try {
      bare.seedDirectory(5);
      bare.store.themes.delete('com.example.themes.dark');
      const r = await sites.restore(repo, backup.snapshotId!, bare);
      assert.deepEqual(
        r.notRestored.map((n) => n.item),
        [`space ${themed.key}: theme com.example.themes.dark`],
      );
    } finally {
      await bare.close();
    }
  });
});
