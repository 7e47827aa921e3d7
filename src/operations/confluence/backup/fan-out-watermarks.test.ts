// Parts walk the site-wide listings (attachments, comments) each on its own, at its own time, and keep only their
// own containers' changes. A comment added on one part's page after that part walked, but before a later part did,
// is seen only by the later part, which drops it: the joined snapshot must keep the earliest walk's watermark, so
// the next incremental backup walks back far enough to find that comment.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../../../../devtools/confluence-sim/simulator.ts';
import { FAST_KDF } from '../../../../test/support/small-repository.ts';
import { ManualClock } from '../../../common/clock.ts';
import { Repository } from '../../../repository/repository.ts';
import { siteClient } from '../../../sources/confluence/client/client.test-helper.ts';
import { MemoryBackend } from '../../../storage/memory/memory-backend.ts';
import { ConfluenceSnapshotReader } from '../snapshot-reader.ts';
import { backupConfluence } from './backup-confluence.ts';
import { backupConfluencePart } from './backup-part.ts';
import { commitConfluenceParts } from './commit-parts.ts';
import { PLAN_SEAL, planConfluenceFanOut } from './fan-out-plan.ts';
import { seal } from './fan-out-seal.ts';

const clock = new ManualClock(new Date('2026-12-01T02:00:00Z'));
let sim: ConfluenceSim;

before(async () => {
  sim = await startConfluenceSim({ clock });
  sim.generate({ seed: 5, spaces: 2, pages: 10, attachments: 2, blogPosts: 1 });
});
after(async () => {
  await sim?.close();
});

test('a change one part missed and a later part dropped is found by the next incremental backup', async () => {
  const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
  const site = sim.siteUrl;
  const first = await backupConfluence({ site }, { repo, api: siteClient(sim), clock });
  clock.advance(3600_000);
  const planned = await planConfluenceFanOut({ site, parts: 2 }, { repo, api: siteClient(sim), clock });
  const [a, b] = planned.spaces as [string, string];
  const { seal: _, ...fields } = planned;
  const plan = seal(repo, PLAN_SEAL, {
    ...fields,
    parts: [[{ space: a, of: 1, indices: [0] }], [{ space: b, of: 1, indices: [0] }]],
  });
  const reader = await ConfluenceSnapshotReader.open(repo, first.snapshotId!);
  const pageA = (await reader.items(a)).find((i) => i.type === 'page')!;
  const pageB = (await reader.items(b)).find((i) => i.type === 'page')!;
  const part = (index: number) =>
    backupConfluencePart({ site, plan, time: plan.time, index }, { repo, api: siteClient(sim), clock });

  const partA = await part(0);
  clock.advance(30 * 60_000);
  const missed = sim.edits.addComment(pageA.id, '<p>on A, after part A walked the listings</p>');
  clock.advance(30 * 60_000);
  sim.edits.addComment(pageB.id, '<p>on B</p>');
  clock.advance(5 * 60_000);
  const partB = await part(1);
  const joined = await commitConfluenceParts(
    { site, time: plan.time, plan, parts: [partA, partB] },
    { repo, clock },
  );
  assert.equal(
    joined.site.watermarks.footerComments,
    partA.site?.watermarks.footerComments,
    'the earliest walk',
  );

  clock.advance(10 * 60_000);
  const next = await backupConfluence({ site }, { repo, api: siteClient(sim), clock });
  assert.equal(next.parent, joined.snapshotId);
  const comments = await (await ConfluenceSnapshotReader.open(repo, next.snapshotId!)).comments(a, pageA.id);
  assert.ok(
    comments.some((c) => c.id === missed),
    'the comment the parts missed is in the next snapshot',
  );
});
