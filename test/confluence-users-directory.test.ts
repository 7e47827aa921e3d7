// The users directory of a Confluence snapshot (users.json), against the simulator: a full backup names every
// account its records and bodies refer to (authors, restriction users, mentions) with the site's names; an
// incremental one keeps the parent's and asks only for accounts it has not seen; `export html` shows the names,
// with the account id kept in a tooltip.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { User } from '../devtools/confluence-sim/model.ts';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { backupConfluence } from '../src/operations/confluence/backup/backup-confluence.ts';
import { exportHtml } from '../src/operations/confluence/export/export-html.ts';
import { ConfluenceSnapshotReader } from '../src/operations/confluence/snapshot-reader.ts';
import { Repository } from '../src/repository/repository.ts';
import { siteClient } from '../src/sources/confluence/client/client.test-helper.ts';
import { MemoryBackend } from '../src/storage/memory/memory-backend.ts';
import { FAST_KDF } from './support/small-repository.ts';

function newUser(sim: ConfluenceSim, accountId: string, displayName: string): User {
  const user: User = {
    accountId,
    email: `${accountId}@example.com`,
    displayName,
    accountType: 'atlassian',
    siteAdmin: false,
    groupIds: [],
  };
  sim.store.addUser(user);
  return user;
}

const mention = (accountId: string) =>
  `<p>Ask <ac:link><ri:user ri:account-id="${accountId}" /></ac:link>.</p>`;

describe('the users directory of a Confluence snapshot', () => {
  let sim: ConfluenceSim;
  let repo: Repository;
  let scratch: string;
  before(async () => {
    sim = await startConfluenceSim();
    sim.generate({ seed: 17, spaces: 1, pages: 12, restrictedFraction: 0.5 });
    repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-users-'));
  });
  after(async () => {
    await sim.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  const directory = async (snapshotId: string) =>
    new Map(
      (await (await ConfluenceSnapshotReader.open(repo, snapshotId)).users()).map((u) => [u.accountId, u]),
    );

  it('names every account the snapshot refers to; an incremental asks only for new ones; the export shows names', async () => {
    const client = siteClient(sim);
    const space = [...sim.store.spaces.values()][0]!;
    const expert = newUser(sim, 'acct-expert', 'Grace Hopper');
    await client.createPage({
      spaceId: space.id,
      title: 'Who to ask',
      body: { representation: 'storage', value: mention(expert.accountId) },
    });
    const full = await backupConfluence({ site: sim.siteUrl }, { repo, api: client });
    assert.deepEqual(full.missing, []);
    const first = await directory(full.snapshotId!);
    const referred = new Set<string>([expert.accountId]);
    for (const c of sim.store.contents.values()) {
      if (c.status === 'draft') continue;
      referred.add(c.authorId);
      for (const v of c.versions) referred.add(v.authorId);
      for (const u of [...c.restrictions.read.users, ...c.restrictions.update.users]) referred.add(u);
    }
    for (const id of referred)
      assert.equal(first.get(id)?.displayName, sim.store.users.get(id)?.displayName, `the name of ${id}`);

    // An incremental backup without a sweep: the parent's names stay, only the new account is asked for.
    const newcomer = newUser(sim, 'acct-newcomer', 'Katherine Johnson');
    await client.createPage({
      spaceId: space.id,
      title: 'Also ask',
      body: { representation: 'storage', value: mention(newcomer.accountId) },
    });
    sim.stats.reset();
    const incremental = await backupConfluence(
      { site: sim.siteUrl, sweep: { kind: 'never' } },
      { repo, api: siteClient(sim) },
    );
    assert.deepEqual(incremental.missing, []);
    const second = await directory(incremental.snapshotId!);
    assert.equal(second.get(newcomer.accountId)?.displayName, 'Katherine Johnson');
    for (const [id, entry] of first) assert.deepEqual(second.get(id), entry);
    assert.equal(sim.stats.snapshot().endpoints['POST /wiki/api/v2/users-bulk']?.requests, 1);

    const target = path.join(scratch, 'html');
    const exported = await exportHtml({ snapshot: incremental.snapshotId!, target }, { repo });
    assert.deepEqual(exported.failed, []);
    const asked = [...sim.store.contents.values()].find((c) => c.versions.at(-1)!.title === 'Who to ask')!;
    const html = fs.readFileSync(path.join(target, 'spaces', space.key, 'pages', `${asked.id}.html`), 'utf8');
    assert.match(html, /Grace Hopper/, 'the mention shows the name');
    const author = sim.store.users.get(asked.authorId)!;
    assert.match(
      html,
      new RegExp(`title="${author.accountId}"><bdi>${author.displayName}</bdi>`),
      'the author',
    );
  });
});
