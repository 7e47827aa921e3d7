// The edit API for incremental-backup tests: a share of pages gets new versions (the same pages for the same
// seed), renames bump the version, while labels, properties, restrictions and moves do not; trash and purge
// take pages out of the site description.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/common/clock.ts';
import { storageOf } from './bodies.ts';
import { seedBuiltins } from './directory.ts';
import { SimEdits } from './edits.ts';
import { generateDataset } from './generate-dataset.ts';
import { SimStore } from './store.ts';

function site(): { store: SimStore; edits: SimEdits } {
  const store = new SimStore({
    clock: new ManualClock(Date.UTC(2026, 6, 1)),
    siteName: 'edits',
    idBase: 5000,
    cloudId: 'c',
  });
  seedBuiltins(store);
  generateDataset(store, { seed: 71, pages: 200, attachments: 20 });
  return { store, edits: new SimEdits(store) };
}

const version = (store: SimStore, id: string) => store.contents.get(id)!.versions.at(-1)!.number;

test('editPages changes the chosen share of current pages, the same ones for the same seed', () => {
  const a = site();
  const b = site();
  const current = [...a.store.contents.values()].filter(
    (c) => c.kind === 'page' && c.status === 'current',
  ).length;
  const before = new Map([...a.store.contents.values()].map((c) => [c.id, c.versions.length]));
  const changed = a.edits.editPages({ fraction: 0.1, seed: 3 });
  assert.equal(changed.length, Math.round(current * 0.1));
  assert.deepEqual(b.edits.editPages({ fraction: 0.1, seed: 3 }), changed);
  assert.notDeepEqual(a.edits.select({ fraction: 0.1, seed: 4 }), changed);
  for (const id of changed) {
    const page = a.store.contents.get(id)!;
    assert.equal(page.versions.length, before.get(id)! + 1);
    assert.notEqual(storageOf(page.versions.at(-1)!.body), storageOf(page.versions.at(-2)!.body));
    assert.ok(page.versions.at(-1)!.createdAt > page.versions.at(-2)!.createdAt, 'newer than the history');
  }
  const untouched = [...a.store.contents.values()].filter((c) => !changed.includes(c.id));
  assert.ok(untouched.every((c) => c.versions.length === before.get(c.id)));
});

test('labels, properties, restrictions and moves leave the version alone; renames bump it', () => {
  const { store, edits } = site();
  const [page, other] = edits.select({ count: 2, seed: 9 });
  const start = version(store, page!);
  edits.addLabel(page!, 'incremental');
  edits.setProperty(page!, 'sweep', { n: 1 });
  edits.setProperty(page!, 'sweep', { n: 2 });
  edits.setRestrictions(page!, { update: { users: [[...store.users.keys()][0]!], groups: [] } });
  edits.movePage(page!, other!);
  assert.equal(version(store, page!), start);
  assert.equal(store.contents.get(page!)!.parentId, other);
  assert.equal(store.contents.get(page!)!.properties.find((p) => p.key === 'sweep')!.version.number, 2);
  edits.renamePage(page!, 'A brand new title');
  assert.equal(version(store, page!), start + 1);
  edits.movePage(page!, null);
  assert.equal(store.contents.get(page!)!.parentId, undefined);
});

test('trash and purge; restore brings a page back', () => {
  const { store, edits } = site();
  const [a, b] = edits.select({ count: 2, seed: 5 });
  edits.trashPage(a!);
  assert.equal(store.contents.get(a!)!.status, 'trashed');
  edits.restorePage(a!);
  assert.equal(store.contents.get(a!)!.status, 'current');
  const attachments = store.attachmentsOf(b!).map((x) => x.id);
  edits.purgePage(b!);
  assert.equal(store.contents.has(b!), false);
  assert.ok(
    attachments.every((id) => !store.attachments.has(id)),
    'attachments go with the page',
  );
});
