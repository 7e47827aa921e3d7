// Reading an S3 response body whole. The SDK does not notice a body that ends before its announced length (a
// connection cut, a proxy that gives up): this does, and says it may be read again. A Node stream (what the SDK
// gives in Node) is read through its events: a pack arrives in ~250 socket reads, and an async iterator costs a
// promise and a turn of the microtask queue for each.

import type { Readable } from 'node:stream';
import { StepvaultError } from '../../common/errors.ts';

type Body = AsyncIterable<Uint8Array> | Readable | undefined;

/**
 * The body's bytes, exactly `length` of them, in the start of `into` when it is long enough (else a new buffer); a
 * body cut short or too long is a retryable error naming `what`.
 */
export async function readBody(body: Body, length: number, what: string, into?: Buffer): Promise<Buffer> {
  const out = into && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
  let at = 0;
  const tooLong = () =>
    new StepvaultError('io', `${what}: the server sent more than the ${length} bytes it announced`, {
      retryable: true,
    });
  const brokeOff = (cause?: unknown) =>
    new StepvaultError('io', `${what}: the download broke off after ${at} of ${length} bytes`, {
      retryable: true,
      ...(cause === undefined ? {} : { cause }),
    });
  if (body && isStream(body)) {
    await new Promise<void>((resolve, reject) => {
      const fail = (e: StepvaultError) => {
        body.destroy();
        reject(e);
      };
      body.on('data', (chunk: Uint8Array) => {
        if (at + chunk.length > length) return fail(tooLong());
        out.set(chunk, at);
        at += chunk.length;
      });
      body.once('end', resolve);
      body.once('error', (e) => reject(e instanceof StepvaultError ? e : brokeOff(e)));
      // closed without its end: the connection went away mid-body
      body.once('close', () => reject(brokeOff()));
    });
  } else if (body) {
    try {
      for await (const chunk of body) {
        if (at + chunk.length > length) throw tooLong();
        out.set(chunk, at);
        at += chunk.length;
      }
    } catch (e) {
      if (e instanceof StepvaultError) throw e;
      throw brokeOff(e);
    }
  }
  if (at !== length) {
    throw new StepvaultError('io', `${what}: the download ended after ${at} of ${length} bytes`, {
      retryable: true,
    });
  }
  return out;
}

function isStream(body: AsyncIterable<Uint8Array> | Readable): body is Readable {
  return typeof (body as Readable).on === 'function' && typeof (body as Readable).destroy === 'function';
}
