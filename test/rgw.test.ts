// Smoke test of the RGW test cluster (test/support/rgw.ts) and of the S3 behaviour the S3 storage backend is
// designed around, as the Ceph 16.2 (pacific) RADOS Gateway of Debian shows it through @aws-sdk/client-s3.
// Where the gateway departs from AWS S3 the test asserts what it does, so a change of the gateway shows up here:
// If-None-Match is ignored on versioned buckets and on CompleteMultipartUpload, checksums other than Content-MD5
// are accepted unverified, CreateMultipartUpload's object lock headers are ignored, CompleteMultipartUpload
// answers an empty ETag, and an object belongs to the user who wrote it (no BucketOwnerEnforced).

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import * as S3 from '@aws-sdk/client-s3';
import { type Rgw, type S3Credentials, startRgw } from './support/rgw.ts';

const HOUR = 3600_000;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function client(rgw: Rgw, credentials: S3Credentials, sdkChecksumDefaults = false): S3.S3Client {
  return new S3.S3Client({
    endpoint: rgw.endpoint,
    region: rgw.region,
    credentials,
    forcePathStyle: true,
    // the SDK's default sends streamed bodies aws-chunked with a trailing checksum, which this gateway refuses
    ...(sdkChecksumDefaults
      ? { logger: quiet } // it warns that a refused streamed request is not retried
      : { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
  });
}

/** The error a refused request surfaces: its name and HTTP status. */
async function refusal(request: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await request;
  } catch (e) {
    const error = e as S3.S3ServiceException;
    return { name: error.name, status: error.$metadata?.httpStatusCode };
  }
  return assert.fail('the request was expected to be refused');
}

async function text(s3: S3.S3Client, input: S3.GetObjectCommandInput): Promise<string> {
  const response = await s3.send(new S3.GetObjectCommand(input));
  return response.Body!.transformToString();
}

const md5 = (data: string | Buffer) => createHash('md5').update(data).digest('base64');

/** The given processes that `ps` lists as running (a zombie is not). */
function running(pids: number[]): number[] {
  let listed: string;
  try {
    listed = execFileSync('ps', ['-o', 'pid=,stat=', '-p', pids.join(',')], { encoding: 'utf8' });
  } catch {
    return []; // ps exits with 1 when it lists none
  }
  return listed
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, stat]) => pid && !stat?.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

