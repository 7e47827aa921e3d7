// A fan-out Confluence backup (plan, parts, commit) makes the very tree one backup of the whole site makes at the
// same time, whether its parts hold whole spaces or slices of them: same root tree ID, full and incremental; and
// the commit refuses what does not fit together (a space or a slice in two parts, a space or a slice no part backed
// up) and what a prune may have broken (an index file the run relied on gone).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../../../../devtools/confluence-sim/simulator.ts';
import { FAST_KDF } from '../../../../test/support/small-repository.ts';
import { ManualClock } from '../../../common/clock.ts';
import type { StepvaultError } from '../../../common/errors.ts';
import { Repository } from '../../../repository/repository.ts';
import { listSnapshots } from '../../../repository/snapshot/snapshot-store.ts';
import { siteClient } from '../../../sources/confluence/client/client.test-helper.ts';
import { MemoryBackend } from '../../../storage/memory/memory-backend.ts';
import { ConfluenceSnapshotReader } from '../snapshot-reader.ts';
import { backupConfluence } from './backup-confluence.ts';
import { backupConfluencePart, type PartResult } from './backup-part.ts';
import { commitConfluenceParts } from './commit-parts.ts';
import { PLAN_SEAL, planConfluenceFanOut } from './fan-out-plan.ts';
import { type Sealed, seal } from './fan-out-seal.ts';
import type { SpaceClaim } from './space-claims.ts';

