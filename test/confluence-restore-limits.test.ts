// A restore into a site whose size limits are smaller than what the snapshot holds (Cloud answers 413 to a
// page body or an attached file beyond them; an admin may have lowered the attachment limit): the page too
// large and the file too large are named with the site's answer and a hint, the restore is partial, and
// everything else — the rest of the site, the big page itself with its other parts — is restored.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sizeOf } from '../devtools/confluence-sim/attachment-bytes.ts';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { backupConfluence } from '../src/operations/confluence/backup/backup-confluence.ts';
import { restoreConfluence } from '../src/operations/confluence/restore/restore-confluence.ts';
import { Repository } from '../src/repository/repository.ts';
import { siteClient } from '../src/sources/confluence/client/client.test-helper.ts';
import { MemoryBackend } from '../src/storage/memory/memory-backend.ts';
import { FAST_KDF } from './support/small-repository.ts';

describe('Confluence restore into a site with smaller size limits', () => {
  let original: ConfluenceSim;
  let target: ConfluenceSim;
  let state: string;
  const bigBody = `<p>${'All work and no play. '.repeat(12_000)}</p>`;
  const bigFile = Buffer.alloc(300_000, 7);

  before(async () => {
    original = await startConfluenceSim({ siteName: 'acme' });
    target = await startConfluenceSim({ siteName: 'small' });
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-restore-limits-'));
    original.generate({ seed: 8, spaces: 1, pages: 20, attachments: 6 });
    target.seedDirectory(8);
    const client = siteClient(original);
    const space = [...original.store.spaces.values()][0]!;
    const page = await client.createPage({
      spaceId: space.id,
      title: 'The long report',
      body: { representation: 'storage', value: bigBody },
    });
    await client.uploadAttachment(page.id, {
      filename: 'dump.bin',
      data: async function* () {
        yield bigFile;
      },
      size: bigFile.length,
    });
    await client.uploadAttachment(page.id, {
      filename: 'note.txt',
      data: async function* () {
        yield Buffer.from('small');
      },
      size: 5,
    });
  });
  after(async () => {
    await Promise.all([original?.close(), target?.close()]);
    fs.rmSync(state, { recursive: true, force: true });
  });

  it('names the page body and the file the site refuses (413), and restores everything else', async () => {
    const largestGenerated = Math.max(
      ...[...original.store.attachments.values()]
        .filter((a) => a.versions.at(-1)!.title !== 'dump.bin')
        .map((a) => sizeOf(a.versions.at(-1)!.bytes)),
    );
    assert.ok(largestGenerated < bigFile.length);
    target.setLimits({ jsonBytes: Math.floor(bigBody.length / 2), attachmentBytes: bigFile.length - 1 });
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const made = await backupConfluence({ site: original.siteUrl }, { repo, api: siteClient(original) });
    assert.deepEqual(made.missing, []);
    const result = await restoreConfluence(
      { snapshot: made.snapshotId!, sourceHosts: ['acme.atlassian.net'] },
      { repo, client: siteClient(target), targetSite: target.siteUrl, stateDir: state },
    );
    const refused = result.notRestored.map((n) => `${n.item}: ${n.reason}`);
    assert.equal(refused.length, 2, refused.join('\n'));
    assert.ok(
      refused.some((r) => /The long report/.test(r) && /413/.test(r) && /at most/.test(r)),
      refused.join('\n'),
    );
    assert.ok(
      refused.some((r) => /dump\.bin/.test(r) && /413/.test(r)),
      refused.join('\n'),
    );
    // The page itself is there (with what fits: its title, its small attachment), and so is the rest.
    const restored = [...target.store.contents.values()].find(
      (c) => c.versions.at(-1)!.title === 'The long report',
    );
    assert.ok(restored, 'the page is restored without its body');
    const names = [...target.store.attachments.values()]
      .filter((a) => a.containerId === restored.id)
      .map((a) => a.versions.at(-1)!.title);
    assert.deepEqual(names, ['note.txt']);
    const pages = (sim: ConfluenceSim) =>
      [...sim.store.contents.values()].filter((c) => c.kind === 'page' && c.status === 'current').length;
    assert.equal(pages(target), pages(original));
  });
});
