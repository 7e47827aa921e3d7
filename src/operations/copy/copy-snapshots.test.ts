import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeTree } from '../../../test/support/tree-fixture.ts';
import type { StoredSnapshot } from '../../domain/snapshot.ts';
import { BlobReader } from '../../repository/blob-reader.ts';
import { ContentWriter } from '../../repository/content-writer.ts';
import { loadMasterIndex } from '../../repository/index/index-store.ts';
import { Repository } from '../../repository/repository.ts';
import { RepositoryWriter } from '../../repository/repository-writer.ts';
import { listSnapshots, saveSnapshot } from '../../repository/snapshot/snapshot-store.ts';
import { TreeBuilder } from '../../repository/tree/tree-builder.ts';
import { walkTree } from '../../repository/tree/tree-walk.ts';
import type { Backend } from '../../storage/contract.ts';
import { LocalBackend } from '../../storage/local/local-backend.ts';
import { backupFiles } from '../backup/backup-files.ts';
import { checkRepository } from '../check/check.ts';
import { PROGRAM } from '../program.ts';
import { restoreFiles } from '../restore/restore-files.ts';
import { copySnapshots } from './copy-snapshots.ts';

const FAST_KDF = { algorithm: 'argon2id', memoryKiB: 1024, passes: 1, parallelism: 1 } as const;
const CHUNKS_A = { min: 4096, avg: 16384, max: 65536 };
const CHUNKS_B = { min: 2048, avg: 8192, max: 32768 };

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-copy-'));
let counter = 0;
const fresh = (name: string) => path.join(scratch, `${name}-${++counter}`);

async function newRepo(
  options: { chunker?: typeof CHUNKS_A; masterSecret?: Buffer; packSize?: number } = {},
): Promise<Repository> {
  return Repository.init(new LocalBackend(fresh('repo')), 'pw', {
    kdf: FAST_KDF,
    chunker: options.chunker ?? CHUNKS_A,
    packSize: options.packSize ?? 128 * 1024,
    ...(options.masterSecret ? { masterSecret: options.masterSecret } : {}),
  });
}

/** A source directory: text, random binaries spanning several chunks, an empty file, a symlink, nesting. */
function makeSource(): string {
  const dir = fresh('src');
  fs.mkdirSync(path.join(dir, 'docs', 'deep'), { recursive: true });
  for (let i = 0; i < 12; i++)
    fs.writeFileSync(path.join(dir, 'docs', `${i}.txt`), `line ${i} of a document\n`.repeat(300 + 40 * i));
  fs.writeFileSync(path.join(dir, 'docs', 'deep', 'big.bin'), randomBytes(400 * 1024));
  fs.writeFileSync(path.join(dir, 'other.bin'), randomBytes(90 * 1024));
  fs.writeFileSync(path.join(dir, 'empty'), '');
  fs.symlinkSync('docs/0.txt', path.join(dir, 'link'));
  fs.chmodSync(path.join(dir, 'other.bin'), 0o600);
  return dir;
}

async function backup(repo: Repository, dir: string, tags: string[] = []): Promise<string> {
  const result = await backupFiles({ paths: [dir], tags, host: 'host-a' }, { repo });
  return result.snapshotId!;
}

async function restoreTo(repo: Repository, snapshot: string, dir: string): Promise<string> {
  const target = fresh('restore');
  const result = await restoreFiles({ snapshot, target }, { repo });
  assert.deepEqual(result.failed, []);
  return path.join(target, dir);
}

async function snapshotsOf(repo: Repository): Promise<StoredSnapshot[]> {
  return (await listSnapshots(repo)).snapshots;
}

async function dataBlobIds(repo: Repository): Promise<string[]> {
  const index = await loadMasterIndex(repo);
  const ids: string[] = [];
  for (const pack of index.packs())
    for (const e of pack.entries) if (e.type === 'data') ids.push(e.id.toString('hex'));
  return ids;
}

