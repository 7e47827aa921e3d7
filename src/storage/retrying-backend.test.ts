import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Clock } from '../common/clock.ts';
import { isStepvaultError, StepvaultError } from '../common/errors.ts';
import type { Backend, ByteRange, ObjectInfo, ObjectType } from './contract.ts';
import { MemoryBackend } from './memory/memory-backend.ts';
import { RetryingBackend } from './retrying-backend.ts';

/** A clock whose sleeps return at once and are remembered. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => new Date(0), sleep: async (ms) => void sleeps.push(ms) };
}

/**
 * What a flaky call does instead of its work: fail, return a short or damaged body (loads), or do the work and then
 * fail as if the answer had been lost on the way ('lost': a write stored, its client told of a reset).
 */
type Fault = StepvaultError | 'short' | 'garbled' | 'lost';

/** A backend that fails its next calls as told: a queue of faults per operation. */
class FlakyBackend implements Backend {
  readonly inner = new MemoryBackend();
  readonly location = 'flaky:';
  readonly faults: Record<string, (() => Fault)[]> = {};
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;

  async #call<T>(op: string, run: () => Promise<T>): Promise<T | 'short' | 'garbled'> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setImmediate(r));
      const fault = this.faults[op]?.shift()?.();
      if (fault instanceof StepvaultError) throw fault;
      if (fault === 'lost') {
        await run();
        throw retryable('PUT failed: ECONNRESET');
      }
      if (fault) return fault;
      return await run();
    } finally {
      this.inFlight--;
    }
  }
  create = () => this.inner.create();
  async save(type: ObjectType, name: string, data: Uint8Array) {
    await this.#call('save', () => this.inner.save(type, name, data));
  }
  async saveFile(type: ObjectType, name: string, file: string) {
    await this.#call('saveFile', () => this.inner.saveFile(type, name, file));
  }
  /** The buffers each load was given to read into. */
  readonly intos: (Buffer | undefined)[] = [];
  async load(type: ObjectType, name: string, range?: ByteRange, into?: Buffer): Promise<Buffer> {
    this.intos.push(into);
    const got = await this.#call('load', () => this.inner.load(type, name, range));
    const whole = await this.inner.load(type, name, range);
    if (got === 'short') return whole.subarray(0, whole.length - 1);
    if (got === 'garbled') return Buffer.concat([Buffer.from([whole[0]! ^ 1]), whole.subarray(1)]);
    return got;
  }
  stat = (type: ObjectType, name: string) => this.inner.stat(type, name);
  async *list(type: ObjectType): AsyncIterable<ObjectInfo> {
    let n = 0;
    for await (const info of this.inner.list(type)) {
      if (n++ === 2) {
        const fault = this.faults.list?.shift()?.();
        if (fault instanceof StepvaultError) throw fault;
      }
      yield info;
    }
  }
  remove = (type: ObjectType, name: string) => this.inner.remove(type, name);
  close = async () => {};
}

const retryable = (message = 'GET failed: InternalError (HTTP 500)') =>
  new StepvaultError('io', message, { retryable: true });
const slowDown = () => retryable('PUT failed: SlowDown (HTTP 503)');

function setup(options: { attempts?: number; concurrency?: number } = {}) {
  const flaky = new FlakyBackend();
  const clock = recordingClock();
  const retries: string[] = [];
  const backend = new RetryingBackend(flaky, {
    clock,
    random: () => 1,
    onRetry: (what) => retries.push(what),
    ...options,
  });
  return { flaky, clock, backend, retries };
}

