// `stepvault backup confluence` as a process, against a site whose batch reads leave items out: one page is
// readable alone (backed up), another fails alone as well (500). The CLI exits 3 and names exactly the second
// one, in the summary's `missing`, in an error message and in the snapshot; the first is stored with its bodies.
// A site whose CQL refuses a content type: the CLI exits 3 and names that type per space, the backup is not lost.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { adfOf, storageOf } from '../devtools/confluence-sim/bodies.ts';
import { CQL_TYPES } from '../devtools/confluence-sim/cql.ts';
import type { Content } from '../devtools/confluence-sim/model.ts';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { ConfluenceSnapshotReader } from '../src/operations/confluence/snapshot-reader.ts';
import { Repository } from '../src/repository/repository.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { CliSandbox, only } from './support/cli.ts';

describe('backup confluence: what it could not read is named', () => {
  let sim: ConfluenceSim;
  let cli: CliSandbox;
  before(async () => {
    sim = await startConfluenceSim({});
    sim.generate({ seed: 31, spaces: 2, pages: 40, attachments: 6, blogPosts: 2 });
    cli = new CliSandbox('sv-confluence-missing-');
  });
  after(async () => {
    await sim?.close();
    cli?.cleanup();
  });

  async function backupByCli() {
    if (!fs.existsSync(cli.repo)) assert.equal((await cli.runAsync(['init'])).code, 0);
    fs.writeFileSync(cli.path('token'), `${sim.credentials.apiToken}\n`);
    return cli.runAsync([
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
  }

  it('exits 3 naming the page unreadable alone, and backs up the one readable alone', async () => {
    const pages = [...sim.store.contents.values()].filter((c) => c.kind === 'page' && c.status === 'current');
    const [readable, unreadable] = [pages.at(-1)!, pages.at(-2)!];
    const keyOf = (c: Content) => sim.store.spaces.get(c.spaceId)!.key;
    const name = `space ${keyOf(unreadable)} page ${unreadable.id} '${unreadable.versions.at(-1)!.title}'`;
    sim.faults.set({ hideFromBatch: [readable.id, unreadable.id], failIds: [unreadable.id] });

    const run = await backupByCli();
    assert.equal(run.code, 3, run.stderr);
    const summary = only(run.messages, 'summary')[0]!;
    const missing = summary.missing as { path: string; error: string }[];
    assert.deepEqual(
      missing.map((m) => m.path),
      [name],
    );
    assert.match(missing[0]!.error, /left out of the batch read; read alone: Confluence answered 500/);
    assert.ok(
      only(run.messages, 'error').some((m) => (m.error as { message: string }).message.startsWith(name)),
      'a warning names it',
    );

    const repo = await Repository.open(new LocalBackend(cli.repo), 'correct horse battery staple');
    const reader = await ConfluenceSnapshotReader.open(repo, summary.snapshot_id as string);
    assert.deepEqual(
      reader.snapshot.partial?.missing.map((m) => m.path),
      [name],
    );
    const latest = readable.versions.at(-1)!;
    assert.equal(await reader.body(keyOf(readable), readable.id, 'storage'), storageOf(latest.body));
    assert.equal(await reader.body(keyOf(readable), readable.id, 'adf'), adfOf(latest.body));
  });

  it('exits 3 naming the content type whose search the site refuses, per space, and keeps the rest', async () => {
    sim.faults.set({});
    sim.setCqlTypes(CQL_TYPES.filter((t) => t !== 'database'));
    try {
      const run = await backupByCli();
      assert.equal(run.code, 3, run.stderr);
      const summary = only(run.messages, 'summary')[0]!;
      const missing = summary.missing as { path: string; error: string }[];
      const expected = [...sim.store.spaces.values()].map((x) => `space ${x.key} databases`).sort();
      assert.deepEqual(missing.map((m) => m.path).sort(), expected);
      const warnings = only(run.messages, 'error').map((m) => (m.error as { message: string }).message);
      for (const path of expected)
        assert.ok(
          warnings.some((w) =>
            w.startsWith(
              `${path}: the site refused the search (400 Could not parse cql: Unknown content type database`,
            ),
          ),
          `a warning names ${path}: ${warnings.join('; ')}`,
        );
      assert.ok(Number(summary.items) > 0);
    } finally {
      sim.setCqlTypes(CQL_TYPES);
    }
  });
});