after(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('copy between repositories with different keys and chunker parameters', () => {
  let source: Repository;
  let destination: Repository;
  let dir: string;
  const ids: string[] = [];

  before(async () => {
    source = await newRepo({ chunker: CHUNKS_A });
    destination = await newRepo({ chunker: CHUNKS_B });
    dir = makeSource();
    ids.push(await backup(source, dir, ['daily']));
    fs.appendFileSync(path.join(dir, 'docs', '3.txt'), 'a change\n');
    ids.push(await backup(source, dir, ['daily', 'second']));
  });

  it('copies every snapshot, re-chunked, and a restore from the copy is byte for byte the original', async () => {
    const result = await copySnapshots({}, { source, destination });
    assert.equal(result.mode, 're-chunked');
    assert.equal(result.selected, 2);
    assert.equal(result.copied.length, 2);
    assert.deepEqual(result.failed, []);
    const copies = await snapshotsOf(destination);
    assert.equal(copies.length, 2);
    const originals = await snapshotsOf(source);
    for (const original of originals) {
      const copy = copies.find((c) => c.original === original.id);
      assert.ok(copy, `a copy of ${original.id}`);
      for (const field of [
        'time',
        'host',
        'username',
        'paths',
        'tags',
        'source',
        'program',
        'summary',
      ] as const)
        assert.deepEqual(copy[field], original[field], field);
      assert.notEqual(copy.tree, original.tree, 'trees are rewritten in the destination blob IDs');
      const fromCopy = describeTree(await restoreTo(destination, copy.id, dir));
      const fromOriginal = describeTree(await restoreTo(source, original.id, dir));
      assert.deepEqual(fromCopy, fromOriginal);
    }
    const second = copies.find((c) => c.original === ids[1])!;
    const first = copies.find((c) => c.original === ids[0])!;
    assert.equal(second.parent, first.id, "the parent is the destination's copy of the source's parent");
    const sourceIds = new Set(await dataBlobIds(source));
    assert.ok(
      (await dataBlobIds(destination)).every((id) => !sourceIds.has(id)),
      'new blob IDs',
    );
  });

  it('a second run copies nothing', async () => {
    const result = await copySnapshots({}, { source, destination });
    assert.equal(result.copied.length, 0);
    assert.equal(result.skipped.length, 2);
    assert.equal(result.packsWritten, 0);
    assert.equal((await snapshotsOf(destination)).length, 2);
  });

  it('a new snapshot is copied by reading only what changed since the last copy', async () => {
    fs.writeFileSync(path.join(dir, 'docs', 'new.txt'), 'a new file\n');
    const id = await backup(source, dir);
    const result = await copySnapshots({ snapshots: [id.slice(0, 8)] }, { source, destination });
    assert.equal(result.copied.length, 1);
    assert.equal(result.filesCopied, 1, 'only the new file is read from the source');
    assert.ok(result.entriesReused > 0);
    const copy = (await snapshotsOf(destination)).find((c) => c.original === id)!;
    assert.deepEqual(
      describeTree(await restoreTo(destination, copy.id, dir)),
      describeTree(await restoreTo(source, id, dir)),
    );
  });

  it('filters by host, tag and path', async () => {
    const other = await newRepo({ chunker: CHUNKS_B });
    assert.equal((await copySnapshots({ hosts: ['nobody'] }, { source, destination: other })).selected, 0);
    assert.equal(
      (await copySnapshots({ tags: ['second'] }, { source, destination: other })).copied.length,
      1,
    );
    assert.equal((await copySnapshots({ tags: ['daily'] }, { source, destination: other })).copied.length, 1);
    const byPath = await copySnapshots({ paths: [dir] }, { source, destination: other });
    assert.equal(byPath.copied.length, 1);
    assert.equal(byPath.skipped.length, 2);
  });

  it('a chain of copies keeps the first original, and copying back recognises the snapshots', async () => {
    const third = await newRepo({ chunker: CHUNKS_A });
    await copySnapshots({}, { source: destination, destination: third });
    const sourceIds = new Set((await snapshotsOf(source)).map((s) => s.id));
    for (const s of await snapshotsOf(third)) assert.ok(sourceIds.has(s.original!), 'original is the first');
    const back = await copySnapshots({}, { source: third, destination: source });
    assert.equal(back.copied.length, 0, 'the source already holds every one of them');
  });

  it('refuses to copy a repository into itself', async () => {
    await assert.rejects(copySnapshots({}, { source, destination: source }), { code: 'usage' });
  });
});

describe('copy between repositories that share the master secret', () => {
  it('copies blobs as stored, never storing one twice', async () => {
    const source = await newRepo();
    const destination = await newRepo({ masterSecret: source.masterSecret, chunker: CHUNKS_B });
    const dir = makeSource();
    const first = await backup(source, dir);
    fs.appendFileSync(path.join(dir, 'docs', '5.txt'), 'changed\n');
    await backup(source, dir);
    const result = await copySnapshots({}, { source, destination });
    assert.equal(result.mode, 'as-stored');
    assert.equal(result.copied.length, 2);
    const ids = await dataBlobIds(destination);
    assert.equal(new Set(ids).size, ids.length, 'no data blob is stored twice');
    assert.deepEqual(new Set(ids), new Set(await dataBlobIds(source)), 'the same blob IDs');
    const copies = await snapshotsOf(destination);
    const originals = await snapshotsOf(source);
    assert.deepEqual(copies.map((c) => c.tree).sort(), originals.map((o) => o.tree).sort(), 'same trees');
    const copy = copies.find((c) => c.original === first)!;
    assert.deepEqual(
      describeTree(await restoreTo(destination, copy.id, dir)),
      describeTree(await restoreTo(source, first, dir)),
    );

    // A later snapshot adds only its new blob.
    fs.writeFileSync(path.join(dir, 'other.bin'), randomBytes(1000));
    await backup(source, dir);
    const later = await copySnapshots({}, { source, destination });
    assert.equal(later.copied.length, 1);
    assert.equal(later.dataAdded, 1000);

    // Data the destination already has (here from a backup straight into it) is not stored again. The file is
    // below both repositories' minimum chunk size, so it is one blob with one ID in each (a larger random file
    // may be cut differently by the destination's chunker, and then its blobs are different ones).
    fs.writeFileSync(path.join(dir, 'added.bin'), randomBytes(CHUNKS_B.min - 500));
    await backupFiles({ paths: [dir], host: 'host-b' }, { repo: destination });
    await backup(source, dir);
    const known = await copySnapshots({ hosts: ['host-a'] }, { source, destination });
    assert.equal(known.copied.length, 1);
    assert.equal(known.dataAdded, 0);
    const all = await dataBlobIds(destination);
    assert.equal(new Set(all).size, all.length, 'still no data blob stored twice');
  });
});

describe('an interrupted copy', () => {
  it('resumes from the packs it had uploaded, and the destination then checks clean', async () => {
    const source = await newRepo();
    // Small packs, so some are stored before the interruption; fewer than the writer indexes at once (64).
    const destination = await newRepo({ chunker: CHUNKS_B, packSize: 32 * 1024 });
    const dir = makeSource();
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(dir, `more-${i}.bin`), randomBytes(64 * 1024));
    const id = await backup(source, dir);
    const controller = new AbortController();
    await assert.rejects(
      copySnapshots(
        {},
        {
          source,
          destination,
          signal: controller.signal,
          onProgress: (p) => {
            // Workers may still hold up to a pack each when the copy stops: what they hold is lost.
            if (p.bytesStored > 500 * 1024) controller.abort(new Error('stop here'));
          },
        },
      ),
      /stop here/,
    );
    assert.equal((await snapshotsOf(destination)).length, 0, 'nothing committed');
    assert.equal((await dataBlobIds(destination)).length, 0, 'the packs uploaded are not indexed yet');
    const packs = fs.readdirSync(path.join(destination.backend.location, 'data'), { recursive: true });
    assert.ok(packs.length > 0, 'some packs were uploaded before the interruption');
    const resumed = await copySnapshots({}, { source, destination });
    assert.ok(resumed.adoptedPacks > 0, 'packs left by the interrupted run are adopted');
    const whole = await copySnapshots({}, { source, destination: await newRepo({ chunker: CHUNKS_B }) });
    assert.ok(resumed.dataAdded <= whole.dataAdded - 300 * 1024, 'what was uploaded is not stored again');
    assert.equal(resumed.copied.length, 1);
    const check = await checkRepository({ readData: true }, { repo: destination });
    assert.deepEqual(check.errors, []);
    const copy = (await snapshotsOf(destination))[0]!;
    assert.equal(copy.original, id);
    assert.deepEqual(
      describeTree(await restoreTo(destination, copy.id, dir)),
      describeTree(await restoreTo(source, id, dir)),
    );
  });
});

