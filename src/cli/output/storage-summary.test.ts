import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StepvaultError } from '../../common/errors.ts';
import type { Backend, ObjectType } from '../../storage/contract.ts';
import { MemoryBackend } from '../../storage/memory/memory-backend.ts';
import { RetryingBackend } from '../../storage/retrying-backend.ts';
import { storageLine, storageSummary } from './storage-summary.ts';

/** A memory backend whose next saves fail with the given errors (as a remote store's may). */
class FailingSaves extends MemoryBackend {
  readonly failures: StepvaultError[] = [];
  override async save(type: ObjectType, name: string, data: Uint8Array): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    await super.save(type, name, data);
  }
}

function retrying(inner: Backend): RetryingBackend {
  return new RetryingBackend(inner, {
    clock: { now: () => new Date(0), sleep: async () => {} },
    random: () => 0,
  });
}

const NAME = 'ab'.repeat(32);

describe('storage summary', () => {
  it('adds nothing for a backend that does not count its requests (a local repository)', () => {
    assert.deepEqual(storageSummary(new MemoryBackend()), { fields: {}, lines: [] });
  });

  it('gives the counts in --json fields, and no line for people when nothing was retried', async () => {
    const backend = retrying(new MemoryBackend());
    await backend.save('locks', NAME, Buffer.alloc(10));
    await backend.load('locks', NAME, { offset: 0, length: 4 });
    assert.deepEqual(storageSummary(backend), {
      fields: {
        storage: { requests: 2, retries: 0, throttled: 0, bytes_sent: 10, bytes_received: 4 },
      },
      lines: [],
    });
  });

  it('says in one line how many requests were retried and throttled', async () => {
    const inner = new FailingSaves();
    const backend = retrying(inner);
    inner.failures.push(
      new StepvaultError('io', 'PUT failed: SlowDown (HTTP 503)', { retryable: true }),
      new StepvaultError('io', 'PUT failed: InternalError (HTTP 500)', { retryable: true }),
    );
    await backend.save('locks', NAME, Buffer.alloc(3 * 1024 * 1024));
    const summary = storageSummary(backend);
    assert.deepEqual(summary.fields.storage, {
      requests: 3,
      retries: 2,
      throttled: 1,
      bytes_sent: 3 * 1024 * 1024,
      bytes_received: 0,
    });
    assert.deepEqual(summary.lines, [
      'storage: 2 of 3 requests retried (1 throttled); 3.00 MiB sent, 0 B received',
    ]);
  });

  it("reports a second repository's requests apart, as from_storage", async () => {
    const source = retrying(new MemoryBackend());
    const failing = new FailingSaves();
    failing.failures.push(new StepvaultError('io', 'reset', { retryable: true }));
    const destination = retrying(failing);
    await destination.save('locks', NAME, Buffer.alloc(1));
    const summary = storageSummary(destination, source);
    assert.equal(summary.fields.storage?.retries, 1);
    assert.deepEqual(summary.fields.from_storage, {
      requests: 0,
      retries: 0,
      throttled: 0,
      bytes_sent: 0,
      bytes_received: 0,
    });
    assert.deepEqual(summary.lines, ['storage: 1 of 2 requests retried; 1 B sent, 0 B received']);
    assert.match(
      storageSummary(new MemoryBackend(), destination).lines.join('\n'),
      /^source storage: 1 of 2/,
    );
  });

  it('formats large counts and sizes for people', () => {
    assert.equal(
      storageLine('storage', {
        requests: 12_345,
        retries: 2_468,
        throttled: 1_650,
        bytesSent: 5 * 1024 ** 3,
        bytesReceived: 1536,
      }),
      'storage: 2468 of 12345 requests retried (1650 throttled); 5.00 GiB sent, 1.50 KiB received',
    );
  });
});
