// Confluence backups against a site whose hourly points quota runs out: in virtual time, the backup sits out
// each reset (shown with what it waits for and until when) and keeps every item; through the CLI, with
// `--max-wait` shorter than the reset, it ends partial (exit 3) naming the wait it would not sit out.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { backupConfluence } from '../src/operations/confluence/backup/backup-confluence.ts';
import { ConfluenceSnapshotReader } from '../src/operations/confluence/snapshot-reader.ts';
import { Repository } from '../src/repository/repository.ts';
import { instantClock, siteClient } from '../src/sources/confluence/client/client.test-helper.ts';
import type { SiteWait } from '../src/sources/confluence/client/client-options.ts';
import { MemoryBackend } from '../src/storage/memory/memory-backend.ts';
import { CliSandbox, only } from './support/cli.ts';
import { FAST_KDF } from './support/small-repository.ts';

const HOUR = 3_600_000;
/** Points for the listings and the spaces' metadata (22 requests with this dataset), not for the items. */
const POINTS = 26;
/** Points per hour in the first test: the backup (about 75 requests) needs three windows. */
const WINDOW_POINTS = 30;

async function itemIds(repo: Repository, snapshotId: string): Promise<string[]> {
  const reader = await ConfluenceSnapshotReader.open(repo, snapshotId);
  const ids: string[] = [];
  for (const space of await reader.spaces())
    for (const item of await reader.items(space.key)) ids.push(item.id);
  return ids.sort();
}

describe('Confluence backup under an hourly points quota', () => {
  const clock = instantClock();
  let sim: ConfluenceSim;
  let expected: string[];
  before(async () => {
    sim = await startConfluenceSim({ clock });
    sim.generate({ seed: 12, spaces: 2, pages: 30, attachments: 3 });
    const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
    const full = await backupConfluence({ site: sim.siteUrl }, { repo, api: siteClient(sim, { clock }) });
    expected = await itemIds(repo, full.snapshotId!);
  });
  after(() => sim.close());

  it('sits out every reset of the quota and backs up every item', async () => {
    sim.setPointsQuota({ points: WINDOW_POINTS, windowSeconds: 3600 });
    try {
      const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
      const waits: SiteWait[] = [];
      const client = siteClient(sim, { clock, onWait: (w) => waits.push(w) });
      const start = clock.now().getTime();
      const result = await backupConfluence({ site: sim.siteUrl }, { repo, api: client });
      const hours = (clock.now().getTime() - start) / HOUR;
      assert.deepEqual(result.missing, []);
      assert.deepEqual(await itemIds(repo, result.snapshotId!), expected);
      assert.ok(client.stats().totalRequests > 2 * WINDOW_POINTS, 'more requests than two windows allow');
      assert.ok(hours >= 2, `the backup waited for at least two resets (${hours.toFixed(2)} h)`);
      assert.ok(waits.length >= 2, 'each wait is announced');
      for (const w of waits) {
        assert.match(w.reason, /points quota global-app-quota spent|^429 to /);
        assert.ok(w.ms > 30_000 && w.ms <= HOUR);
      }
    } finally {
      sim.setPointsQuota(undefined);
    }
  });
});

describe('stepvault backup confluence --max-wait', () => {
  let sim: ConfluenceSim;
  before(async () => {
    sim = await startConfluenceSim();
    sim.generate({ seed: 12, spaces: 2, pages: 30, attachments: 3 });
  });
  after(() => sim.close());

  it('ends partial, naming the wait, when the site asks for a longer wait than allowed', async () => {
    const cli = new CliSandbox('sv-confluence-wait-');
    try {
      assert.equal((await cli.runAsync(['init'])).code, 0);
      fs.writeFileSync(cli.path('token'), `${sim.credentials.apiToken}\n`);
      // The quota runs out after the listings; the rest of the hour is far beyond a minute.
      sim.setPointsQuota({ points: POINTS, windowSeconds: 3600 });
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
        '--max-wait',
        '1min',
        '--json',
      ]);
      assert.equal(run.code, 3, run.stderr);
      const summary = only(run.messages, 'summary')[0]!;
      const missing = summary.missing as { path: string; error: string }[];
      assert.ok(missing.length > 0);
      for (const m of missing) {
        assert.match(
          m.error,
          /Confluence asked to wait \d+ s \(until \S+Z\) before .*, longer than the longest wait allowed \(60 s; it answered 429 to /,
        );
      }
    } finally {
      sim.setPointsQuota(undefined);
      cli.cleanup();
    }
  });
});