const named = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('retrying backend', () => {
  it('retries retryable failures with exponential backoff, and counts them', async () => {
    const { flaky, clock, backend } = setup();
    flaky.faults.save = [retryable, slowDown, retryable];
    const data = randomBytes(100);
    await backend.save('data', named(data), data);
    assert.deepEqual(clock.sleeps, [100, 200, 400]);
    assert.deepEqual(await flaky.inner.load('data', named(data)), data);
    const stats = backend.requestStats();
    assert.equal(stats.retries, 3);
    assert.equal(stats.throttled, 1);
    assert.equal(stats.bytesSent, 100);
  });

  it('gives up after its attempts, and never retries what cannot succeed', async () => {
    const { flaky, backend } = setup({ attempts: 3 });
    flaky.faults.save = [retryable, retryable, retryable, retryable];
    await assert.rejects(backend.save('locks', 'ab'.repeat(32), Buffer.from('x')), (e) =>
      isStepvaultError(e, 'io'),
    );
    assert.equal(flaky.faults.save.length, 1);
    flaky.faults.save = [() => new StepvaultError('io', 'AccessDenied (HTTP 403)')];
    await assert.rejects(backend.save('locks', 'cd'.repeat(32), Buffer.from('x')), /AccessDenied/);
    assert.equal(backend.requestStats().retries, 2);
  });

  it('reads again a body that came short or damaged, and hands on only the right bytes', async () => {
    const { flaky, backend, retries } = setup();
    const data = randomBytes(4096);
    await flaky.inner.save('data', named(data), data);
    flaky.faults.load = [() => 'short', () => 'garbled'];
    assert.deepEqual(await backend.load('data', named(data)), data);
    assert.equal(retries.length, 2);
    flaky.faults.load = [() => 'short'];
    assert.deepEqual(
      await backend.load('data', named(data), { offset: 10, length: 100 }),
      data.subarray(10, 110),
    );
    assert.equal(retries.length, 3);
  });

  it('gives the buffer to read into to the backend on every attempt', async () => {
    const { flaky, backend } = setup();
    const data = randomBytes(4096);
    await flaky.inner.save('data', named(data), data);
    flaky.faults.load = [retryable];
    const into = Buffer.alloc(200);
    await backend.load('data', named(data), { offset: 0, length: 100 }, into);
    assert.deepEqual(flaky.intos, [into, into]);
  });

  it('names an object whose stored bytes do not match its name after every attempt', async () => {
    const { flaky, backend } = setup({ attempts: 2 });
    const name = 'ef'.repeat(32);
    await flaky.inner.save('index', name, Buffer.from('not what the name says'));
    await assert.rejects(
      backend.load('index', name),
      (e) => isStepvaultError(e, 'corrupt') && e.message.includes(name),
    );
  });

  it('reads a damaged object three times, not with every attempt, before it reports it', async () => {
    const { flaky, backend, retries } = setup();
    const name = 'ab'.repeat(32);
    await flaky.inner.save('snapshots', name, Buffer.from('replaced'));
    await assert.rejects(
      backend.load('snapshots', name),
      (e) => isStepvaultError(e, 'corrupt') && !e.retryable && /in 3 reads/.test(e.hint ?? ''),
    );
    assert.equal(retries.length, 2);
  });

  it('starts a broken listing again without yielding anything twice', async () => {
    const { flaky, backend } = setup();
    const names = Array.from({ length: 6 }, () => randomBytes(32).toString('hex'));
    for (const n of names) await flaky.inner.save('snapshots', n, Buffer.from(n));
    flaky.faults.list = [retryable, retryable];
    const seen: string[] = [];
    for await (const info of backend.list('snapshots')) seen.push(info.name);
    assert.deepEqual(seen.sort(), [...names].sort());
  });

  it('a listing that keeps failing throws: it is never taken for an empty one', async () => {
    const { flaky, backend } = setup({ attempts: 2 });
    for (let i = 0; i < 4; i++)
      await flaky.inner.save('index', randomBytes(32).toString('hex'), Buffer.from('x'));
    flaky.faults.list = [retryable, retryable];
    await assert.rejects(async () => {
      for await (const _ of backend.list('index'));
    }, /InternalError/);
  });

  it('takes a retried write that meets its own earlier, lost write as done', async () => {
    const { flaky, backend } = setup();
    const data = randomBytes(1000);
    flaky.faults.save = [() => 'lost'];
    await backend.save('data', named(data), data);
    assert.deepEqual(await flaky.inner.load('data', named(data)), data);
    // Twice: a reset after the stored write, then the retry's already-exists, settled by reading the object back.
    flaky.faults.save = [slowDown, () => 'lost', slowDown];
    await backend.save('keys', 'ab'.repeat(32), data);
    assert.equal(backend.requestStats().retries, 4);
  });

  it('reports already-exists when a retried write meets other bytes, or when nothing was retried', async () => {
    const { flaky, backend } = setup();
    const ours = randomBytes(1000);
    const name = 'cd'.repeat(32);
    // Another writer's object of the same size got there first: a reset, then the retry finds it.
    await flaky.inner.save('keys', name, randomBytes(1000));
    flaky.faults.save = [retryable];
    await assert.rejects(backend.save('keys', name, ours), (e) => isStepvaultError(e, 'already-exists'));
    // Another size.
    flaky.faults.save = [retryable];
    await assert.rejects(backend.save('keys', name, ours.subarray(1)), (e) =>
      isStepvaultError(e, 'already-exists'),
    );
    // The first attempt meets it: that is the caller's to judge, even when the bytes are the same.
    const same = await flaky.inner.load('keys', name);
    const loadsBefore = flaky.calls;
    await assert.rejects(backend.save('keys', name, same), (e) => isStepvaultError(e, 'already-exists'));
    assert.equal(flaky.calls, loadsBefore + 1, 'nothing read back');
  });

  it('compares a retried file upload with the file, piece by piece', async () => {
    const { flaky, backend } = setup();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-retrying-'));
    try {
      const data = randomBytes(9 * 1024 * 1024 + 17); // two pieces of the comparison
      const file = path.join(dir, 'pack');
      fs.writeFileSync(file, data);
      flaky.faults.saveFile = [() => 'lost'];
      await backend.saveFile('data', named(data), file);
      assert.deepEqual(await flaky.inner.load('data', named(data)), data);
      const other = Buffer.from(data);
      other[other.length - 1]! ^= 1;
      fs.writeFileSync(file, other);
      flaky.faults.saveFile = [retryable];
      await assert.rejects(backend.saveFile('data', named(data), file), (e) =>
        isStepvaultError(e, 'already-exists'),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('halves the requests in flight when told to slow down, and grows back after successes', async () => {
    const { flaky, backend } = setup({ concurrency: 8 });
    const blobs = Array.from({ length: 40 }, () => randomBytes(16));
    await Promise.all(blobs.map((b) => backend.save('data', named(b), b)));
    assert.equal(flaky.maxInFlight, 8, 'never more than the limit in flight');
    flaky.faults.save = [slowDown, slowDown, slowDown];
    const one = randomBytes(16);
    await backend.save('data', named(one), one);
    assert.equal(
      backend.concurrencyLimit,
      2,
      'three throttled answers: 8 -> 4 -> 2 -> 1, then one success: 2',
    );
    flaky.maxInFlight = 0;
    const more = Array.from({ length: 4 }, () => randomBytes(16));
    await Promise.all(more.map((b) => backend.save('data', named(b), b)));
    assert.ok(flaky.maxInFlight < 4, `fewer requests run at once (${flaky.maxInFlight})`);
    const rest = Array.from({ length: 60 }, () => randomBytes(16));
    await Promise.all(rest.map((b) => backend.save('data', named(b), b)));
    assert.equal(backend.concurrencyLimit, 8, 'grown back after successes');
  });
});
