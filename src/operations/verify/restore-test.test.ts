import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../common/clock.ts';
import { parseCalendarDuration } from '../../domain/duration.ts';
import { BlobReader } from '../../repository/blob-reader.ts';
import { ContentWriter } from '../../repository/content-writer.ts';
import { loadMasterIndex } from '../../repository/index/index-store.ts';
import { Repository } from '../../repository/repository.ts';
import { RepositoryWriter } from '../../repository/repository-writer.ts';
import { loadSnapshot, saveSnapshot } from '../../repository/snapshot/snapshot-store.ts';
import { TreeBuilder } from '../../repository/tree/tree-builder.ts';
import { walkTree } from '../../repository/tree/tree-walk.ts';
import { LocalBackend } from '../../storage/local/local-backend.ts';
import { backupFiles } from '../backup/backup-files.ts';
import { PROGRAM } from '../program.ts';
import { compareRestored } from './compare-restored.ts';
import { seededRandom } from './pick-snapshot.ts';
import { restoreTest } from './restore-test.ts';

const FAST_KDF = { algorithm: 'argon2id', memoryKiB: 1024, passes: 1, parallelism: 1 } as const;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-restore-test-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

async function newRepo(name: string): Promise<Repository> {
  return Repository.init(new LocalBackend(path.join(scratch, name)), 'pw', {
    kdf: FAST_KDF,
    chunker: { min: 4096, avg: 16384, max: 65536 },
    packSize: 64 * 1024,
  });
}

function makeSource(name: string): string {
  const dir = path.join(scratch, name);
  fs.mkdirSync(path.join(dir, 'docs'), { recursive: true });
  for (let i = 0; i < 20; i++)
    fs.writeFileSync(path.join(dir, 'docs', `${i}.txt`), `text ${i}\n`.repeat(500 + i));
  fs.writeFileSync(path.join(dir, 'big.bin'), randomBytes(300 * 1024));
  fs.writeFileSync(path.join(dir, 'empty'), '');
  fs.symlinkSync('docs/1.txt', path.join(dir, 'link'));
  return dir;
}

