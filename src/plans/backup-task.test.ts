import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadMasterIndex } from '../repository/index/index-store.ts';
import { listSnapshots } from '../repository/snapshot/snapshot-store.ts';
import type { Json } from '../workflows/asl/json.ts';
import { TaskFailure } from '../workflows/engine/task-registry.ts';
import { backupTask } from './backup-task.ts';
import { preflightTask } from './preflight-task.ts';
import { type TestEnvironment, taskContext, testEnvironment } from './test-environment.test-helper.ts';

const input = { plan: 'docs', rule: 'daily', source: 'data', repository: 'main', tags: ['nightly'] };

describe('backup task', () => {
  let env: TestEnvironment;
  before(async () => {
    env = await testEnvironment();
  });
  after(() => env.cleanup());

  it('refuses input of the wrong shape, naming the field', async () => {
    const backup = backupTask(env);
    for (const bad of [
      { ...input, plan: 7 },
      { ...input, extra: true },
      { rule: 'daily', source: 'data', repository: 'main' },
      'not an object',
    ]) {
      await assert.rejects(backup(bad as Json, taskContext('a1')), (e: unknown) => {
        assert.ok(e instanceof TaskFailure);
        assert.equal(e.error, 'Stepvault.Usage');
        assert.match(e.causeText ?? '', /invalid input for arn:aws:states:::stepvault:test/);
        return true;
      });
    }
    assert.equal((await listSnapshots(env.repos.get('main')!)).snapshots.length, 0);
  });

  it('compresses new data at the level configured for the repository', async () => {
    const levels = await testEnvironment(['plain', 'packed']);
    try {
      fs.writeFileSync(path.join(levels.dir, 'data', 'text.txt'), 'the same line again\n'.repeat(5000));
      const env = { ...levels, compressionLevel: (name: string) => (name === 'plain' ? 0 : 3) };
      for (const repository of ['plain', 'packed'])
        await backupTask(env)({ ...input, repository }, taskContext(repository === 'plain' ? 'c1' : 'c2'));
      const dataBlobs = async (name: string) =>
        [...(await loadMasterIndex(levels.repos.get(name)!)).packs()].flatMap((p) =>
          p.entries.filter((e) => e.type === 'data'),
        );
      assert.ok((await dataBlobs('plain')).every((e) => !e.compressed));
      assert.ok((await dataBlobs('packed')).some((e) => e.compressed));
    } finally {
      levels.cleanup();
    }
  });

  it('makes one snapshot per run however often the run is delivered, tagged with plan, rule and run', async () => {
    const backup = backupTask(env);
    const first = (await backup(input, taskContext('b1'))) as Record<string, Json>;
    assert.equal(first.reused, false);
    assert.equal(first.sourceType, 'files');
    assert.equal(first.partial, false);
    const again = (await backup(input, taskContext('b1', { attempt: 2 }))) as Record<string, Json>;
    assert.equal(again.snapshotId, first.snapshotId);
    assert.equal(again.reused, true);
    const { snapshots } = await listSnapshots(env.repos.get('main')!);
    assert.equal(snapshots.length, 1);
    assert.deepEqual(snapshots[0]!.tags, ['plan:docs', 'rule:daily', 'nightly', 'run:b100000000000000']);
    assert.equal(snapshots[0]!.host, 'test-host');

    fs.writeFileSync(path.join(env.dir, 'data', 'b.txt'), 'second file\n');
    env.clock.advance(3_600_000);
    const next = (await backup(input, taskContext('b2'))) as Record<string, Json>;
    assert.notEqual(next.snapshotId, first.snapshotId);
    assert.equal(next.parent, first.snapshotId);
    assert.equal((await listSnapshots(env.repos.get('main')!)).snapshots.length, 2);
  });

  it('names errors for Retry and Catch: a missing source path is not retryable', async () => {
    env.sources.set('gone', { type: 'files', paths: [path.join(env.dir, 'missing')], excludes: [] });
    const ok = (await preflightTask(env)(
      { source: 'data', repository: 'main', copyTo: ['offline'] },
      taskContext('c0'),
    )) as Record<string, Json>;
    assert.deepEqual(
      ok.copyProblems,
      ['offline: no repository offline'],
      'a copy target does not stop the backup',
    );
    await assert.rejects(
      preflightTask(env)({ source: 'gone', repository: 'main', copyTo: [] }, taskContext('c2')),
      (e: unknown) =>
        e instanceof TaskFailure &&
        e.error === 'Stepvault.NotFound' &&
        /missing does not exist/.test(e.causeText!),
    );
    await assert.rejects(
      backupTask(env)({ ...input, source: 'gone' }, taskContext('c3')),
      (e: unknown) => e instanceof TaskFailure && e.error === 'Stepvault.NotFound',
    );
  });
});
