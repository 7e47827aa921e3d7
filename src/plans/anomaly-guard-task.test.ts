import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { ANOMALY_TAG, PROTECTED_TAG } from '../domain/plan-tags.ts';
import type { Snapshot } from '../domain/snapshot.ts';
import type { Repository } from '../repository/repository.ts';
import { listSnapshots, saveSnapshot } from '../repository/snapshot/snapshot-store.ts';
import type { Json } from '../workflows/asl/json.ts';
import { TaskFailure } from '../workflows/engine/task-registry.ts';
import { anomalyGuardTask } from './anomaly-guard-task.ts';
import { forgetTask } from './retention-tasks.ts';
import { type TestEnvironment, taskContext, testEnvironment } from './test-environment.test-helper.ts';

function snapshot(day: number, tags: string[]): Snapshot {
  return {
    version: 1,
    time: new Date(Date.UTC(2026, 2, day, 3)).toISOString(),
    host: 'h',
    username: 'u',
    paths: ['https://wiki.example.test'],
    tags: ['plan:wiki', 'rule:daily', ...tags],
    tree: 'a'.repeat(64),
    source: { type: 'confluence' },
    program: 'stepvault test',
  };
}

const massDeletion = { pagesBefore: 200, pagesDeleted: 150, pagesChanged: 3 };
const thresholds = { maxDeletedPages: '10%', maxChangedPages: 50 };

async function tagsById(repo: Repository): Promise<Map<string, string[]>> {
  return new Map((await listSnapshots(repo)).snapshots.map((s) => [s.id, s.tags]));
}

describe('anomaly guard task', () => {
  let env: TestEnvironment;
  let repo: Repository;
  let ids: string[];
  beforeEach(async () => {
    env = await testEnvironment(['main', 'offsite', 'empty']);
    repo = env.repos.get('main')!;
    ids = [];
    for (const [day, tags] of [
      [1, []],
      [2, []],
      [3, ['run:0000000000000003']],
    ] as const)
      ids.push(await saveSnapshot(repo, snapshot(day, [...tags])));
  });
  after(() => env?.cleanup());

  const input = (snapshotId: string, changes: Json = massDeletion, t: Json = thresholds) => ({
    plan: 'wiki',
    repository: 'main',
    snapshotId,
    changes,
    thresholds: t,
  });

  it('passes a normal backup through untouched', async () => {
    const guard = anomalyGuardTask(env);
    for (const i of [
      input(ids[2]!, { pagesBefore: 200, pagesDeleted: 20, pagesChanged: 50 }),
      input(ids[2]!, null),
      input(ids[2]!, massDeletion, null),
    ]) {
      const out = (await guard(i, taskContext('n1'))) as Record<string, Json>;
      assert.equal(out.anomaly, false);
      assert.equal(out.snapshotId, ids[2]);
    }
    assert.equal((await listSnapshots(repo)).snapshots.length, 3);
  });

  it('tags the suspect snapshot, protects the last good one, and retention keeps that one', async () => {
    const guard = anomalyGuardTask(env);
    const out = (await guard(input(ids[2]!), taskContext('g1'))) as Record<string, Json>;
    assert.equal(out.anomaly, true);
    assert.match(String(out.message), /150 pages deleted \(75\.0% of 200\), more than the limit of 10%/);
    const tags = await tagsById(repo);
    assert.equal(tags.size, 3);
    assert.ok(tags.get(String(out.snapshotId))!.includes(ANOMALY_TAG));
    assert.ok(tags.get(String(out.protectedSnapshotId))!.includes(PROTECTED_TAG));
    const protectedSnapshot = (await listSnapshots(repo)).snapshots.find(
      (s) => s.id === out.protectedSnapshotId,
    )!;
    assert.equal(protectedSnapshot.original, ids[1], 'the snapshot of day 2 is the last good one');

    const again = (await guard(input(ids[2]!), taskContext('g1'))) as Record<string, Json>;
    assert.deepEqual(again, out, 'a re-delivery finds what the first invocation did');
    assert.equal((await listSnapshots(repo)).snapshots.length, 3);

    const forget = forgetTask(env);
    const forgotten = (await forget(
      { plan: 'wiki', rule: 'daily', repository: 'main', retention: { keepLast: 1 } },
      taskContext('f1'),
    )) as Record<string, Json>;
    assert.equal(forgotten.removed, 1);
    assert.deepEqual(
      [...(await tagsById(repo)).keys()].sort(),
      [String(out.snapshotId), String(out.protectedSnapshotId)].sort(),
    );
  });

  it('protects the copies of the last good snapshot in the copy repositories that hold one', async () => {
    const offsite = env.repos.get('offsite')!;
    const copy = await saveSnapshot(offsite, { ...snapshot(2, []), original: ids[1]! });
    const out = (await anomalyGuardTask(env)(
      { ...input(ids[2]!), copyTo: ['offsite', 'empty'] },
      taskContext('p1'),
    )) as Record<string, Json>;
    assert.deepEqual(out.protectedCopies, ['offsite']);
    const copies = (await listSnapshots(offsite)).snapshots;
    assert.equal(copies.length, 1);
    assert.notEqual(copies[0]!.id, copy);
    assert.equal(copies[0]!.original, ids[1]);
    assert.ok(copies[0]!.tags.includes(PROTECTED_TAG));
    assert.equal((await listSnapshots(env.repos.get('empty')!)).snapshots.length, 0);
  });

  it('finishes a tag rewrite an interruption left half done', async () => {
    const { id: _id, ...current } = (await listSnapshots(repo)).snapshots.find((s) => s.id === ids[2])!;
    const rewrite = await saveSnapshot(repo, {
      ...current,
      tags: [...current.tags, ANOMALY_TAG],
      original: ids[2]!,
    } as Snapshot);
    const out = (await anomalyGuardTask(env)(input(ids[2]!), taskContext('h1'))) as Record<string, Json>;
    assert.equal(out.snapshotId, rewrite);
    const tags = await tagsById(repo);
    assert.equal(tags.size, 3, 'the old version is gone, nothing was written twice');
    assert.ok(!tags.has(ids[2]!));
  });

  it('refuses bad thresholds and changes', async () => {
    const guard = anomalyGuardTask(env);
    for (const bad of [
      input(ids[2]!, massDeletion, { maxDeletedPages: '150%' }),
      input(ids[2]!, { pagesBefore: -1, pagesDeleted: 0, pagesChanged: 0 }),
      input('not-an-id'),
    ]) {
      await assert.rejects(
        guard(bad, taskContext('b1')),
        (e: unknown) => e instanceof TaskFailure && e.error === 'Stepvault.Usage',
      );
    }
  });
});
