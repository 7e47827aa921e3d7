// Page templates (v1 `/template`): a backup keeps each space's templates with their bodies, labels and
// descriptions (more than one listing page of them), and a restore creates those the target space lacks by
// name — once, however often it runs — and names a template the target holds with another body.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { StepvaultError } from '../src/common/errors.ts';
import { ConfluenceSnapshotReader } from '../src/operations/confluence/snapshot-reader.ts';
import { siteClient } from '../src/sources/confluence/client/client.test-helper.ts';
import { startTwoSites, type TwoSites } from './support/two-sites.ts';

describe('Confluence page templates', () => {
  let sites: TwoSites;
  let original: ConfluenceSim;
  let target: ConfluenceSim;

  before(async () => {
    sites = await startTwoSites({ seed: 3, spaces: 1, pages: 4 });
    ({ original, target } = sites);
  });
  after(() => sites?.close());

  it('backs up every template of a space and restores the missing ones once', async () => {
    const space = [...original.store.spaces.values()][0]!;
    const client = siteClient(original);
    const made: { name: string; storage: string }[] = [];
    // More than one page of the listing (25 per page).
    for (let i = 0; i < 27; i++) {
      const t = {
        name: `Template ${i} — Ünïcode`,
        description: `For reports of kind ${i}`,
        labels: [{ prefix: 'global', name: `kind-${i}` }],
        storage: `<h1>Report ${i}</h1><p><ac:placeholder>Write here</ac:placeholder></p>`,
      };
      await client.createSpaceTemplate(space.key, t);
      made.push(t);
    }
    const { repo, result: backup } = await sites.backup();
    assert.deepEqual(backup.missing, []);
    const reader = await ConfluenceSnapshotReader.open(repo, backup.snapshotId!);
    const meta = await reader.spaceMeta(space.key);
    assert.deepEqual(
      meta.templates
        ?.map((t) => ({ name: t.name, storage: t.storage }))
        .sort((a, b) => (a.name < b.name ? -1 : 1)),
      [...made].sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => ({ name: t.name, storage: t.storage })),
    );
    assert.deepEqual(meta.templates?.find((t) => t.name === made[4]!.name)?.labels, [
      { prefix: 'global', name: 'kind-4' },
    ]);

    const restoreTo = () => sites.restore(repo, backup.snapshotId!);
    const first = await restoreTo();
    const targetSpace = [...target.store.spaces.values()].find((s) => s.key === space.key)!;
    const templates = () =>
      [...target.store.templates.values()].filter((t) => t.spaceKey === targetSpace.key);
    assert.equal(first.counts.templates, 27);
    assert.deepEqual(
      templates()
        .map((t) => `${t.name}|${t.storage}|${t.description}|${t.labels.map((l) => l.name)}`)
        .sort(),
      made.map((t, i) => `${t.name}|${t.storage}|For reports of kind ${i}|kind-${i}`).sort(),
    );

    const edited = templates().find((t) => t.name === made[0]!.name)!;
    edited.storage = '<p>changed on the target</p>';
    const again = await restoreTo();
    assert.equal(again.counts.templates, 0, 'nothing created twice');
    assert.equal(templates().length, 27);
    assert.deepEqual(
      again.notRestored.filter((n) => /template/.test(n.item)).map((n) => `${n.item}: ${n.reason}`),
      [`template "${made[0]!.name}": the target space has another template of this name`],
    );
  });

  it('names the templates of a space the site will not list, and the backup is partial, not failed', async () => {
    const api = siteClient(original);
    const refusing = new Proxy(api, {
      get(target, name, receiver) {
        if (name === 'listSpaceTemplates')
          // biome-ignore lint/correctness/useYield: it refuses before the first template
          return async function* () {
            throw new StepvaultError('io', 'Confluence answered 403: not allowed to read templates');
          };
        const value = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { repo, result: backup } = await sites.backup(refusing);
    const space = [...original.store.spaces.values()][0]!;
    assert.deepEqual(
      backup.missing.map((m) => `${m.path}: ${m.error}`),
      [`space ${space.key} page templates: Confluence answered 403: not allowed to read templates`],
    );
    const meta = await (await ConfluenceSnapshotReader.open(repo, backup.snapshotId!)).spaceMeta(space.key);
    assert.equal(meta.templates, undefined);
  });
});
