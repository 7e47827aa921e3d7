// Reading S3 bodies whole: exact bodies into the caller's buffer or a new one; bodies too long, cut off or ended
// early are retryable errors that say how far the download came; streams and plain async iterables alike.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { isStepvaultError } from '../../common/errors.ts';
import { readBody } from './s3-body.ts';

function chunked(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

async function* iterate(chunks: Buffer[]) {
  for (const c of chunks) yield c;
}

function retryableIo(what: RegExp) {
  return (e: unknown) => isStepvaultError(e, 'io') && e.retryable === true && what.test(e.message);
}

describe('readBody', () => {
  const bytes = randomBytes(300_000);

  it('reads a stream whole, into the given buffer when it is long enough', async () => {
    const into = Buffer.alloc(400_000);
    const got = await readBody(Readable.from(chunked(bytes, 65_536)), bytes.length, 'GET x', into);
    assert.equal(got.buffer, into.buffer);
    assert.ok(got.equals(bytes));
    const fresh = await readBody(
      Readable.from(chunked(bytes, 1000)),
      bytes.length,
      'GET x',
      Buffer.alloc(10),
    );
    assert.ok(fresh.equals(bytes));
  });

  it('reads a plain async iterable whole', async () => {
    assert.ok((await readBody(iterate(chunked(bytes, 7000)), bytes.length, 'GET x')).equals(bytes));
  });

  it('reports a body longer than announced', async () => {
    await assert.rejects(
      readBody(Readable.from(chunked(bytes, 4096)), 1000, 'GET x'),
      retryableIo(/more than/),
    );
    await assert.rejects(readBody(iterate(chunked(bytes, 4096)), 1000, 'GET x'), retryableIo(/more than/));
  });

  it('reports a body that ended early or broke off, with how far it came', async () => {
    await assert.rejects(
      readBody(Readable.from(chunked(bytes.subarray(0, 1000), 100)), bytes.length, 'GET x'),
      retryableIo(/ended after 1000 of 300000 bytes/),
    );
    const cut = new PassThrough();
    const reading = readBody(cut, bytes.length, 'GET x');
    cut.write(bytes.subarray(0, 5000));
    setImmediate(() => cut.destroy(new Error('socket hang up')));
    await assert.rejects(reading, retryableIo(/broke off after 5000 of 300000 bytes/));
    const closed = new PassThrough();
    const reading2 = readBody(closed, bytes.length, 'GET x');
    closed.write(bytes.subarray(0, 10));
    setImmediate(() => closed.destroy());
    await assert.rejects(reading2, retryableIo(/broke off after 10 of/));
  });
});
