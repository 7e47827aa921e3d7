// confirmedDeleted against the simulator: a purged page, blog post, attachment or folder is deleted (404); one
// that is still there, trashed or not, is not; nor is one whose lookup fails (500 after retries).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../../../devtools/confluence-sim/simulator.ts';
import { siteClient } from './client/client.test-helper.ts';
import { confirmedDeleted } from './deletion-check.ts';

describe('confirmedDeleted', () => {
  let sim: ConfluenceSim;
  before(async () => {
    sim = await startConfluenceSim({});
    sim.generate({ seed: 5, spaces: 1, pages: 30, attachments: 10, blogPosts: 3 });
  });
  after(async () => {
    await sim?.close();
  });

  const current = (kind: string) =>
    [...sim.store.contents.values()].filter((c) => c.kind === kind && c.status === 'current');

  it('is the 404 of a purged page or blog post, and nothing for one still there, even trashed', async () => {
    const api = siteClient(sim);
    const [gone, trashed, kept] = current('page');
    const post = current('blogpost')[0]!;
    sim.edits.purgePage(gone!.id);
    sim.edits.trashPage(trashed!.id);
    sim.store.removeContent(post.id);
    assert.match((await confirmedDeleted(api, 'page', gone!.id)) ?? '', /404/);
    assert.match((await confirmedDeleted(api, 'blogpost', post.id)) ?? '', /404/);
    assert.equal(await confirmedDeleted(api, 'page', trashed!.id), undefined);
    assert.equal(await confirmedDeleted(api, 'page', kept!.id), undefined);
  });

  it('is the 404 of a removed attachment or folder', async () => {
    const api = siteClient(sim);
    const att = [...sim.store.attachments.values()].find((a) => a.status === 'current')!;
    const folder = current('folder')[0];
    sim.store.removeAttachment(att.id);
    assert.match((await confirmedDeleted(api, 'attachment', att.id)) ?? '', /404/);
    if (folder) {
      sim.store.removeContent(folder.id);
      assert.match((await confirmedDeleted(api, 'folder', folder.id)) ?? '', /404/);
    }
  });

  it('is nothing when the lookup itself fails', async () => {
    const api = siteClient(sim, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const page = current('page').at(-1)!;
    sim.faults.set({ failIds: [page.id] });
    try {
      assert.equal(await confirmedDeleted(api, 'page', page.id), undefined);
    } finally {
      sim.faults.set({});
    }
  });
});
