// Reading an S3 response body whole. The SDK does not notice a body that ends before its announced length (a
// connection cut, a proxy that gives up): this does, and says it may be read again.

import { StepvaultError } from '../../common/errors.ts';

/**
 * The body's bytes, exactly `length` of them, in the start of `into` when it is long enough (else a new buffer); a
 * body cut short or too long is a retryable error naming `what`.
 */
export async function readBody(
  body: AsyncIterable<Uint8Array> | undefined,
  length: number,
  what: string,
  into?: Buffer,
): Promise<Buffer> {
  const out = into && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
  let at = 0;
  if (body) {
    try {
      for await (const chunk of body) {
        if (at + chunk.length > length) {
          throw new StepvaultError(
            'io',
            `${what}: the server sent more than the ${length} bytes it announced`,
            {
              retryable: true,
            },
          );
        }
        out.set(chunk, at);
        at += chunk.length;
      }
    } catch (e) {
      if (e instanceof StepvaultError) throw e;
      throw new StepvaultError('io', `${what}: the download broke off after ${at} of ${length} bytes`, {
        retryable: true,
        cause: e,
      });
    }
  }
  if (at !== length) {
    throw new StepvaultError('io', `${what}: the download ended after ${at} of ${length} bytes`, {
      retryable: true,
    });
  }
  return out;
}
