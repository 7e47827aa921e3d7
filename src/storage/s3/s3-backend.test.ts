// The S3 backend's requests as they go on the wire, against a small loopback stand-in (the conformance suite runs
// against a real S3 server in test/s3-backend.test.ts): every PUT carries a checksum of its bytes and is
// create-only — AWS refuses Object Lock PUTs without a checksum and RGW does not, so only this test would notice.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isStepvaultError } from '../../common/errors.ts';
import { Secret } from '../../common/secret.ts';
import { S3Backend } from './s3-backend.ts';
import { createS3Client } from './s3-client.ts';
import { parseS3Location } from './s3-location.ts';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

describe('S3 backend requests', () => {
  const seen: Seen[] = [];
  /** What the stand-in answers next GET with: status, headers, body, and how many body bytes it really sends. */
  let nextGet: { status: number; body: Buffer; send?: number } | undefined;
  let server: http.Server;
  let backend: S3Backend;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-s3-unit-'));

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.setHeader('Date', new Date(Date.UTC(2030, 0, 1)).toUTCString());
        if (req.method === 'PUT' && req.url!.includes('already')) {
          res.writeHead(412, { 'Content-Type': 'application/xml' });
          res.end(
            '<Error><Code>PreconditionFailed</Code><Message>At least one of the preconditions failed</Message></Error>',
          );
        } else if (req.method === 'PUT') {
          res.writeHead(200, { ETag: '"e"' });
          res.end();
        } else if (req.method === 'POST' && req.url!.includes('uploads')) {
          res.writeHead(200, { 'Content-Type': 'application/xml' });
          res.end(
            '<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>',
          );
        } else if (req.method === 'POST') {
          res.writeHead(200, { 'Content-Type': 'application/xml' });
          res.end(
            '<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><ETag>"e"</ETag></CompleteMultipartUploadResult>',
          );
        } else if (req.method === 'HEAD') {
          res.writeHead(200);
          res.end();
        } else if (req.method === 'GET' && req.url!.includes('versioning')) {
          res.writeHead(200, { 'Content-Type': 'application/xml' });
          res.end('<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>');
        } else if (req.method === 'GET' && nextGet) {
          const { status, body: answer, send = answer.length } = nextGet;
          res.writeHead(status, { 'Content-Length': String(answer.length) });
          res.write(answer.subarray(0, send));
          if (send < answer.length) res.socket?.destroy();
          else res.end();
        } else {
          res.writeHead(500);
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const location = parseS3Location(`http://127.0.0.1:${port}/bucket/repo`);
    const { client, clock } = createS3Client(location, {
      options: { accessKeyId: new Secret('AKIDTEST'), secretAccessKey: new Secret('secret-test-key') },
      env: {},
    });
    backend = new S3Backend(location, client, clock, { multipartFrom: 6 * 1024 * 1024 });
  });

  after(async () => {
    await backend.close();
    server.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

  it('sends every PUT create-only with the SHA-256 of its bytes', async () => {
    seen.length = 0;
    const data = randomBytes(1000);
    const name = createHash('sha256').update(data).digest('hex');
    await backend.save('data', name, data);
    await backend.save('config', 'config', Buffer.from('sealed config'));
    await backend.save('tombstones', 'ab'.repeat(32), Buffer.from('tombstone'));
    const file = path.join(scratch, 'pack');
    fs.writeFileSync(file, data);
    await backend.saveFile('data', name, file);
    const puts = seen.filter((s) => s.method === 'PUT');
    assert.equal(puts.length, 4);
    for (const put of puts) {
      assert.equal(put.headers['if-none-match'], '*', `${put.url} is create-only`);
      assert.equal(put.headers['x-amz-checksum-sha256'], sha256(put.body), `${put.url} carries its checksum`);
    }
    assert.equal(puts[0]!.url.split('?')[0], `/bucket/repo/data/${name.slice(0, 2)}/${name}`);
    assert.equal(puts[1]!.url.split('?')[0], '/bucket/repo/config');
  });

  it('sends retention with every write under a lock policy but lease locks, with the checksum AWS requires', async () => {
    seen.length = 0;
    const port = (server.address() as AddressInfo).port;
    const location = parseS3Location(`http://127.0.0.1:${port}/bucket/locked`);
    const { client, clock } = createS3Client(location, {
      options: { accessKeyId: new Secret('AKIDTEST'), secretAccessKey: new Secret('secret-test-key') },
      env: {},
    });
    const locked = new S3Backend(location, client, clock);
    locked.objectLock.retainNewObjects('compliance', (now) => new Date(now.getTime() + 86_400_000));
    const data = randomBytes(100);
    await locked.save('snapshots', createHash('sha256').update(data).digest('hex'), data);
    await locked.save('locks', createHash('sha256').update(data).digest('hex'), data);
    await locked.close();
    const [snapshot, lock] = seen.filter((s) => s.method === 'PUT');
    assert.equal(snapshot!.headers['x-amz-object-lock-mode'], 'COMPLIANCE');
    // The stand-in's Date header says 2030-01-01: retention counts from the server's clock, not this machine's.
    const until = Date.parse(snapshot!.headers['x-amz-object-lock-retain-until-date'] as string);
    assert.ok(Math.abs(until - Date.UTC(2030, 0, 2)) < 5000, `retain until ${new Date(until).toISOString()}`);
    assert.equal(snapshot!.headers['x-amz-sdk-checksum-algorithm'], 'SHA256');
    assert.equal(snapshot!.headers['x-amz-checksum-sha256'], sha256(snapshot!.body));
    assert.equal(lock!.headers['x-amz-object-lock-mode'], undefined, 'lease locks must stay removable');
  });

  it('sends large files in parts, each with its checksum, completed create-only', async () => {
    seen.length = 0;
    const data = randomBytes(40 * 1024 * 1024 + 3);
    const name = createHash('sha256').update(data).digest('hex');
    const file = path.join(scratch, 'large');
    fs.writeFileSync(file, data);
    await backend.saveFile('data', name, file);
    const parts = seen.filter((s) => s.method === 'PUT');
    assert.equal(parts.length, 3);
    assert.ok(Buffer.concat(parts.map((p) => p.body)).equals(data));
    for (const part of parts) assert.equal(part.headers['x-amz-checksum-sha256'], sha256(part.body));
    const create = seen.find((s) => s.method === 'POST' && s.url.includes('uploads'))!;
    assert.equal(create.headers['x-amz-checksum-algorithm'], 'SHA256');
    const complete = seen.filter((s) => s.method === 'POST').at(-1)!;
    assert.equal(complete.headers['if-none-match'], '*');
  });

  it('reports a PUT refused by its precondition as already-exists', async () => {
    // The stand-in refuses every PUT into a bucket named "already".
    const port = (server.address() as AddressInfo).port;
    const location = parseS3Location(`http://127.0.0.1:${port}/already`);
    const { client, clock } = createS3Client(location, {
      options: { accessKeyId: new Secret('AKIDTEST'), secretAccessKey: new Secret('secret-test-key') },
      env: {},
    });
    const refusing = new S3Backend(location, client, clock);
    await assert.rejects(refusing.save('snapshots', 'ab'.repeat(32), Buffer.from('x')), (e) =>
      isStepvaultError(e, 'already-exists'),
    );
    await refusing.close();
  });

  it('refuses a body that ends before its length, as retryable', async () => {
    nextGet = { status: 200, body: randomBytes(100_000), send: 40_000 };
    await assert.rejects(
      backend.load('index', 'cd'.repeat(32)),
      (e) => isStepvaultError(e, 'io') && e.retryable,
    );
    nextGet = { status: 206, body: randomBytes(10) };
    await assert.rejects(
      backend.load('data', 'cd'.repeat(32), { offset: 0, length: 20 }),
      (e) => isStepvaultError(e, 'corrupt') && /truncated/.test(e.message),
    );
    nextGet = undefined;
  });

  it('learns the server clock from its answers', () => {
    assert.equal(backend.serverClock.now()!.getUTCFullYear(), 2030);
  });
});
