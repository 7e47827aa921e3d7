// The conformance suite of the storage contract: every backend's test file calls it, so local, memory and s3
// (against a real S3 server) are held to exactly the same behaviour.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { forEachConcurrently } from '../common/concurrency.ts';
import { isStepvaultError } from '../common/errors.ts';
import { type Backend, CONTENT_NAMED_TYPES, type ObjectType } from './contract.ts';

export interface ConformanceTarget {
  /** A new, empty location on every call; `cleanup` runs after each test. */
  make(): Promise<{ backend: Backend; cleanup(): Promise<void> }>;
}

const hex = (n = 32) => randomBytes(n).toString('hex');
/** The name an object of a content-named type has: the SHA-256 of its bytes (backends may rely on it). */
const named = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function collect(iterable: AsyncIterable<{ name: string; size: number }>) {
  const out: { name: string; size: number }[] = [];
  for await (const info of iterable) out.push(info);
  return out;
}

export function describeBackendConformance(label: string, target: ConformanceTarget): void {
  const withBackend = (fn: (backend: Backend) => Promise<void>) => async () => {
    const { backend, cleanup } = await target.make();
    try {
      await backend.create();
      await fn(backend);
    } finally {
      await backend.close();
      await cleanup();
    }
  };

  describe(`storage conformance: ${label}`, () => {
    it(
      'saves and loads objects of every type',
      withBackend(async (b) => {
        const types: ObjectType[] = ['keys', 'data', 'index', 'snapshots', 'locks', 'tombstones'];
        for (const type of types) {
          const data = randomBytes(1000);
          const name = CONTENT_NAMED_TYPES.has(type) ? named(data) : hex();
          await b.save(type, name, data);
          assert.deepEqual(await b.load(type, name), data);
          assert.equal((await b.stat(type, name)).size, 1000);
        }
        await b.save('config', 'config', Buffer.from('cfg'));
        assert.equal((await b.load('config', 'config')).toString(), 'cfg');
      }),
    );

    it(
      'stores empty and large objects whole',
      withBackend(async (b) => {
        const empty = named(new Uint8Array(0));
        await b.save('data', empty, new Uint8Array(0));
        assert.equal((await b.load('data', empty)).length, 0);
        const large = randomBytes(20 * 1024 * 1024 + 7);
        const name = named(large);
        await b.save('data', name, large);
        assert.ok((await b.load('data', name)).equals(large));
      }),
    );

    it(
      'is create-only: a second save of the same name fails and keeps the first',
      withBackend(async (b) => {
        // Only objects whose names are not their hash (tombstones, config) can meet other bytes under their name.
        const name = hex();
        await b.save('tombstones', name, Buffer.from('first'));
        await assert.rejects(b.save('tombstones', name, Buffer.from('second')), (e) =>
          isStepvaultError(e, 'already-exists'),
        );
        assert.equal((await b.load('tombstones', name)).toString(), 'first');
      }),
    );

    it(
      'lets exactly one of many concurrent saves of one name win, whole',
      withBackend(async (b) => {
        const name = hex();
        const candidates = Array.from({ length: 8 }, () => randomBytes(64 * 1024));
        const results = await Promise.allSettled(candidates.map((c) => b.save('tombstones', name, c)));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of results) {
          if (r.status === 'rejected') assert.ok(isStepvaultError(r.reason, 'already-exists'));
        }
        const stored = await b.load('tombstones', name);
        assert.ok(candidates.some((c) => c.equals(stored)));
      }),
    );

    it(
      'reads byte ranges and reports a range past the end as a truncated object',
      withBackend(async (b) => {
        const data = randomBytes(4096);
        const name = named(data);
        await b.save('data', name, data);
        assert.deepEqual(await b.load('data', name, { offset: 100, length: 200 }), data.subarray(100, 300));
        assert.deepEqual(await b.load('data', name, { offset: 4000, length: 96 }), data.subarray(4000));
        await assert.rejects(b.load('data', name, { offset: 4000, length: 97 }), (e) =>
          isStepvaultError(e, 'corrupt'),
        );
      }),
    );

    it(
      'reports missing objects as not-found',
      withBackend(async (b) => {
        const name = hex();
        await assert.rejects(b.load('index', name), (e) => isStepvaultError(e, 'not-found'));
        await assert.rejects(b.stat('index', name), (e) => isStepvaultError(e, 'not-found'));
        await assert.rejects(b.load('config', 'config'), (e) => isStepvaultError(e, 'not-found'));
        await b.remove('index', name); // removing what is not there is no error
      }),
    );

    it(
      'lists every object of a type exactly once, past 1,000 (one page of an S3 listing)',
      withBackend(async (b) => {
        const contents = new Map(
          Array.from({ length: 1100 }, () => randomBytes(64)).map((c) => [named(c), c]),
        );
        const names = new Set(contents.keys());
        await forEachConcurrently([...names], 32, (n) => b.save('data', n, contents.get(n)!));
        await b.save('index', named(Buffer.from('other type')), Buffer.from('other type'));
        const listed = await collect(b.list('data'));
        assert.equal(listed.length, names.size);
        assert.deepEqual(new Set(listed.map((i) => i.name)), names);
        for (const info of listed) assert.equal(info.size, 64);
        assert.equal((await collect(b.list('snapshots'))).length, 0);
      }),
    );

    it(
      'removes objects',
      withBackend(async (b) => {
        const name = named(Buffer.from('x'));
        await b.save('locks', name, Buffer.from('x'));
        await b.remove('locks', name);
        await assert.rejects(b.load('locks', name), (e) => isStepvaultError(e, 'not-found'));
        assert.equal((await collect(b.list('locks'))).length, 0);
      }),
    );

    it(
      'refuses names that are not lowercase hex before touching storage',
      withBackend(async (b) => {
        for (const bad of [
          '../escape',
          'ABCDEF0123456789',
          '',
          'config',
          '0123456789abcdef/x',
          'a'.repeat(15),
        ]) {
          await assert.rejects(b.save('data', bad, Buffer.from('x')), (e) => isStepvaultError(e, 'usage'));
          await assert.rejects(b.load('snapshots', bad), (e) => isStepvaultError(e, 'usage'));
        }
      }),
    );

    it(
      'stores a local file like save, create-only, and leaves the file to the caller',
      withBackend(async (b) => {
        const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-conformance-'));
        try {
          const write = (dir: string, bytes: Buffer) => {
            const file = path.join(dir, `staged-${hex(8)}`);
            fs.writeFileSync(file, bytes, { flag: 'wx' });
            return file;
          };
          const name = named(Buffer.from('file bytes'));
          await b.saveFile('data', name, write(scratch, Buffer.from('file bytes')));
          assert.equal((await b.load('data', name)).toString(), 'file bytes');
          await assert.rejects(b.saveFile('data', name, write(scratch, Buffer.from('file bytes'))), (e) =>
            isStepvaultError(e, 'already-exists'),
          );
          const tombstone = hex();
          await b.saveFile('tombstones', tombstone, write(scratch, Buffer.from('first')));
          await assert.rejects(
            b.saveFile('tombstones', tombstone, write(scratch, Buffer.from('second'))),
            (e) => isStepvaultError(e, 'already-exists'),
          );
          assert.equal((await b.load('tombstones', tombstone)).toString(), 'first');
          // Large files (an S3 backend sends them in parts), and files in the staging directory of backends with one.
          const large = randomBytes(20 * 1024 * 1024 + 7);
          const largeName = createHash('sha256').update(large).digest('hex');
          await b.saveFile('data', largeName, write(scratch, large));
          assert.ok((await b.load('data', largeName)).equals(large));
          const staging = b.localFiles?.stagingDirectory();
          if (staging) {
            const stagedName = named(Buffer.from('staged bytes'));
            const staged = write(staging, Buffer.from('staged bytes'));
            await b.saveFile('index', stagedName, staged);
            fs.rmSync(staged, { force: true });
            assert.equal((await b.load('index', stagedName)).toString(), 'staged bytes');
            assert.equal(fs.readFileSync(b.localFiles!.path('index', stagedName), 'utf8'), 'staged bytes');
          }
        } finally {
          fs.rmSync(scratch, { recursive: true, force: true });
        }
      }),
    );

    it(
      'refuses to create a repository where one exists',
      withBackend(async (b) => {
        await b.save('config', 'config', Buffer.from('cfg'));
        await assert.rejects(b.create(), (e) => isStepvaultError(e, 'repository-exists'));
        assert.equal((await b.load('config', 'config')).toString(), 'cfg');
      }),
    );
  });
}