describe('copy of a snapshot that is not of files', () => {
  it('walks the tree whatever the source: a Confluence-like snapshot copies and reads back', async () => {
    const source = await newRepo();
    const destination = await newRepo({ chunker: CHUNKS_B });
    const index = await loadMasterIndex(source);
    const writer = new RepositoryWriter(source, index);
    const content = new ContentWriter(source, writer, index);
    const builder = new TreeBuilder();
    const files = new Map<string, Buffer>([
      ['spaces/ENG/space.json', Buffer.from('{"key":"ENG"}')],
      ['spaces/ENG/pages/1/page.json', Buffer.from('{"id":"1","version":3}')],
      ['spaces/ENG/pages/1/body.storage.xhtml', Buffer.from('<p>hello</p>'.repeat(5000))],
      ['spaces/ENG/pages/1/attachments/a.bin', randomBytes(200 * 1024)],
    ]);
    for (const [p, data] of files) builder.addFile(p, await content.storeBytes(data), '2026-01-02T03:04:05Z');
    const tree = await builder.write(writer);
    await writer.flush();
    const id = await saveSnapshot(source, {
      version: 1,
      time: '2026-01-02T03:04:05.000Z',
      host: 'wiki',
      username: 'svc',
      paths: ['https://example.atlassian.net/wiki'],
      tags: [],
      tree,
      source: { type: 'confluence', site: 'example' },
      program: PROGRAM,
    });
    const result = await copySnapshots({}, { source, destination });
    assert.equal(result.copied.length, 1);
    const copy = (await snapshotsOf(destination))[0]!;
    assert.deepEqual(copy.source, { type: 'confluence', site: 'example' });
    assert.equal(copy.original, id);
    const reader = new BlobReader(destination, await loadMasterIndex(destination));
    const seen = new Map<string, Buffer>();
    for await (const { path: p, node } of walkTree(reader, copy.tree)) {
      if (node.type !== 'file') continue;
      seen.set(p.slice(1), Buffer.concat(await Promise.all((node.content ?? []).map((c) => reader.read(c)))));
    }
    assert.deepEqual(seen, files);
  });
});

