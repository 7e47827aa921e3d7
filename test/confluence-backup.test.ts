// Confluence backups against the simulator: a full backup read back record by record through the snapshot
// reader and compared with the simulator's own store; an incremental one after edits (what was refetched and
// what was not, by the simulator's per-endpoint counts); faults (429s, 5xx, truncated downloads) giving the
// same content; an unreadable item giving a partial snapshot (CLI exit 3); a cursor cycle failing the backup.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sha256Of } from '../devtools/confluence-sim/attachment-bytes.ts';
import { adfOf, storageOf } from '../devtools/confluence-sim/bodies.ts';
import { labelsOf } from '../devtools/confluence-sim/metadata-ops.ts';
import type { Comment, Content } from '../devtools/confluence-sim/model.ts';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import {
  backupConfluence,
  type ConfluenceBackupRequest,
} from '../src/operations/confluence/backup/backup-confluence.ts';
import { ConfluenceSnapshotReader } from '../src/operations/confluence/snapshot-reader.ts';
import { Repository } from '../src/repository/repository.ts';
import { sha256OfStream, siteClient } from '../src/sources/confluence/client/client.test-helper.ts';
import type { CommentRecord } from '../src/sources/confluence/layout.ts';
import { MemoryBackend } from '../src/storage/memory/memory-backend.ts';
import { CliSandbox, only } from './support/cli.ts';
import { FAST_KDF } from './support/small-repository.ts';

async function newRepo(): Promise<Repository> {
  return Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
}

async function backup(repo: Repository, sim: ConfluenceSim, request: Partial<ConfluenceBackupRequest> = {}) {
  return backupConfluence({ site: sim.siteUrl, ...request }, { repo, api: siteClient(sim) });
}

/** What the backup must hold of a simulated content item. */
function kept(content: Content): boolean {
  if (content.status === 'draft' || content.status === 'deleted') return false;
  if (content.kind === 'page' || content.kind === 'blogpost') return true;
  return content.status === 'current';
}

function commentShape(store: ConfluenceSim['store'], list: Comment[]): unknown[] {
  return [...list]
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((c) => ({
      id: c.id,
      body: c.versions.at(-1)!.body,
      version: c.versions.at(-1)!.number,
      selection: c.inline?.originalSelection,
      replies: commentShape(store, store.repliesOf(c.id)),
    }));
}

function storedShape(list: CommentRecord[]): unknown[] {
  return list.map((c) => ({
    id: c.id,
    body: c.body,
    version: c.version.number,
    selection: c.inline?.originalSelection,
    replies: storedShape(c.replies),
  }));
}