describe('RGW test cluster', () => {
  let rgw: Rgw;
  let owner: S3.S3Client;

  before(async () => {
    const started = performance.now();
    rgw = await startRgw();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(`# RGW started in ${seconds} s at ${rgw.endpoint}\n`);
    owner = client(rgw, rgw.owner);
  });
  after(() => rgw?.stop());

  it('a: creates a bucket with Object Lock, which is versioned and takes a default retention', async () => {
    await owner.send(new S3.CreateBucketCommand({ Bucket: 'a-locked', ObjectLockEnabledForBucket: true }));
    const initial = await owner.send(new S3.GetObjectLockConfigurationCommand({ Bucket: 'a-locked' }));
    assert.deepEqual(initial.ObjectLockConfiguration, { ObjectLockEnabled: 'Enabled' });
    const versioning = await owner.send(new S3.GetBucketVersioningCommand({ Bucket: 'a-locked' }));
    assert.equal(versioning.Status, 'Enabled');

    const rule = { DefaultRetention: { Mode: 'GOVERNANCE' as const, Days: 1 } };
    await owner.send(
      new S3.PutObjectLockConfigurationCommand({
        Bucket: 'a-locked',
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: rule },
      }),
    );
    const configured = await owner.send(new S3.GetObjectLockConfigurationCommand({ Bucket: 'a-locked' }));
    assert.deepEqual(configured.ObjectLockConfiguration?.Rule, rule);
    const before = Date.now();
    await owner.send(new S3.PutObjectCommand({ Bucket: 'a-locked', Key: 'k', Body: 'x' }));
    const { Retention } = await owner.send(
      new S3.GetObjectRetentionCommand({ Bucket: 'a-locked', Key: 'k' }),
    );
    assert.equal(Retention?.Mode, 'GOVERNANCE');
    assert.ok(Retention!.RetainUntilDate!.getTime() >= before + 24 * HOUR - 1000);
  });

  it('b: PutObject with If-None-Match: * is refused with 412 for an existing key, but not on a versioned bucket', async () => {
    await owner.send(new S3.CreateBucketCommand({ Bucket: 'b-plain' }));
    await owner.send(new S3.PutObjectCommand({ Bucket: 'b-plain', Key: 'k', Body: 'one', IfNoneMatch: '*' }));
    assert.deepEqual(
      await refusal(
        owner.send(new S3.PutObjectCommand({ Bucket: 'b-plain', Key: 'k', Body: 'two', IfNoneMatch: '*' })),
      ),
      { name: 'PreconditionFailed', status: 412 },
    );
    assert.equal(await text(owner, { Bucket: 'b-plain', Key: 'k' }), 'one');

    // on a versioned bucket (every Object Lock bucket is) the condition is ignored: the PUT adds a version
    await owner.send(new S3.CreateBucketCommand({ Bucket: 'b-locked', ObjectLockEnabledForBucket: true }));
    const first = await owner.send(
      new S3.PutObjectCommand({ Bucket: 'b-locked', Key: 'k', Body: 'one', IfNoneMatch: '*' }),
    );
    const second = await owner.send(
      new S3.PutObjectCommand({ Bucket: 'b-locked', Key: 'k', Body: 'two', IfNoneMatch: '*' }),
    );
    assert.notEqual(second.VersionId, first.VersionId);
    assert.equal(await text(owner, { Bucket: 'b-locked', Key: 'k', VersionId: first.VersionId }), 'one');
    assert.equal(await text(owner, { Bucket: 'b-locked', Key: 'k' }), 'two');
  });

  it('c: Content-MD5 is verified; x-amz-checksum-* values are accepted unverified and not kept', async () => {
    await owner.send(new S3.CreateBucketCommand({ Bucket: 'c-plain' }));
    const put = (Key: string, extra: Partial<S3.PutObjectCommandInput>) =>
      owner.send(new S3.PutObjectCommand({ Bucket: 'c-plain', Key, Body: 'abc', ...extra }));
    assert.deepEqual(await refusal(put('md5', { ContentMD5: md5('abd') })), {
      name: 'BadDigest',
      status: 400,
    });
    assert.deepEqual(await refusal(text(owner, { Bucket: 'c-plain', Key: 'md5' })), {
      name: 'NoSuchKey',
      status: 404,
    });
    await put('md5', { ContentMD5: md5('abc') });

    await put('sha256', { ChecksumSHA256: Buffer.alloc(32).toString('base64') });
    await put('crc32', { ChecksumCRC32: 'AAAAAA==' });
    await put('crc32c', { ChecksumCRC32C: 'AAAAAA==' });
    assert.equal(await text(owner, { Bucket: 'c-plain', Key: 'sha256' }), 'abc');
    const head = await owner.send(
      new S3.HeadObjectCommand({ Bucket: 'c-plain', Key: 'sha256', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(head.ChecksumSHA256, undefined);

    // with the SDK's checksum defaults a buffered body works (the checksum goes in a header), a streamed one
    // (aws-chunked with a trailing checksum) is refused
    const defaults = client(rgw, rgw.owner, true);
    await defaults.send(
      new S3.PutObjectCommand({ Bucket: 'c-plain', Key: 'default', Body: Buffer.from('abc') }),
    );
    const streamed = defaults.send(
      new S3.PutObjectCommand({
        Bucket: 'c-plain',
        Key: 'streamed',
        Body: Readable.from([Buffer.from('abc')]),
        ContentLength: 3,
      }),
    );
    assert.deepEqual(await refusal(streamed), { name: 'MissingContentLength', status: 411 });
  });

  it('d: retention in COMPLIANCE can be extended, never shortened nor deleted; GOVERNANCE yields to the owner’s bypass', async () => {
    await owner.send(new S3.CreateBucketCommand({ Bucket: 'd-locked', ObjectLockEnabledForBucket: true }));
    const until = new Date(Date.now() + HOUR);
    // no Content-MD5 needed for a PUT with retention
    const compliance = await owner.send(
      new S3.PutObjectCommand({
        Bucket: 'd-locked',
        Key: 'compliance',
        Body: 'kept',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: until,
      }),
    );
    const version = { Bucket: 'd-locked', Key: 'compliance', VersionId: compliance.VersionId };
    const retention = await owner.send(
      new S3.GetObjectRetentionCommand({ Bucket: 'd-locked', Key: 'compliance' }),
    );
    assert.deepEqual(retention.Retention, { Mode: 'COMPLIANCE', RetainUntilDate: until }); // milliseconds kept
    const head = await owner.send(new S3.HeadObjectCommand({ Bucket: 'd-locked', Key: 'compliance' }));
    assert.equal(head.ObjectLockMode, 'COMPLIANCE');
    assert.deepEqual(head.ObjectLockRetainUntilDate, until);

    const retain = (Key: string, Mode: 'COMPLIANCE' | 'GOVERNANCE', date: Date, bypass = false) =>
      owner.send(
        new S3.PutObjectRetentionCommand({
          Bucket: 'd-locked',
          Key,
          Retention: { Mode, RetainUntilDate: date },
          ...(bypass ? { BypassGovernanceRetention: true } : {}),
        }),
      );
    const later = new Date(until.getTime() + HOUR);
    await retain('compliance', 'COMPLIANCE', later);
    const extended = await owner.send(
      new S3.GetObjectRetentionCommand({ Bucket: 'd-locked', Key: 'compliance' }),
    );
    assert.deepEqual(extended.Retention?.RetainUntilDate, later);
    const denied = { name: 'AccessDenied', status: 403 };
    assert.deepEqual(await refusal(retain('compliance', 'COMPLIANCE', until)), denied);
    assert.deepEqual(await refusal(retain('compliance', 'COMPLIANCE', until, true)), denied);
    assert.deepEqual(await refusal(retain('compliance', 'GOVERNANCE', later)), denied);
    assert.deepEqual(await refusal(owner.send(new S3.DeleteObjectCommand(version))), denied);
    assert.deepEqual(
      await refusal(owner.send(new S3.DeleteObjectCommand({ ...version, BypassGovernanceRetention: true }))),
      denied,
    );
    // a DELETE without a version adds a delete marker; the locked version stays
    const marker = await owner.send(new S3.DeleteObjectCommand({ Bucket: 'd-locked', Key: 'compliance' }));
    assert.equal(marker.DeleteMarker, true);
    assert.deepEqual(await refusal(text(owner, { Bucket: 'd-locked', Key: 'compliance' })), {
      name: 'NoSuchKey',
      status: 404,
    });
    assert.equal(await text(owner, version), 'kept');

    const governance = await owner.send(
      new S3.PutObjectCommand({
        Bucket: 'd-locked',
        Key: 'governance',
        Body: 'g',
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: until,
      }),
    );
    const governed = { Bucket: 'd-locked', Key: 'governance', VersionId: governance.VersionId };
    assert.deepEqual(await refusal(owner.send(new S3.DeleteObjectCommand(governed))), denied);
    const sooner = new Date(Date.now() + HOUR / 2);
    assert.deepEqual(await refusal(retain('governance', 'GOVERNANCE', sooner)), denied);
    await retain('governance', 'GOVERNANCE', sooner, true);
    await owner.send(new S3.DeleteObjectCommand({ ...governed, BypassGovernanceRetention: true }));
    assert.equal((await refusal(text(owner, governed))).status, 404);

    // a mode needs a date, and the date must lie ahead
    const lockedPut = (date?: Date) =>
      owner.send(
        new S3.PutObjectCommand({
          Bucket: 'd-locked',
          Key: 'invalid',
          Body: 'x',
          ObjectLockMode: 'COMPLIANCE',
          ...(date ? { ObjectLockRetainUntilDate: date } : {}),
        }),
      );
    const invalid = { name: 'InvalidArgument', status: 400 };
    assert.deepEqual(await refusal(lockedPut()), invalid);
    assert.deepEqual(await refusal(lockedPut(new Date(Date.now() - HOUR))), invalid);
  });

  it('e: multipart uploads verify each part’s Content-MD5 but ignore lock headers and If-None-Match', async () => {
    await owner.send(new S3.CreateBucketCommand({ Bucket: 'e-locked', ObjectLockEnabledForBucket: true }));
    const until = new Date(Date.now() + HOUR);
    const upload = await owner.send(
      new S3.CreateMultipartUploadCommand({
        Bucket: 'e-locked',
        Key: 'mp',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: until,
      }),
    );
    const partOf = { Bucket: 'e-locked', Key: 'mp', UploadId: upload.UploadId };
    const first = Buffer.alloc(5 * 1024 * 1024, 1); // every part but the last is at least 5 MiB
    const last = Buffer.from('end');
    assert.deepEqual(
      await refusal(
        owner.send(new S3.UploadPartCommand({ ...partOf, PartNumber: 2, Body: last, ContentMD5: md5('x') })),
      ),
      { name: 'BadDigest', status: 400 },
    );
    const parts = [];
    for (const [i, body] of [first, last].entries()) {
      const part = { ...partOf, PartNumber: i + 1, Body: body, ContentMD5: md5(body) };
      parts.push({ PartNumber: i + 1, ETag: (await owner.send(new S3.UploadPartCommand(part))).ETag });
    }
    const done = await owner.send(
      new S3.CompleteMultipartUploadCommand({
        ...partOf,
        IfNoneMatch: '*',
        MultipartUpload: { Parts: parts },
      }),
    );
    assert.ok(done.VersionId);
    assert.equal(done.ETag, ''); // the gateway answers <ETag></ETag>; HEAD has it
    const head = await owner.send(new S3.HeadObjectCommand({ Bucket: 'e-locked', Key: 'mp' }));
    assert.match(head.ETag!, /^"[0-9a-f]{32}-2"$/);
    assert.equal(head.ContentLength, first.length + last.length);
    // the retention asked for at CreateMultipartUpload is not applied; PutObjectRetention afterwards is
    assert.equal(head.ObjectLockMode, undefined);
    assert.deepEqual(
      await refusal(owner.send(new S3.GetObjectRetentionCommand({ Bucket: 'e-locked', Key: 'mp' }))),
      { name: 'ObjectLockConfigurationNotFoundError', status: 404 },
    );
    await owner.send(
      new S3.PutObjectRetentionCommand({
        Bucket: 'e-locked',
        Key: 'mp',
        VersionId: done.VersionId,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until },
      }),
    );
    const retention = await owner.send(new S3.GetObjectRetentionCommand({ Bucket: 'e-locked', Key: 'mp' }));
    assert.deepEqual(retention.Retention, { Mode: 'COMPLIANCE', RetainUntilDate: until });

    // If-None-Match: * on CompleteMultipartUpload does not stop it from replacing an existing object
    await owner.send(new S3.CreateBucketCommand({ Bucket: 'e-plain' }));
    await owner.send(new S3.PutObjectCommand({ Bucket: 'e-plain', Key: 'k', Body: 'old' }));
    const again = await owner.send(new S3.CreateMultipartUploadCommand({ Bucket: 'e-plain', Key: 'k' }));
    const only = { Bucket: 'e-plain', Key: 'k', UploadId: again.UploadId };
    const part = await owner.send(new S3.UploadPartCommand({ ...only, PartNumber: 1, Body: 'new' }));
    await owner.send(
      new S3.CompleteMultipartUploadCommand({
        ...only,
        IfNoneMatch: '*',
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    assert.equal(await text(owner, { Bucket: 'e-plain', Key: 'k' }), 'new');
  });

  it('f: a bucket policy with explicit denials keeps a second user from deleting and from changing retention', async () => {
    const backupCredentials = await rgw.createUser('backup');
    const backup = client(rgw, backupCredentials);
    await owner.send(new S3.CreateBucketCommand({ Bucket: 'f-locked', ObjectLockEnabledForBucket: true }));
    const until = new Date(Date.now() + HOUR);
    const principal = { AWS: ['arn:aws:iam:::user/backup'] };
    const resources = ['arn:aws:s3:::f-locked', 'arn:aws:s3:::f-locked/*'];
    const allow = {
      Effect: 'Allow',
      Principal: principal,
      Action: [
        's3:GetObject',
        's3:PutObject',
        's3:ListBucket',
        's3:GetObjectRetention',
        's3:GetBucketObjectLockConfiguration',
      ],
      Resource: resources,
    };
    const setPolicy = (statements: object[]) =>
      owner.send(
        new S3.PutBucketPolicyCommand({
          Bucket: 'f-locked',
          Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
        }),
      );
    const putLocked = (Key: string, Body: string) =>
      backup.send(
        new S3.PutObjectCommand({
          Bucket: 'f-locked',
          Key,
          Body,
          ACL: 'bucket-owner-full-control',
          ObjectLockMode: 'GOVERNANCE',
          ObjectLockRetainUntilDate: until,
        }),
      );
    const shorten = (Key: string) =>
      backup.send(
        new S3.PutObjectRetentionCommand({
          Bucket: 'f-locked',
          Key,
          BypassGovernanceRetention: true,
          Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + HOUR / 2) },
        }),
      );
    const denied = { name: 'AccessDenied', status: 403 };

    // with Allow statements only, the writer of an object owns it, and its object ACL lets it change retention
    await setPolicy([allow]);
    await putLocked('allowed-only', 'a');
    await shorten('allowed-only');
    assert.deepEqual(
      await refusal(backup.send(new S3.DeleteObjectCommand({ Bucket: 'f-locked', Key: 'allowed-only' }))),
      denied,
    );

    await setPolicy([
      allow,
      {
        Effect: 'Deny',
        Principal: principal,
        Action: [
          's3:DeleteObject',
          's3:DeleteObjectVersion',
          's3:PutObjectRetention',
          's3:BypassGovernanceRetention',
          's3:PutObjectAcl',
          's3:PutObjectVersionAcl',
        ],
        Resource: resources,
      },
    ]);
    // s3:PutObjectRetention denied does not stop a PUT with lock headers
    const first = await putLocked('k', 'one');
    const version = { Bucket: 'f-locked', Key: 'k', VersionId: first.VersionId };
    assert.deepEqual(await refusal(shorten('k')), denied);
    const extend = backup.send(
      new S3.PutObjectRetentionCommand({
        Bucket: 'f-locked',
        Key: 'k',
        Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(until.getTime() + HOUR) },
      }),
    );
    assert.deepEqual(await refusal(extend), denied);
    assert.deepEqual(
      await refusal(backup.send(new S3.DeleteObjectCommand({ Bucket: 'f-locked', Key: 'k' }))),
      denied,
    );
    assert.deepEqual(
      await refusal(backup.send(new S3.DeleteObjectCommand({ ...version, BypassGovernanceRetention: true }))),
      denied,
    );
    assert.deepEqual(
      await refusal(
        backup.send(
          new S3.DeleteObjectsCommand({
            Bucket: 'f-locked',
            Delete: { Objects: [{ Key: 'k', VersionId: first.VersionId }] },
          }),
        ),
      ),
      denied,
    );
    assert.deepEqual(
      await refusal(
        backup.send(new S3.PutObjectAclCommand({ Bucket: 'f-locked', Key: 'k', ACL: 'public-read' })),
      ),
      denied,
    );
    // what it is allowed
    const retention = await backup.send(new S3.GetObjectRetentionCommand({ Bucket: 'f-locked', Key: 'k' }));
    assert.deepEqual(retention.Retention, { Mode: 'GOVERNANCE', RetainUntilDate: until });
    const lock = await backup.send(new S3.GetObjectLockConfigurationCommand({ Bucket: 'f-locked' }));
    assert.equal(lock.ObjectLockConfiguration?.ObjectLockEnabled, 'Enabled');
    const listed = await backup.send(new S3.ListObjectsV2Command({ Bucket: 'f-locked' }));
    assert.deepEqual(
      listed.Contents?.map((o) => o.Key),
      ['allowed-only', 'k'],
    );
    // listing versions is s3:ListBucketVersions, not granted
    assert.deepEqual(
      await refusal(backup.send(new S3.ListObjectVersionsCommand({ Bucket: 'f-locked' }))),
      denied,
    );
    // it may overwrite a key: a new version, the old one survives
    await putLocked('k', 'two');
    assert.equal(await text(backup, { Bucket: 'f-locked', Key: 'k' }), 'two');
    const versions = await owner.send(new S3.ListObjectVersionsCommand({ Bucket: 'f-locked', Prefix: 'k' }));
    assert.equal(versions.Versions?.length, 2);
    assert.equal(await text(owner, version), 'one');

    // the bucket's owner reads another user's object only if it was written with bucket-owner-full-control
    await backup.send(new S3.PutObjectCommand({ Bucket: 'f-locked', Key: 'private', Body: 'p' }));
    assert.deepEqual(await refusal(text(owner, { Bucket: 'f-locked', Key: 'private' })), denied);
    assert.deepEqual(
      await refusal(owner.send(new S3.GetObjectRetentionCommand({ Bucket: 'f-locked', Key: 'private' }))),
      denied,
    );

    // a further user is a separate account
    const other = client(rgw, await rgw.createUser('other'));
    await other.send(new S3.CreateBucketCommand({ Bucket: 'f-other' }));
    const buckets = await other.send(new S3.ListBucketsCommand({}));
    assert.deepEqual(
      buckets.Buckets?.map((b) => b.Name),
      ['f-other'],
    );
    assert.deepEqual(await refusal(text(other, { Bucket: 'f-locked', Key: 'k' })), denied);
  });

  it('f: the Date header of responses reaches a middleware', async () => {
    const dates: string[] = [];
    const s3 = client(rgw, rgw.owner);
    s3.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const headers = (result.response as { headers?: Record<string, string> }).headers;
        if (headers?.date) dates.push(headers.date);
        return result;
      },
      { step: 'deserialize', name: 'serverDate' },
    );
    const sent = Math.floor(Date.now() / 1000) * 1000; // the header has whole seconds
    const listed = await s3.send(new S3.ListBucketsCommand({}));
    const received = Date.now();
    assert.equal(dates.length, 1);
    assert.equal('date' in listed.$metadata, false); // only a middleware sees it
    const date = Date.parse(dates[0]!);
    assert.ok(date >= sent && date <= received, `${dates[0]} between the request and its answer`);
  });

  it('g: ListObjectsV2 pages by at most 1000 keys, DeleteObjects takes 1000, ListObjectVersions pages too', async () => {
    await owner.send(new S3.CreateBucketCommand({ Bucket: 'g-many' }));
    const keys = Array.from({ length: 1001 }, (_, i) => `k/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(
        keys
          .slice(i, i + 50)
          .map((Key) => owner.send(new S3.PutObjectCommand({ Bucket: 'g-many', Key, Body: 'x' }))),
      );
    const page1 = await owner.send(new S3.ListObjectsV2Command({ Bucket: 'g-many', MaxKeys: 5000 }));
    assert.equal(page1.KeyCount, 1000);
    assert.equal(page1.MaxKeys, 1000);
    assert.equal(page1.IsTruncated, true);
    const page2 = await owner.send(
      new S3.ListObjectsV2Command({ Bucket: 'g-many', ContinuationToken: page1.NextContinuationToken }),
    );
    assert.equal(page2.IsTruncated, false);
    assert.deepEqual(
      [...page1.Contents!, ...page2.Contents!].map((o) => o.Key),
      keys,
    );
    // DeleteObjects takes 1000 keys; the SDK sends x-amz-checksum-crc32 and no Content-MD5, which the gateway accepts
    const deleted = await owner.send(
      new S3.DeleteObjectsCommand({
        Bucket: 'g-many',
        Delete: { Objects: keys.slice(0, 1000).map((Key) => ({ Key })), Quiet: true },
      }),
    );
    assert.equal(deleted.Errors, undefined);
    const left = await owner.send(new S3.ListObjectsV2Command({ Bucket: 'g-many' }));
    assert.deepEqual(
      left.Contents?.map((o) => o.Key),
      keys.slice(1000),
    );

    await owner.send(new S3.CreateBucketCommand({ Bucket: 'g-versions', ObjectLockEnabledForBucket: true }));
    for (const body of ['1', '2', '3'])
      await owner.send(new S3.PutObjectCommand({ Bucket: 'g-versions', Key: 'k', Body: body }));
    await owner.send(new S3.DeleteObjectCommand({ Bucket: 'g-versions', Key: 'k' }));
    const first = await owner.send(new S3.ListObjectVersionsCommand({ Bucket: 'g-versions', MaxKeys: 2 }));
    assert.equal(first.IsTruncated, true);
    const rest = await owner.send(
      new S3.ListObjectVersionsCommand({
        Bucket: 'g-versions',
        KeyMarker: first.NextKeyMarker,
        VersionIdMarker: first.NextVersionIdMarker,
      }),
    );
    assert.equal(rest.IsTruncated, false);
    const entries = [first, rest].flatMap((p) => [...(p.DeleteMarkers ?? []), ...(p.Versions ?? [])]);
    assert.equal(entries.length, 4);
    assert.equal(new Set(entries.map((e) => e.VersionId)).size, 4);
    assert.equal([first, rest].flatMap((p) => p.DeleteMarkers ?? []).length, 1);
  });

  it('h: ranged GET answers 206 with the range; a missing key is NoSuchKey (GET) or NotFound (HEAD)', async () => {
    await owner.send(new S3.CreateBucketCommand({ Bucket: 'h-plain' }));
    await owner.send(new S3.PutObjectCommand({ Bucket: 'h-plain', Key: 'k', Body: '0123456789' }));
    const ranged = await owner.send(
      new S3.GetObjectCommand({ Bucket: 'h-plain', Key: 'k', Range: 'bytes=2-5' }),
    );
    assert.equal(ranged.$metadata.httpStatusCode, 206);
    assert.equal(ranged.ContentRange, 'bytes 2-5/10');
    assert.equal(await ranged.Body!.transformToString(), '2345');
    assert.deepEqual(
      await refusal(
        owner.send(new S3.GetObjectCommand({ Bucket: 'h-plain', Key: 'k', Range: 'bytes=20-30' })),
      ),
      { name: 'InvalidRange', status: 416 },
    );
    assert.deepEqual(await refusal(text(owner, { Bucket: 'h-plain', Key: 'missing' })), {
      name: 'NoSuchKey',
      status: 404,
    });
    assert.deepEqual(
      await refusal(owner.send(new S3.HeadObjectCommand({ Bucket: 'h-plain', Key: 'missing' }))),
      { name: 'NotFound', status: 404 },
    );
  });
});

describe('RGW test cluster cleanup', () => {
  const module = path.join(import.meta.dirname, 'support', 'rgw.ts');
  /** Starts a cluster in a child process, which then exits without stopping it (when told) or is killed. */
  async function orphanedBy(ending: 'exit' | 'kill'): Promise<void> {
    const script = `
      const { startRgw } = await import(${JSON.stringify(module)});
      const rgw = await startRgw();
      console.log(JSON.stringify({ pids: Object.values(rgw.pids), dir: rgw.dir }));
      process.stdin.once('data', () => process.exit(0));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let out = '';
    for await (const chunk of child.stdout) {
      out += chunk;
      if (out.includes('\n')) break;
    }
    const { pids, dir } = JSON.parse(out) as { pids: number[]; dir: string };
    assert.equal(pids.length, 3);
    assert.deepEqual(running(pids), pids);
    if (ending === 'kill') child.kill('SIGKILL');
    else child.stdin.write('exit\n');
    await exited;
    while (running(pids).length > 0 || fs.existsSync(dir)) await new Promise((r) => setTimeout(r, 100));
  }

  it('kills the daemons and removes the directory when the test process exits without stopping them', () =>
    orphanedBy('exit'));

  it('kills the daemons and removes the directory when the test process is killed', () => orphanedBy('kill'));

  it('names the packages to install when Ceph is missing', async () => {
    const saved = process.env.PATH;
    process.env.PATH = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-no-ceph-'));
    const started = startRgw();
    fs.rmdirSync(process.env.PATH);
    process.env.PATH = saved;
    await assert.rejects(started, /not installed.*apt-get install radosgw ceph-mon ceph-osd ceph-mgr/);
  });
});
