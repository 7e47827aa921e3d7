// Every write a restore makes, against an empty simulated site that knows the same users and groups: spaces
// (v2 and the v1 fallback), pages and blog posts (create, update with version conflicts, retitle, move, trash
// and bring back, restore a version), tree items, labels, properties, restrictions, comments with replies and
// anchors, and attachments uploaded as streams (large ones read back identical).

import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../../../../devtools/confluence-sim/simulator.ts';
import { isStepvaultError } from '../../../common/errors.ts';
import { collect, sha256OfStream, siteClient } from './client.test-helper.ts';
import type { ConfluenceClient } from './client.ts';
import { httpStatusOf } from './http-errors.ts';
import type { Space } from './records.ts';

const storage = (value: string) => ({ representation: 'storage' as const, value });

/** `size` pseudo-random bytes in 64 KiB chunks, produced as they are read (the whole file never exists). */
async function* generated(seed: number, size: number): AsyncIterable<Uint8Array> {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, seed), Buffer.alloc(16));
  const zeros = Buffer.alloc(64 * 1024);
  for (let left = size; left > 0; left -= zeros.length) {
    yield cipher.update(zeros.subarray(0, Math.min(left, zeros.length)));
  }
}

async function sha256Generated(seed: number, size: number): Promise<string> {
  return (await sha256OfStream(generated(seed, size))).sha256;
}