/** Compares every record of the snapshot with the simulator's store. */
async function assertMatchesSite(reader: ConfluenceSnapshotReader, sim: ConfluenceSim): Promise<void> {
  const store = sim.store;
  const spaces = await reader.spaces();
  assert.deepEqual(spaces.map((s) => s.key).sort(), [...store.spaces.values()].map((s) => s.key).sort());
  for (const space of spaces) {
    const simSpace = store.spaceByKey(space.key)!;
    assert.equal(space.name, simSpace.name);
    assert.equal(space.status, simSpace.status);
    const meta = await reader.spaceMeta(space.key);
    assert.deepEqual(meta.labels.map((l) => l.id).sort(), [...simSpace.labels].sort());
    assert.deepEqual(meta.permissions.map((p) => p.id).sort(), simSpace.permissions.map((p) => p.id).sort());
    assert.deepEqual(meta.properties.map((p) => p.key).sort(), simSpace.properties.map((p) => p.key).sort());

    const items = await reader.items(space.key);
    const expected = store.contentInSpace(simSpace.id).filter(kept);
    assert.deepEqual(
      items.map((i) => i.id).sort(),
      expected.map((c) => c.id).sort(),
      `items of space ${space.key}`,
    );
    for (const item of items) {
      const c = store.contents.get(item.id)!;
      const latest = c.versions.at(-1)!;
      const where = `space ${space.key} ${item.type} ${item.id}`;
      assert.equal(item.type, c.kind, where);
      assert.equal(item.title, latest.title, where);
      assert.equal(item.status, c.status, where);
      assert.equal(item.version.number, latest.number, where);
      assert.equal(item.parentId, c.parentId, where);
      if (c.kind === 'page') assert.equal(item.position, c.position, where);
      if (c.kind === 'embed') assert.equal(item.embedUrl, c.embedUrl, where);
      const meta = await reader.meta(space.key, item.id);
      if (c.kind === 'page' || c.kind === 'blogpost') {
        assert.equal(await reader.body(space.key, item.id, 'storage'), storageOf(latest.body), where);
        assert.equal(await reader.body(space.key, item.id, 'adf'), adfOf(latest.body), where);
        assert.deepEqual(
          meta.labels.map((l) => `${l.prefix}:${l.name}`).sort(),
          labelsOf(store, c)
            .map((l) => `${l.prefix}:${l.name}`)
            .sort(),
          where,
        );
        assert.deepEqual(meta.restrictions.read.users, [...c.restrictions.read.users].sort(), where);
        assert.deepEqual(meta.restrictions.read.groups, [...c.restrictions.read.groups].sort(), where);
        assert.deepEqual(meta.restrictions.update.users, [...c.restrictions.update.users].sort(), where);
        assert.deepEqual(meta.restrictions.update.groups, [...c.restrictions.update.groups].sort(), where);
        const comments = await reader.comments(space.key, item.id);
        const own = store.commentsOf(c.id).filter((x) => x.status === 'current');
        assert.deepEqual(storedShape(comments), commentShape(store, own), `${where} comments`);
        const atts = await reader.attachments(space.key, item.id);
        const simAtts = store.attachmentsOf(c.id);
        assert.deepEqual(
          atts.map((a) => a.id).sort(),
          simAtts.map((a) => a.id).sort(),
          `${where} attachments`,
        );
        for (const att of atts) {
          const simAtt = store.attachments.get(att.id)!;
          const v = simAtt.versions.at(-1)!;
          assert.equal(att.title, v.title);
          assert.equal(att.version.number, v.number);
          assert.deepEqual(
            att.labels.map((l) => l.name).sort(),
            labelsOf(store, simAtt)
              .map((l) => l.name)
              .sort(),
          );
          assert.equal(
            (await sha256OfStream(reader.attachmentData(space.key, item.id, att.id))).sha256,
            sha256Of(v.bytes),
            `${where} attachment ${att.id}`,
          );
        }
      }
      assert.deepEqual(
        meta.properties.map((p) => [p.key, p.value]),
        [...c.properties].sort((a, b) => (a.key < b.key ? -1 : 1)).map((p) => [p.key, p.value]),
        where,
      );
    }
  }
}