describe('a snapshot whose source data is damaged', () => {
  it('is reported and not committed; the other snapshots are still copied', async () => {
    const source = await newRepo();
    const destination = await newRepo({ chunker: CHUNKS_B });
    const good = makeSource();
    const bad = fresh('bad');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'victim.bin'), randomBytes(50 * 1024));
    const goodId = await backup(source, good);
    const badId = await backup(source, bad);
    const index = await loadMasterIndex(source);
    const reader = new BlobReader(source, index);
    const badSnapshot = (await snapshotsOf(source)).find((s) => s.id === badId)!;
    let victim: string | undefined;
    for await (const { node } of walkTree(reader, badSnapshot.tree))
      if (node.name === 'victim.bin') victim = node.content![0];
    const { pack, entry } = index.lookup(victim!)!;
    const file = path.join(source.backend.location, 'data', pack.name.slice(0, 2), pack.name);
    const bytes = fs.readFileSync(file);
    bytes[entry.offset + 10]! ^= 0x01;
    fs.writeFileSync(file, bytes);

    const result = await copySnapshots({}, { source, destination });
    assert.deepEqual(
      result.copied.map((c) => c.source),
      [goodId],
    );
    assert.equal(result.failed.length, 1);
    assert.equal(result.failed[0]!.source, badId);
    assert.match(result.failed[0]!.error, /corrupt|authentication/);
    assert.deepEqual((await checkRepository({ readData: true }, { repo: destination })).errors, []);
  });
});

/** A local backend whose storage silently loses the first data pack saved through it (it says it saved it). */
function losingFirstPack(inner: LocalBackend): Backend {
  let lost = false;
  return {
    location: inner.location,
    create: () => inner.create(),
    save: (type, name, data) => inner.save(type, name, data),
    async saveFile(type, name, file) {
      if (type === 'data' && !lost) {
        lost = true;
        return;
      }
      await inner.saveFile(type, name, file);
    },
    load: (type, name, range) => inner.load(type, name, range),
    stat: (type, name) => inner.stat(type, name),
    list: (type) => inner.list(type),
    remove: (type, name) => inner.remove(type, name),
    close: () => inner.close(),
  };
}

describe('verification before a copy is committed', () => {
  it('proves every tree, blob reference and pack, and reports what it proved', async () => {
    const source = await newRepo();
    const destination = await newRepo({ chunker: CHUNKS_B });
    const dir = makeSource();
    await backup(source, dir);
    const result = await copySnapshots({}, { source, destination });
    assert.equal(result.copied.length, 1);
    assert.equal(result.verified.snapshots, 1);
    const components = dir.split(path.sep).filter((c) => c !== '').length;
    assert.equal(
      result.verified.trees,
      1 + components + 2,
      'the root, one per component of the path, docs/, docs/deep/',
    );
    assert.ok(result.verified.dataBlobs >= 14, 'every file refers to at least one blob');
    assert.equal(result.verified.packs, (await loadMasterIndex(destination)).packCount);
    assert.equal(result.verified.sampledBlobs, 8);
  });

  it('does not commit a snapshot whose pack the destination storage lost, and says so', async () => {
    const source = await newRepo();
    const local = new LocalBackend(fresh('repo'));
    // Small packs: more of them than the verification asks for one by one, so it lists them.
    await Repository.init(local, 'pw', { kdf: FAST_KDF, chunker: CHUNKS_B, packSize: 8 * 1024 });
    const destination = await Repository.open(losingFirstPack(local), 'pw');
    const dir = makeSource();
    for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(dir, `more-${i}.bin`), randomBytes(64 * 1024));
    await backup(source, dir);
    const result = await copySnapshots({}, { source, destination });
    assert.equal(result.copied.length, 0);
    assert.equal(result.verified.snapshots, 0);
    assert.equal(result.failed.length, 1);
    assert.match(
      result.failed[0]!.error,
      /verification of the copy failed: pack [0-9a-f]{64} is indexed but the destination's storage does not have it/,
    );
    assert.equal((await snapshotsOf(destination)).length, 0, 'nothing committed');
    assert.ok((await loadMasterIndex(destination)).packCount > 64, 'the packs were listed, not asked for');
  });
});
