import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { describeBackendConformance } from './backend-conformance.ts';
import { CachedBackend } from './cached-backend.ts';
import type { ObjectType } from './contract.ts';
import { MemoryBackend } from './memory/memory-backend.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-cache-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

describeBackendConformance('cached memory', {
  async make() {
    const dir = fs.mkdtempSync(path.join(scratch, 'conformance-'));
    return { backend: new CachedBackend(new MemoryBackend(), dir), cleanup: async () => {} };
  },
});

/** A memory backend that counts whole loads. */
class CountingBackend extends MemoryBackend {
  loads = 0;
  override async load(type: ObjectType, name: string, range?: { offset: number; length: number }) {
    if (!range) this.loads++;
    return super.load(type, name, range);
  }
}

const named = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('cached backend', () => {
  it('reads index files, snapshots, chain entries and tombstones from the cache after the first time', async () => {
    const inner = new CountingBackend();
    const cached = new CachedBackend(inner, fs.mkdtempSync(path.join(scratch, 'c-')));
    const data = randomBytes(500);
    await inner.save('snapshots', named(data), data);
    assert.deepEqual(await cached.load('snapshots', named(data)), data);
    assert.deepEqual(await cached.load('snapshots', named(data)), data);
    assert.equal(inner.loads, 1);
    // Packs are not cached; ranges always go to the store.
    await inner.save('data', named(data), data);
    await cached.load('data', named(data));
    await cached.load('data', named(data));
    await cached.load('snapshots', named(data), { offset: 0, length: 10 });
    assert.equal(inner.loads, 3);
  });

  it('fetches again a cached copy that does not match its name', async () => {
    const inner = new CountingBackend();
    const dir = fs.mkdtempSync(path.join(scratch, 'c-'));
    const cached = new CachedBackend(inner, dir);
    const data = randomBytes(500);
    await cached.save('index', named(data), data);
    fs.writeFileSync(path.join(dir, 'index', named(data)), 'damaged on this disk');
    assert.deepEqual(await cached.load('index', named(data)), data);
    assert.equal(inner.loads, 1);
  });

  it('forgets what the store no longer lists, so a deleted object is never served from the cache', async () => {
    const inner = new CountingBackend();
    const cached = new CachedBackend(inner, fs.mkdtempSync(path.join(scratch, 'c-')));
    const data = randomBytes(500);
    await cached.save('chain', named(data), data);
    inner.tamper('chain', named(data), undefined);
    const listed: string[] = [];
    for await (const info of cached.list('chain')) listed.push(info.name);
    assert.deepEqual(listed, []);
    await assert.rejects(cached.load('chain', named(data)), /does not exist/);
  });

  it('never reads, writes or deletes through a symlink planted in the cache, nor trips over a stray directory', async () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'c-'));
    const victim = fs.mkdtempSync(path.join(scratch, 'victim-'));
    fs.writeFileSync(path.join(victim, 'precious'), "not the cache's");
    fs.symlinkSync(victim, path.join(dir, 'tombstones'));
    fs.mkdirSync(path.join(dir, 'snapshots', 'stray'), { recursive: true });
    const inner = new CountingBackend();
    const cached = new CachedBackend(inner, dir);
    const data = randomBytes(100);
    await cached.save('tombstones', 'ab'.repeat(32), data);
    for await (const _ of cached.list('tombstones'));
    for await (const _ of cached.list('snapshots'));
    assert.deepEqual(fs.readdirSync(victim), ['precious']);
    assert.deepEqual(await cached.load('tombstones', 'ab'.repeat(32)), data);
    assert.ok(fs.existsSync(path.join(dir, 'snapshots', 'stray')));
  });
});