describe('a fan-out Confluence backup', () => {
  let sim: ConfluenceSim;
  let repo: Repository;
  const clock = new ManualClock(new Date('2026-12-01T02:00:00Z'));

  before(async () => {
    sim = await startConfluenceSim({});
    sim.generate({ seed: 5, spaces: 4, pages: 60, attachments: 10, blogPosts: 4 });
    repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
  });
  after(async () => {
    await sim?.close();
  });

  async function treeOf(id: string | undefined): Promise<string> {
    const snapshot = (await listSnapshots(repo)).snapshots.find((s) => s.id === id);
    assert.ok(snapshot, `snapshot ${id} exists`);
    return snapshot.tree;
  }

  const whole = (space: string): SpaceClaim => ({ space, of: 1, indices: [0] });
  const slice = (space: string, of: number, ...indices: number[]): SpaceClaim => ({ space, of, indices });

  /** A fan-out with the parts `groups` makes of the planned spaces (the plan's own packing is tested apart). */
  async function fanOut(groups: (keys: string[]) => SpaceClaim[][], force = false) {
    const api = siteClient(sim);
    const request = { site: sim.siteUrl, tags: ['fan-out'], force };
    const planned = await planConfluenceFanOut({ ...request, parts: 3 }, { repo, api, clock });
    // The same plan with the test's parts, sealed as the plan step seals it.
    const { seal: _, ...fields } = planned;
    const plan = seal(repo, PLAN_SEAL, { ...fields, parts: groups(planned.spaces) });
    const parts: Sealed<PartResult>[] = [];
    // The parts run at once, as workers run them.
    await Promise.all(
      plan.parts.map(async (_claims, index) => {
        parts[index] = await backupConfluencePart(
          { ...request, plan, time: plan.time, index },
          { repo, api: siteClient(sim), clock },
        );
      }),
    );
    const commit = () => commitConfluenceParts({ ...request, time: plan.time, plan, parts }, { repo, clock });
    return { plan, parts, commit };
  }

  it('gives the tree one backup of the whole site gives, full and incremental', async () => {
    const single = await backupConfluence({ site: sim.siteUrl }, { repo, api: siteClient(sim), clock });
    // Everything fetched again (force), as the first backup fetched it.
    // One space whole in a part of its own, one with another, one cut into two slices in two parts.
    const { plan, parts, commit } = await fanOut(
      ([a, b, c, d]) => [[whole(a!), slice(c!, 2, 0)], [whole(b!), slice(c!, 2, 1)], [whole(d!)]],
      true,
    );
    assert.equal(plan.spaces.length, 4);
    assert.equal(plan.parent, null);
    assert.equal(parts.length, 3);
    assert.ok(parts[0]!.counts.items > 0 && parts[1]!.counts.items > 0, 'both slices hold items');
    const joined = await commit();
    assert.equal(await treeOf(joined.snapshotId), await treeOf(single.snapshotId));
    assert.deepEqual(joined.missing, []);
    assert.equal(joined.summary.confluence.items, single.summary.confluence.items);
    assert.equal(joined.summary.confluence.itemsFetched, single.summary.confluence.itemsFetched);
    assert.equal(joined.summary.confluence.spaces, 4, 'a sliced space counts once');

    // Unchanged: every item reused from the parent the plan picked.
    clock.advance(60_000);
    const unchanged = await fanOut(([a, b, c, d]) => [
      [whole(a!), whole(b!)],
      [slice(c!, 3, 0, 2), whole(d!)],
      [slice(c!, 3, 1)],
    ]);
    // (the two snapshots so far have the same time and the same tree: either is the newest)
    assert.ok(
      [single.snapshotId, joined.snapshotId].includes(unchanged.plan.parent ?? ''),
      'the parts reuse the newest backup of the same site',
    );
    const reused = await unchanged.commit();
    assert.equal(reused.summary.confluence.itemsReused, single.summary.confluence.items);
    assert.equal(reused.summary.confluence.itemsFetched, 0);

    sim.edits.editPages({ fraction: 0.2, seed: 9 });
    clock.advance(3600_000);
    const singleAgain = await backupConfluence({ site: sim.siteUrl }, { repo, api: siteClient(sim), clock });
    assert.ok(singleAgain.summary.confluence.itemsFetched > 0);
    const again = await (
      await fanOut((keys) => [keys.map((k) => slice(k, 2, 0)), keys.map((k) => slice(k, 2, 1))])
    ).commit();
    assert.equal(again.parent, singleAgain.snapshotId);
    assert.equal(await treeOf(again.snapshotId), await treeOf(singleAgain.snapshotId));
  });

  it('refuses parts that overlap or leave a space or a slice out, writing no snapshot', async () => {
    const before = (await listSnapshots(repo)).snapshots.length;
    const overlap = await fanOut((keys) => [keys.map(whole), [whole(keys[0]!)]]);
    await assert.rejects(overlap.commit(), (e: StepvaultError) => {
      assert.equal(e.code, 'corrupt');
      assert.match(e.message, /space \S+ is in part 1 and in part 2/);
      return true;
    });
    const slices = await fanOut(([a, ...rest]) => [
      [slice(a!, 2, 0, 1), ...rest.map(whole)],
      [slice(a!, 2, 1)],
    ]);
    await assert.rejects(slices.commit(), /space \S+ is in part 1 and in part 2/);
    const short = await fanOut((keys) => [keys.slice(1).map(whole)]);
    await assert.rejects(short.commit(), /no part backed up space/);
    const half = await fanOut(([a, ...rest]) => [[slice(a!, 2, 1), ...rest.map(whole)]]);
    await assert.rejects(half.commit(), /no part backed up all of space \S+ \(1 of 2 slices\)/);
    assert.equal((await listSnapshots(repo)).snapshots.length, before);
  });

  it("refuses a plan or a part result changed in the run bucket, or another run's", async () => {
    const before = (await listSnapshots(repo)).snapshots.length;
    const earlier = await fanOut((keys) => [keys.map(whole)]);
    clock.advance(60_000);
    const run = await fanOut((keys) => [keys.map(whole)]);
    const commit = (plan: typeof run.plan, parts: typeof run.parts) =>
      commitConfluenceParts({ site: sim.siteUrl, time: run.plan.time, plan, parts }, { repo, clock });
    // a forged tree (an earlier run's, which this repository holds): the seal no longer matches
    const forged = [{ ...run.parts[0]!, tree: earlier.parts[0]!.tree }];
    await assert.rejects(
      commit(run.plan, forged),
      /result of part 1 is not sealed with this repository's key/,
    );
    // a space dropped from the plan
    const narrower = { ...run.plan, spaces: run.plan.spaces.slice(1) };
    await assert.rejects(commit(narrower, run.parts), /plan is not sealed/);
    // sealed, but of another run: a rollback of the parts, or of the plan
    await assert.rejects(commit(run.plan, earlier.parts), /part 1 is of another run or plan/);
    await assert.rejects(commit(earlier.plan, run.parts), /plan in the run bucket is of the run at/);
    // a part's result left out, or given twice in place of another
    const two = await fanOut(([a, ...rest]) => [[whole(a!)], rest.map(whole)]);
    const commitTwo = (parts: typeof two.parts) =>
      commitConfluenceParts(
        { site: sim.siteUrl, time: two.plan.time, plan: two.plan, parts },
        { repo, clock },
      );
    await assert.rejects(commitTwo([two.parts[0]!]), /no result for part 2 of 2/);
    await assert.rejects(commitTwo([two.parts[0]!, two.parts[0]!]), /no result for part 2 of 2/);
    assert.equal((await listSnapshots(repo)).snapshots.length, before);
    await commit(run.plan, run.parts);
  });

  it('leaves out a space that went between the plan and its part, naming it, and backs up the rest', async () => {
    const api = siteClient(sim);
    const planned = await planConfluenceFanOut({ site: sim.siteUrl, parts: 3 }, { repo, api, clock });
    const [a, b, c, d] = planned.spaces as [string, string, string, string];
    const { seal: _, ...fields } = planned;
    const plan = seal(repo, PLAN_SEAL, {
      ...fields,
      parts: [[whole(a)], [slice(b, 3, 0)], [slice(b, 3, 1)], [slice(b, 3, 2), whole(c), whole(d)]],
    });
    const part = (index: number) =>
      backupConfluencePart({ site: sim.siteUrl, plan, time: plan.time, index }, { repo, api, clock });
    const first = [await part(0), await part(1)];
    // The credentials lose the space after its first slice was backed up, before the others.
    const space = [...sim.store.spaces.values()].find((s) => s.key === b)!;
    const permissions = space.permissions;
    space.permissions = [];
    try {
      const nothingLeft = await part(2);
      assert.deepEqual([nothingLeft.gone, nothingLeft.site], [[b], null], 'a part whose every space went');
      const last = await part(3);
      assert.deepEqual(last.gone, [b]);
      const joined = await commitConfluenceParts(
        { site: sim.siteUrl, time: plan.time, plan, parts: [...first, nothingLeft, last] },
        { repo, clock },
      );
      assert.deepEqual(joined.missing, []);
      assert.deepEqual(
        joined.deleted.map((x) => x.path),
        [`space ${b}`],
      );
      assert.equal(joined.summary.confluence.spaces, 3);
      const reader = await ConfluenceSnapshotReader.open(repo, joined.snapshotId!);
      assert.deepEqual((await reader.spaces()).map((s) => s.key).sort(), [a, c, d].sort());
    } finally {
      space.permissions = permissions;
    }
  });

  it('refuses to commit when an index file the run relied on is gone (a prune ran meanwhile)', async () => {
    sim.edits.editPages({ fraction: 0.1, seed: 11 });
    const run = await fanOut((keys) => [keys.map(whole)]);
    const written = run.parts[0]!.indexFiles[0]!;
    assert.ok(written, 'the part wrote an index file');
    assert.ok(run.plan.indexFiles.length > 0, "the plan lists the index files of the run's start");
    await repo.backend.remove('index', written);
    await assert.rejects(run.commit(), (e: StepvaultError) => {
      assert.equal(e.code, 'conflict');
      assert.match(e.message, /index changed while this backup ran/);
      assert.match(e.hint ?? '', /run the backup again/);
      return true;
    });
  });
});
