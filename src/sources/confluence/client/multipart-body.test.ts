// The streamed multipart body parses back (with the platform's own form-data parser) to exactly the fields and
// file bytes that went in, and announces its exact length when the file's size is known.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { multipartBody } from './multipart-body.ts';

async function* chunksOf(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

describe('multipartBody', () => {
  it('round-trips fields, file name and bytes', async () => {
    const filename = fc
      .string({ minLength: 1, maxLength: 40 })
      .filter((s) => !/[\r\n"%\\]/.test(s) && s.trim() === s);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 5000 }),
        fc.integer({ min: 1, max: 700 }),
        filename,
        fc.string({ maxLength: 60 }).filter((s) => !s.includes('\r')),
        fc.boolean(),
        async (bytes, chunk, name, comment, sized) => {
          const body = multipartBody(
            [{ name: 'comment', value: comment, contentType: 'text/plain; charset=utf-8' }],
            {
              field: 'file',
              filename: name,
              mediaType: 'application/x-test',
              size: sized ? bytes.length : undefined,
              open: () => chunksOf(bytes, chunk),
            },
          );
          const raw = await drain(body.open());
          if (sized) assert.equal(body.length, raw.length);
          else assert.equal(body.length, undefined);
          const form = await new Response(raw, { headers: { 'content-type': body.contentType } }).formData();
          const file = form.get('file') as File;
          assert.equal(file.name, name);
          assert.equal(file.type, 'application/x-test');
          assert.deepEqual(new Uint8Array(await file.arrayBuffer()), bytes);
          const got = form.get('comment');
          assert.equal(typeof got === 'string' ? got : await (got as File).text(), comment);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps quotes and line breaks in a file name from breaking the header', async () => {
    const body = multipartBody([], {
      field: 'file',
      filename: 'a "b"\r\nc.txt',
      mediaType: 'text/plain',
      open: () => chunksOf(new TextEncoder().encode('x'), 1),
    });
    const raw = await drain(body.open());
    const form = await new Response(raw, { headers: { 'content-type': body.contentType } }).formData();
    assert.equal((form.get('file') as File).name, 'a "b"\r\nc.txt');
  });

  it('keeps a media type with line breaks (as a snapshot may hold) from adding headers or parts', async () => {
    const body = multipartBody([{ name: 'minorEdit', value: 'true' }], {
      field: 'file',
      filename: 'f.txt',
      mediaType: 'text/plain\r\n\r\ninjected\r\nContent-Disposition: form-data; name="minorEdit"',
      open: () => chunksOf(new TextEncoder().encode('x'), 1),
    });
    const raw = await drain(body.open());
    assert.ok(
      !Buffer.from(raw).toString('latin1').includes('\r\ninjected'),
      'the media type broke the header',
    );
    const form = await new Response(raw, { headers: { 'content-type': body.contentType } }).formData();
    const file = form.get('file') as File;
    assert.equal(file.type, 'application/octet-stream');
    assert.equal(await file.text(), 'x');
    assert.deepEqual(form.getAll('minorEdit'), ['true']);
  });

  it('keeps a valid media type with parameters', async () => {
    const body = multipartBody([], {
      field: 'file',
      filename: 'f.txt',
      mediaType: 'text/plain; charset=utf-8',
      open: () => chunksOf(new TextEncoder().encode('x'), 1),
    });
    const raw = Buffer.from(await drain(body.open())).toString('latin1');
    assert.ok(raw.includes('\r\nContent-Type: text/plain; charset=utf-8\r\n'));
  });

  it('fails when the stream is not as long as announced', async () => {
    const body = multipartBody([], {
      field: 'file',
      filename: 'f',
      mediaType: 'text/plain',
      size: 5,
      open: () => chunksOf(new Uint8Array(3), 2),
    });
    await assert.rejects(drain(body.open()), /3 bytes, 5 were announced/);
  });
});