describe('Confluence backup', () => {
  let sim: ConfluenceSim;
  before(async () => {
    sim = await startConfluenceSim({});
    sim.generate({ seed: 11, spaces: 3, pages: 120, attachments: 40, blogPosts: 6, maxVersions: 3 });
  });
  after(async () => {
    await sim?.close();
  });

  it('stores a whole site that reads back equal to it', async () => {
    const repo = await newRepo();
    const result = await backup(repo, sim, { history: 'all', drafts: true });
    assert.equal(result.missing.length, 0, JSON.stringify(result.missing));
    const reader = await ConfluenceSnapshotReader.open(repo, result.snapshotId!);
    await assertMatchesSite(reader, sim);
    const site = await reader.site();
    assert.equal(site.swept, true);
    assert.equal(site.options.history, 'all');
    // pending drafts of published pages
    let drafts = 0;
    for (const c of sim.store.contents.values()) {
      if (c.status !== 'current' || (c.kind !== 'page' && c.kind !== 'blogpost')) continue;
      const stored = await reader.draft(sim.store.spaces.get(c.spaceId)!.key, c.id);
      assert.equal(stored?.storage, c.draft ? storageOf(c.draft.body) : undefined, `draft of ${c.id}`);
      if (stored) drafts++;
    }
    assert.ok(drafts > 0, 'the site has pending drafts');
    // history: every older version of a page, with its body
    for (const space of await reader.spaces()) {
      for (const item of (await reader.items(space.key)).filter((i) => i.type === 'page').slice(0, 20)) {
        const c = sim.store.contents.get(item.id)!;
        const history = await reader.history(space.key, item.id);
        assert.deepEqual(
          history.map((h) => [h.version.number, h.storage]),
          c.versions.slice(0, -1).map((v) => [v.number, storageOf(v.body)]),
        );
      }
    }
  });

  it('an incremental backup fetches only what changed, and sees moves, deletions, new attachments and comments', async () => {
    const site = await startConfluenceSim({});
    try {
      site.generate({ seed: 12, spaces: 2, pages: 80, attachments: 30, blogPosts: 4 });
      const repo = await newRepo();
      const full = await backup(repo, site);
      assert.equal(full.missing.length, 0);
      const pages = [...site.store.contents.values()].filter(
        (c) => c.kind === 'page' && c.status === 'current',
      );
      const edited = site.edits.editPages({ count: 2, seed: 5 });
      const untouched = pages.filter((p) => !edited.includes(p.id) && p.parentId !== undefined);
      const [withAttachment, withComment, moved, trashed, purged, labelled] = untouched.slice(
        -6,
      ) as Content[];
      const attachment = site.edits.addAttachment(withAttachment!.id, 'added.bin', {
        kind: 'random',
        seed: 9,
        size: 5000,
      });
      site.edits.addComment(withComment!.id, '<p>a new comment</p>');
      const newParent = pages.find((p) => p.parentId === undefined && p.id !== moved!.id)!;
      site.edits.movePage(moved!.id, newParent.id);
      site.edits.trashPage(trashed!.id);
      site.edits.purgePage(purged!.id);
      site.edits.addLabel(labelled!.id, 'swept-later');
      site.stats.reset();

      const incremental = await backup(repo, site, { sweep: { kind: 'never' } });
      assert.equal(incremental.missing.length, 0);
      assert.equal(incremental.parent, full.snapshotId);
      const counts = incremental.summary.confluence;
      assert.equal(counts.sweep.ran, false);
      assert.equal(counts.itemsFetched, 2, 'only the edited pages are fetched');
      assert.equal(counts.attachmentsDownloaded, 1);
      let stored = 0;
      const snapshot = await ConfluenceSnapshotReader.open(repo, incremental.snapshotId!);
      for (const space of await snapshot.spaces())
        for (const item of await snapshot.items(space.key))
          stored += (await snapshot.attachments(space.key, item.id)).length;
      assert.equal(counts.attachmentsReused, stored - 1, 'every attachment not downloaded counts as reused');
      const endpoints = site.stats.snapshot().endpoints;
      const calls = (key: string) => endpoints[key]?.requests ?? 0;
      assert.equal(calls('GET /wiki/rest/api/content/:id/child/attachment/:attachmentId/download'), 1);
      assert.equal(calls('GET /wiki/api/v2/pages/:id'), 0, 'no page is read one by one');
      assert.equal(calls('GET /wiki/api/v2/pages/:id/labels'), 0, 'labels wait for the sweep');
      assert.equal(calls('GET /wiki/api/v2/pages/:id/footer-comments'), 1, 'comments of one page only');
      assert.equal(calls('GET /wiki/api/v2/pages'), 2, 'one batch per body format');

      const reader = await ConfluenceSnapshotReader.open(repo, incremental.snapshotId!);
      const key = site.store.spaces.get(moved!.spaceId)!.key;
      const keyOf = (c: Content) => site.store.spaces.get(c.spaceId)!.key;
      for (const id of edited) {
        const c = site.store.contents.get(id)!;
        assert.equal(await reader.body(keyOf(c), id, 'storage'), storageOf(c.versions.at(-1)!.body));
        assert.equal((await reader.item(keyOf(c), id)).version.number, c.versions.at(-1)!.number);
      }
      assert.equal((await reader.item(key, moved!.id)).parentId, newParent.id);
      assert.equal((await reader.item(keyOf(trashed!), trashed!.id)).status, 'trashed');
      assert.equal(await reader.lookup(`/spaces/${keyOf(purged!)}/content/${purged!.id}`), undefined);
      const atts = await reader.attachments(keyOf(withAttachment!), withAttachment!.id);
      assert.ok(atts.some((a) => a.id === attachment.id));
      assert.equal(
        (
          await sha256OfStream(
            reader.attachmentData(keyOf(withAttachment!), withAttachment!.id, attachment.id),
          )
        ).sha256,
        sha256Of(attachment.versions[0]!.bytes),
      );
      const comments = await reader.comments(keyOf(withComment!), withComment!.id);
      assert.ok(comments.some((c) => c.body === '<p>a new comment</p>'));
      const meta = await reader.meta(keyOf(labelled!), labelled!.id);
      assert.ok(!meta.labels.some((l) => l.name === 'swept-later'), 'labels are carried over between sweeps');

      // The sweep catches what does not bump versions; the result equals the site.
      const swept = await backup(repo, site, { sweep: { kind: 'always' } });
      assert.equal(swept.summary.confluence.sweep.ran, true);
      assert.ok(swept.summary.confluence.sweep.requests > 0);
      assert.equal(
        swept.summary.confluence.attachmentsDownloaded,
        0,
        'the sweep downloads nothing already stored',
      );
      await assertMatchesSite(await ConfluenceSnapshotReader.open(repo, swept.snapshotId!), site);
    } finally {
      await site.close();
    }
  });

  it('gets the same content through 429s, 5xx and truncated downloads', async () => {
    // One repository: equal content gives equal blob and tree ids (ids are keyed per repository).
    const repo = await newRepo();
    const first = await backup(repo, sim);
    sim.faults.set({ seed: 7, rate429: 0.1, rate5xx: 0.05, truncateDownloads: 0.1 });
    let second: Awaited<ReturnType<typeof backup>>;
    try {
      second = await backup(repo, sim, { force: true });
    } finally {
      sim.faults.set({});
    }
    assert.equal(second.missing.length, 0, JSON.stringify(second.missing));
    assert.ok(second.summary.confluence.retries > 0, 'faults were met');
    assert.ok(sim.stats.snapshot().media.truncated > 0, 'downloads were truncated');
    const a = await ConfluenceSnapshotReader.open(repo, first.snapshotId!);
    const b = await ConfluenceSnapshotReader.open(repo, second.snapshotId!);
    for (const space of await a.spaces()) {
      const path = `/spaces/${space.key}/content`;
      assert.equal((await b.lookup(path))?.subtree, (await a.lookup(path))?.subtree, `${path} is identical`);
    }
    await assertMatchesSite(b, sim);
  });

  it('commits a partial snapshot that lists exactly the unreadable items; the CLI exits with 3', async () => {
    const store = sim.store;
    const page = [...store.contents.values()].find(
      (c) => c.kind === 'page' && c.status === 'current' && store.attachmentsOf(c.id).length === 0,
    )!;
    const att = [...store.attachments.values()].find(
      (x) =>
        x.status === 'current' &&
        store.contents.get(x.containerId)?.status === 'current' &&
        x.containerId !== page.id,
    )!;
    const container = store.contents.get(att.containerId)!;
    const keyOf = (c: Content) => store.spaces.get(c.spaceId)!.key;
    const expected = [
      `space ${keyOf(page)} page ${page.id} '${page.versions.at(-1)!.title}'`,
      `space ${keyOf(container)} ${container.kind} ${container.id} '${container.versions.at(-1)!.title}': attachment ${att.id} v${att.versions.at(-1)!.number}`,
    ].sort();
    sim.faults.set({ failIds: [page.id, att.id] });
    const cli = new CliSandbox('sv-confluence-');
    try {
      const repo = await newRepo();
      const result = await backup(repo, sim);
      assert.deepEqual(result.missing.map((m) => m.path).sort(), expected);
      const reader = await ConfluenceSnapshotReader.open(repo, result.snapshotId!);
      assert.deepEqual(reader.snapshot.partial?.missing.map((m) => m.path).sort(), expected);
      assert.equal(await reader.lookup(`/spaces/${keyOf(page)}/content/${page.id}`), undefined);
      const atts = await reader.attachments(keyOf(container), container.id);
      assert.ok(!atts.some((x) => x.id === att.id), 'the unreadable attachment is not stored');

      // The same through the CLI: exit code 3, the missing items named in the summary.
      assert.equal((await cli.runAsync(['init'])).code, 0);
      fs.writeFileSync(cli.path('token'), `${sim.credentials.apiToken}\n`);
      const run = await cli.runAsync([
        'backup',
        'confluence',
        '--site',
        sim.siteUrl,
        '--email',
        sim.credentials.email,
        '--token-file',
        cli.path('token'),
        '--media-host',
        new URL(sim.mediaOrigin).host,
        '--max-attempts',
        '1',
        '--json',
      ]);
      assert.equal(run.code, 3, run.stderr);
      const summary = only(run.messages, 'summary')[0]!;
      assert.deepEqual((summary.missing as { path: string }[]).map((m) => m.path).sort(), expected);
      assert.ok(!run.stdout.includes(sim.credentials.apiToken), 'the token is never printed');
      assert.ok(!run.stderr.includes(sim.credentials.apiToken), 'the token is never printed');
    } finally {
      sim.faults.set({});
      cli.cleanup();
    }
  });

  it('fails with a clear error and writes no snapshot on a cursor cycle', async () => {
    const repo = await newRepo();
    sim.faults.set({ cursorCycle: { atPage: 3 } });
    try {
      await assert.rejects(
        backupConfluence({ site: sim.siteUrl }, { repo, api: siteClient(sim, { pageSize: 10 }) }),
        /cursor cycle/,
      );
    } finally {
      sim.faults.set({});
    }
    let snapshots = 0;
    for await (const _ of repo.backend.list('snapshots')) snapshots++;
    assert.equal(snapshots, 0);
  });

  it('stays consistent while the site changes during listings', async () => {
    const site = await startConfluenceSim({});
    try {
      site.generate({ seed: 13, spaces: 2, pages: 60, attachments: 10, maxVersions: 3 });
      site.faults.set({ seed: 3, mutateDuringListing: 0.3 });
      const repo = await newRepo();
      const result = await backupConfluence(
        { site: site.siteUrl },
        { repo, api: siteClient(site, { pageSize: 5 }) },
      );
      site.faults.set({});
      assert.ok(site.stats.snapshot().faultEvents.length > 0, 'the site changed during the backup');
      assert.equal(result.missing.length, 0, JSON.stringify(result.missing));
      const reader = await ConfluenceSnapshotReader.open(repo, result.snapshotId!);
      for (const space of await reader.spaces()) {
        const items = await reader.items(space.key);
        assert.equal(new Set(items.map((i) => i.id)).size, items.length, 'each item once');
        for (const item of items.filter((i) => i.type === 'page')) {
          const c = site.store.contents.get(item.id);
          if (!c) continue; // purged after it was stored
          const version = c.versions[item.version.number - 1]!;
          assert.equal(version.number, item.version.number);
          assert.equal(
            await reader.body(space.key, item.id, 'storage'),
            storageOf(version.body),
            `page ${item.id}`,
          );
          assert.equal(await reader.body(space.key, item.id, 'adf'), adfOf(version.body), `page ${item.id}`);
        }
      }
    } finally {
      await site.close();
    }
  });
});