describe('restore-test', () => {
  let repo: Repository;
  let dir: string;
  let snapshotId: string;

  before(async () => {
    repo = await newRepo('repo');
    dir = makeSource('src');
    snapshotId = (await backupFiles({ paths: [dir] }, { repo })).snapshotId!;
  });

  it('passes on a sound repository, checking every file, and leaves no scratch directory', async () => {
    const parent = path.join(scratch, 'scratch-clean');
    const report = await restoreTest({ scratchParent: parent }, { repo });
    assert.equal(report.snapshotId, snapshotId);
    assert.deepEqual(report.mismatches, []);
    assert.equal(report.passed, true);
    assert.equal(report.filesInSnapshot, 22);
    assert.equal(report.filesChecked, 23, 'the files and the symlink');
    assert.equal(report.bytesChecked, report.bytesInSnapshot);
    assert.deepEqual(fs.readdirSync(parent), []);
  });

  it('checks a sample within a byte budget, and keeps the scratch directory when asked', async () => {
    const report = await restoreTest(
      {
        sample: { percent: 25, maxBytes: 100 * 1024 },
        keep: true,
        scratchParent: path.join(scratch, 'kept'),
      },
      { repo, random: seededRandom('sample') },
    );
    assert.equal(report.passed, true);
    assert.equal(report.sampled, true);
    assert.equal(report.filesChecked, 6, '25% of 22 files, none of them the 300 KiB one');
    assert.ok(report.bytesChecked <= 100 * 1024);
    const restored = fs.readdirSync(
      path.join(report.scratch!, 'restored', ...dir.split('/').filter(Boolean)),
      {
        recursive: true,
      },
    );
    assert.ok(restored.length <= 6 + 1, 'only the sample (and the directories leading to it) was restored');
  });

  it('reports live files that changed since the snapshot as information', async () => {
    const live = makeSource('live');
    const repo2 = await newRepo('repo-live');
    await backupFiles({ paths: [live] }, { repo: repo2 });
    fs.appendFileSync(path.join(live, 'docs', '4.txt'), 'edited\n');
    fs.rmSync(path.join(live, 'docs', '5.txt'));
    const report = await restoreTest({ compareSource: true }, { repo: repo2 });
    assert.equal(report.passed, true);
    assert.deepEqual(
      report.sourceChanges.map((c) => [path.basename(c.path), c.change.split(' (')[0]]),
      [
        ['4.txt', 'changed since the snapshot'],
        ['5.txt', 'removed since the snapshot'],
      ],
    );
  });

  it('fails, naming the file, when a pack holding its data is damaged', async () => {
    const repo3 = await newRepo('repo-damaged');
    const src = makeSource('src-damaged');
    const id = (await backupFiles({ paths: [src] }, { repo: repo3 })).snapshotId!;
    const index = await loadMasterIndex(repo3);
    const reader = new BlobReader(repo3, index);
    let victim: string | undefined;
    for await (const { path: p, node } of walkTree(reader, (await loadSnapshot(repo3, id)).tree))
      if (p.endsWith('/big.bin')) victim = node.content![1];
    const { pack, entry } = index.lookup(victim!)!;
    const file = path.join(repo3.backend.location, 'data', pack.name.slice(0, 2), pack.name);
    const bytes = fs.readFileSync(file);
    bytes[entry.offset + 100]! ^= 0x20;
    fs.writeFileSync(file, bytes);

    const report = await restoreTest({}, { repo: repo3 });
    assert.equal(report.passed, false);
    assert.equal(report.mismatches.length, 1);
    assert.equal(report.mismatches[0]!.path, `${src}/big.bin`);
    assert.match(report.mismatches[0]!.problem, /not restored: .*corrupt/);
  });

  it('fails, naming the directory, when a tree is damaged', async () => {
    const repo6 = await newRepo('repo-tree');
    const src = makeSource('src-tree');
    const id = (await backupFiles({ paths: [src] }, { repo: repo6 })).snapshotId!;
    const index = await loadMasterIndex(repo6);
    const reader = new BlobReader(repo6, index);
    let docs: string | undefined;
    for await (const { path: p, node } of walkTree(reader, (await loadSnapshot(repo6, id)).tree))
      if (p === `${src}/docs`) docs = node.subtree;
    const { pack, entry } = index.lookup(docs!)!;
    const file = path.join(repo6.backend.location, 'data', pack.name.slice(0, 2), pack.name);
    const bytes = fs.readFileSync(file);
    bytes[entry.offset + 3]! ^= 0x02;
    fs.writeFileSync(file, bytes);

    const report = await restoreTest({}, { repo: repo6 });
    assert.equal(report.passed, false);
    assert.deepEqual(
      report.mismatches.map((m) => m.path),
      [`${src}/docs`],
    );
    assert.equal(report.filesChecked, 3, 'the files outside the damaged directory are still checked');
  });

  it('the comparison catches a restored file that differs in content or size', async () => {
    // A restore cannot be made to write wrong bytes from a sound repository, so the restored copy is altered.
    const report = await restoreTest(
      { keep: true, scratchParent: path.join(scratch, 'tampered') },
      { repo, random: seededRandom('x') },
    );
    const restored = path.join(
      report.scratch!,
      'restored',
      ...dir.split('/').filter(Boolean),
      'docs',
      '3.txt',
    );
    assert.ok(fs.existsSync(restored));
    const index = await loadMasterIndex(repo);
    const reader = new BlobReader(repo, index);
    const snapshot = await loadSnapshot(repo, snapshotId);
    let node: Awaited<ReturnType<typeof reader.readTree>>[number] | undefined;
    for await (const e of walkTree(reader, snapshot.tree)) if (e.path.endsWith('/docs/3.txt')) node = e.node;
    assert.equal(compareRestored(restored, node!, index, repo.keys.blobMacKey), undefined);
    const bytes = fs.readFileSync(restored);
    bytes[7]! ^= 1;
    const stat = fs.statSync(restored);
    fs.writeFileSync(restored, bytes);
    fs.utimesSync(restored, stat.atime, stat.mtime);
    assert.match(
      compareRestored(restored, node!, index, repo.keys.blobMacKey)!,
      /differs from the snapshot in bytes 0-/,
    );
    fs.chmodSync(restored, 0o600);
    fs.writeFileSync(restored, fs.readFileSync(restored).subarray(0, 10));
    assert.match(compareRestored(restored, node!, index, repo.keys.blobMacKey)!, /is 10 bytes/);
  });

  it('picks a random snapshot within a window, the same one for the same seed', async () => {
    const repo4 = await newRepo('repo-many');
    const src = makeSource('src-many');
    const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'));
    const ids: string[] = [];
    for (let day = 0; day < 8; day++) {
      fs.writeFileSync(path.join(src, 'day.txt'), `day ${day}\n`);
      ids.push((await backupFiles({ paths: [src] }, { repo: repo4, clock })).snapshotId!);
      clock.advance(86_400_000);
    }
    const within = parseCalendarDuration('4d');
    const pick = async (seed: string) =>
      (
        await restoreTest(
          { snapshot: 'random', within, sample: { maxBytes: 0 } },
          { repo: repo4, clock, random: seededRandom(seed) },
        )
      ).snapshotId;
    const recent = new Set(ids.slice(4));
    const seen = new Set<string>();
    for (const seed of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const first = await pick(seed);
      assert.equal(await pick(seed), first, 'the same seed picks the same snapshot');
      assert.ok(recent.has(first), 'only snapshots within the window are picked');
      seen.add(first);
    }
    assert.ok(seen.size > 1, 'different seeds pick different snapshots');
    const latest = await restoreTest({ snapshot: 'latest' }, { repo: repo4, clock });
    assert.equal(latest.snapshotId, ids[7]);
    assert.equal(latest.candidates, 8);
    await assert.rejects(
      restoreTest({ snapshot: 'random', within, hosts: ['elsewhere'] }, { repo: repo4, clock }),
      { code: 'not-found' },
    );
  });

  it('restores and checks a snapshot that is not of files (Confluence-like)', async () => {
    const repo5 = await newRepo('repo-wiki');
    const index = await loadMasterIndex(repo5);
    const writer = new RepositoryWriter(repo5, index);
    const content = new ContentWriter(repo5, writer, index);
    const builder = new TreeBuilder();
    builder.addFile(
      'spaces/ENG/space.json',
      await content.storeBytes(Buffer.from('{"key":"ENG"}')),
      1_700_000_000_000,
    );
    builder.addFile(
      'spaces/ENG/pages/1/body.storage.xhtml',
      await content.storeBytes(Buffer.from('<p>x</p>'.repeat(9000))),
      1_700_000_000_000,
    );
    const tree = await builder.write(writer);
    await writer.flush();
    await saveSnapshot(repo5, {
      version: 1,
      time: new Date().toISOString(),
      host: 'wiki',
      username: 'svc',
      paths: ['https://example.atlassian.net/wiki'],
      tags: [],
      tree,
      source: { type: 'confluence' },
      program: PROGRAM,
    });
    const report = await restoreTest({}, { repo: repo5 });
    assert.equal(report.sourceType, 'confluence');
    assert.equal(report.filesChecked, 2);
    assert.equal(report.passed, true, JSON.stringify(report.mismatches));
    await assert.rejects(restoreTest({ compareSource: true }, { repo: repo5 }), { code: 'usage' });
  });
});