describe('ConfluenceClient writes', () => {
  let sim: ConfluenceSim;
  let client: ConfluenceClient;
  let space: Space;
  let userId: string;
  let groupId: string;
  before(async () => {
    sim = await startConfluenceSim();
    const directory = sim.seedDirectory(1);
    userId = directory.users.find((u) => !u.siteAdmin)!.accountId;
    groupId = [...sim.store.groups.keys()][0]!;
    client = siteClient(sim);
    space = await client.createSpace({ key: 'RST', name: 'Restored', description: 'Put back' });
  });
  after(() => sim.close());

  it('tells whether users and groups exist on the target', async () => {
    assert.equal((await client.getUser(userId))?.accountId, userId);
    assert.equal(await client.getUser('557058:no-such-account'), undefined);
    assert.equal((await client.getGroup(groupId))?.id, groupId);
    assert.equal(await client.getGroup('no-such-group'), undefined);
  });

  it('creates spaces with v2, or with v1 where v2 creation is not offered', async () => {
    assert.equal(space.key, 'RST');
    assert.ok(space.homepageId, 'a new space has a homepage');
    const v2Refused: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (init?.method === 'POST' && url.pathname.endsWith('/wiki/api/v2/spaces')) {
        return new Response('{"errors":[{"title":"Not Found"}]}', { status: 404 });
      }
      return fetch(input, init);
    };
    const legacy = siteClient(sim, { fetch: v2Refused });
    const old = await legacy.createSpace({ key: 'OLD', name: 'Via v1' });
    assert.equal(old.key, 'OLD');
    assert.equal(legacy.stats().requests['POST /wiki/rest/api/space'], 1);
    await client.createSpaceProperty(old.id, { key: 'origin', value: { from: 'backup' } });
    assert.deepEqual(
      (await collect(client.listSpaceProperties(old.id))).map((p) => [p.key, p.value]),
      [['origin', { from: 'backup' }]],
    );
    await client.addSpacePermission('OLD', {
      principal: { type: 'user', id: userId },
      operation: { key: 'export', target: 'space' },
    });
    const permissions = await collect(client.listSpacePermissions(old.id));
    assert.ok(permissions.some((p) => p.principal.id === userId && p.operation.key === 'export'));
  });

  it('creates, updates, retitles, moves, trashes and restores pages and blog posts', async () => {
    const root = await client.createPage({
      spaceId: space.id,
      title: 'Root',
      body: storage('<p>root</p>'),
      rootLevel: true,
    });
    assert.equal(root.parentId ?? undefined, undefined);
    const child = await client.createPage({
      spaceId: space.id,
      title: 'Child',
      body: storage('<p>v1</p>'),
      parentId: root.id,
    });
    const sibling = await client.createPage({
      spaceId: space.id,
      title: 'Sibling',
      body: storage('<p>s</p>'),
      parentId: root.id,
    });
    assert.equal(child.parentId, root.id);

    const v2 = await client.updatePage(child.id, {
      title: 'Child',
      body: storage('<p>v2</p>'),
      versionMessage: 'second',
    });
    assert.equal(v2.version?.number, 2);
    // A stale base version: the conflict (409) is resolved by reading the current version and trying once more.
    const v3 = await client.updatePage(child.id, {
      title: 'Child',
      body: storage('<p>v3</p>'),
      baseVersion: 1,
    });
    assert.equal(v3.version?.number, 3);
    const titled = await client.updatePageTitle(child.id, 'Child renamed');
    assert.equal(titled.title, 'Child renamed');

    await client.restoreVersion(child.id, 1, { message: 'back to the first' });
    const restored = await client.getPage(child.id, { bodyFormat: 'storage' });
    assert.equal(restored.body?.storage?.value, '<p>v1</p>');
    assert.equal(restored.title, 'Child');

    await client.movePage(child.id, 'after', sibling.id);
    const order = await collect(client.listDirectChildren('page', root.id));
    assert.deepEqual(
      order.map((c) => c.id),
      [sibling.id, child.id],
    );

    await client.deleteContent('page', sibling.id);
    assert.equal((await client.getPage(sibling.id, { statuses: ['trashed'] })).status, 'trashed');
    await client.restoreFromTrash('page', sibling.id);
    assert.equal((await client.getPage(sibling.id)).status, 'current');

    const post = await client.createBlogPost({
      spaceId: space.id,
      title: 'News',
      body: storage('<p>n</p>'),
      createdAt: new Date('2024-03-04T05:06:07.000Z'),
    });
    assert.equal(post.createdAt, '2024-03-04T05:06:07.000Z');
    const post2 = await client.updateBlogPost(post.id, { title: 'News', body: storage('<p>n2</p>') });
    assert.equal(post2.version?.number, 2);
    await client.deleteContent('blogpost', post.id);
    await client.deleteContent('blogpost', post.id, { purge: true });
    await assert.rejects(client.getBlogPost(post.id, { statuses: ['trashed'] }), (e) =>
      isStepvaultError(e, 'not-found'),
    );

    const folder = await client.createTreeItem('folder', {
      spaceId: space.id,
      title: 'Folder',
      parentId: root.id,
    });
    assert.equal((await client.getTreeItem('folder', folder.id)).title, 'Folder');

    await assert.rejects(
      client.createPage({ spaceId: space.id, title: 'root', body: storage('<p/>') }),
      (error) => httpStatusOf(error) === 400 && /title/i.test((error as Error).message),
      'a title clash is a 400 the caller can tell apart',
    );
  });

  it('adds labels, properties, restrictions and comments', async () => {
    const page = await client.createPage({
      spaceId: space.id,
      title: 'Annotated',
      body: storage('<p>The quick brown fox jumps over the lazy dog.</p>'),
    });
    await client.addLabels(page.id, [{ name: 'alpha' }, { name: 'beta', prefix: 'global' }]);
    assert.deepEqual((await collect(client.listLabels('page', page.id))).map((l) => l.name).sort(), [
      'alpha',
      'beta',
    ]);

    const property = await client.createContentProperty('page', page.id, { key: 'k', value: [1, 2] });
    const updated = await client.updateContentProperty('page', page.id, property.id, {
      key: 'k',
      value: [3],
      version: property.version!.number,
    });
    assert.deepEqual(updated.value, [3]);

    await client.setRestrictions(page.id, [
      { operation: 'read', users: [userId], groups: [groupId] },
      { operation: 'update', users: [userId, (await client.getCurrentUser()).accountId], groups: [] },
    ]);
    const restrictions = await client.getRestrictions(page.id);
    assert.deepEqual(restrictions.find((r) => r.operation === 'read')?.users, [userId]);
    assert.deepEqual(
      restrictions.find((r) => r.operation === 'read')?.groups.map((g) => g.id),
      [groupId],
    );
    await assert.rejects(
      client.setRestrictions(page.id, [{ operation: 'read', users: ['no-such-account'], groups: [] }]),
      (error) => httpStatusOf(error) === 400,
    );

    const footer = await client.createFooterComment({ pageId: page.id }, storage('<p>nice</p>'));
    const reply = await client.createFooterComment({ parentCommentId: footer.id }, storage('<p>thanks</p>'));
    assert.deepEqual(
      (await collect(client.listFooterCommentReplies(footer.id))).map((c) => c.id),
      [reply.id],
    );

    const inline = await client.createInlineComment({ pageId: page.id }, storage('<p>which fox?</p>'), {
      textSelection: 'brown fox',
      textSelectionMatchCount: 1,
      textSelectionMatchIndex: 0,
    });
    const inlineReply = await client.createInlineComment(
      { parentCommentId: inline.id },
      storage('<p>that one</p>'),
      undefined,
    );
    const listed = await collect(client.listInlineComments('page', page.id));
    assert.equal(listed[0]?.properties?.inlineOriginalSelection, 'brown fox');
    assert.deepEqual(
      (await collect(client.listInlineCommentReplies(inline.id))).map((c) => c.id),
      [inlineReply.id],
    );
    const body = (await client.getPage(page.id, { bodyFormat: 'storage' })).body?.storage?.value ?? '';
    assert.match(body, /ac:inline-comment-marker/);
  });

  it('uploads attachments as streams (known size and unknown size) and reads them back identical', async () => {
    const page = await client.createPage({
      spaceId: space.id,
      title: 'Files',
      body: storage('<p>files</p>'),
    });
    const big = 12 * 1024 * 1024 + 5;
    const uploaded = await client.uploadAttachment(page.id, {
      filename: 'große Datei "1".bin',
      data: () => generated(1, big),
      size: big,
      comment: 'Kommentar ✓',
      mediaType: 'application/octet-stream',
    });
    assert.equal(uploaded.fileSize, big);
    assert.equal(uploaded.comment, 'Kommentar ✓');
    assert.equal(uploaded.title, 'große Datei %221%22.bin'.replaceAll('%22', '"'));
    const back = await sha256OfStream(await client.downloadAttachment(page.id, uploaded.id));
    assert.equal(back.sha256, await sha256Generated(1, big));

    // No size given: sent chunked.
    const second = await client.uploadAttachmentVersion(page.id, uploaded.id, {
      filename: uploaded.title,
      data: generated(2, 300_000),
    });
    assert.equal(second.versionNumber, 2);
    const v2 = await sha256OfStream(await client.downloadAttachment(page.id, uploaded.id));
    assert.equal(v2.sha256, await sha256Generated(2, 300_000));

    const replaced = await client.uploadAttachment(page.id, {
      filename: uploaded.title,
      data: generated(3, 10),
      replace: true,
    });
    assert.equal(replaced.id, uploaded.id);
    assert.equal(replaced.versionNumber, 3);
    await assert.rejects(
      client.uploadAttachment(page.id, { filename: uploaded.title, data: generated(4, 10) }),
      (error) => httpStatusOf(error) === 400,
      'POST refuses an existing file name',
    );
    const attachments = await collect(client.listAttachments('page', page.id));
    assert.deepEqual(
      attachments.map((a) => a.version?.number),
      [3],
    );
    assert.ok(client.stats().bytesUploaded > big);
  });

  it('retries a refused (429) upload when it can reopen the stream, and never a 5xx write unless told to', async () => {
    const page = await client.createPage({ spaceId: space.id, title: 'Retry', body: storage('<p/>') });
    sim.faults.set({ seed: 5, rate429: 0.5, retryAfterSeconds: 0 });
    try {
      const retrying = siteClient(sim, { retry: { maxAttempts: 20 } });
      for (let i = 0; i < 6; i++) {
        const done = await retrying.uploadAttachment(page.id, {
          filename: `r${i}.bin`,
          data: () => generated(10 + i, 1000),
          size: 1000,
        });
        assert.equal(done.fileSize, 1000);
      }
      assert.ok(retrying.stats().rateLimited > 0);
    } finally {
      sim.faults.clear();
    }
    sim.faults.set({ seed: 6, rate5xx: 1 });
    try {
      const once = siteClient(sim);
      await assert.rejects(once.createPage({ spaceId: space.id, title: 'Never', body: storage('<p/>') }));
      assert.equal(once.stats().totalRequests, 1, 'a failed write is not sent again');
    } finally {
      sim.faults.clear();
    }
  });
});
