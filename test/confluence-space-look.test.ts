// A space's settings, theme and look and feel (v1): a backup keeps them, a restore into another site writes
// those that differ there (and nothing when run again), and a theme the target does not have is named.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GLOBAL_LOOK_AND_FEEL } from '../devtools/confluence-sim/routes-v1-space-look.ts';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { backupConfluence } from '../src/operations/confluence/backup/backup-confluence.ts';
import { restoreConfluence } from '../src/operations/confluence/restore/restore-confluence.ts';
import { ConfluenceSnapshotReader } from '../src/operations/confluence/snapshot-reader.ts';
import { Repository } from '../src/repository/repository.ts';
import { siteClient } from '../src/sources/confluence/client/client.test-helper.ts';
import { MemoryBackend } from '../src/storage/memory/memory-backend.ts';
import { FAST_KDF } from './support/small-repository.ts';

describe('Confluence space settings, theme and look and feel', () => {
  let original: ConfluenceSim;
  let target: ConfluenceSim;
  let state: string;

  before(async () => {
    original = await startConfluenceSim({ siteName: 'acme' });
    target = await startConfluenceSim({ siteName: 'other' });
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-space-look-'));
    original.generate({ seed: 5, spaces: 2, pages: 6, attachments: 0 });
    target.seedDirectory(5);
  });
  after(async () => {
    await Promise.all([original?.close(), target?.close()]);
    fs.rmSync(state, { recursive: true, force: true });
  });

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

    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const backup = await backupConfluence({ site: original.siteUrl }, { repo, api: siteClient(original) });
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

    const restore = () =>
      restoreConfluence(
        { snapshot: backup.snapshotId!, sourceHosts: ['acme.atlassian.net'] },
        { repo, client: siteClient(target), targetSite: target.siteUrl, stateDir: state },
      );
    const first = await restore();
    assert.deepEqual(first.notRestored, []);
    const on = (key: string) => [...target.store.spaces.values()].find((s) => s.key === key)!.look;
    assert.deepEqual(on(styled.key), { routeOverrideEnabled: true, custom, selected: 'custom' });
    assert.deepEqual(on(themed.key), { themeKey: 'com.example.themes.dark', selected: 'theme' });
    assert.equal(first.counts.spaceSettings, 5);

    // Run again from a fresh journal: everything is as it should be, nothing is written.
    fs.rmSync(state, { recursive: true, force: true });
    fs.mkdirSync(state);
    assert.equal((await restore()).counts.spaceSettings, 0);

    // A target without the theme: the theme is named, the rest is restored.
    const bare = await startConfluenceSim({ siteName: 'bare' });
    try {
      bare.seedDirectory(5);
      const state2 = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-space-look-'));
      bare.store.themes.delete('com.example.themes.dark');
      try {
        const r = await restoreConfluence(
          { snapshot: backup.snapshotId!, sourceHosts: ['acme.atlassian.net'] },
          { repo, client: siteClient(bare), targetSite: bare.siteUrl, stateDir: state2 },
        );
        assert.deepEqual(
          r.notRestored.map((n) => n.item),
          [`space ${themed.key}: theme com.example.themes.dark`],
        );
      } finally {
        fs.rmSync(state2, { recursive: true, force: true });
      }
    } finally {
      await bare.close();
    }
  });
});
